import { connect, NatsConnection } from 'nats';

export interface NatsOptions {
  servers: string | string[];
  /** Client name shown in the server's connection list: `<service>-<pid>`. */
  name: string;
}

/** One NATS connection per process serves core request/reply, JetStream publish and consume. */
export function connectNats(o: NatsOptions): Promise<NatsConnection> {
  return connect({
    servers: o.servers,
    name: o.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    waitOnFirstConnect: true,
  });
}
