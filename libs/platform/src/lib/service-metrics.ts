import type { MikroORM } from '@mikro-orm/postgresql';
import type { ConsumerInfo, NatsConnection } from 'nats';
import type { ConsumerDefinition } from '@roster/messaging';
import type { Metrics } from '@roster/observability';
import { qualified, sql } from '@roster/persistence';

/** A scrape reads each consumer's state once, whichever gauge asks first. */
const INFO_TTL_MS = 1000;

export interface ServiceMetricsSources {
  service: string;
  consumers: readonly ConsumerDefinition[];
  orm: () => MikroORM;
  nc: () => NatsConnection;
}

/**
 * R-OPS-03, the metrics every service has beside its own: per JetStream consumer the lag (messages not yet
 * delivered), the deliveries awaiting an ack and the redeliveries pending, read from the server at scrape time;
 * redeliveries seen (a counter the transport feeds: the returned `redelivered`); and the outbox backlog. (Events
 * the relay published: `roster_outbox_published_total`, in PlatformModule.)
 */
export function registerServiceMetrics(metrics: Metrics, o: ServiceMetricsSources) {
  let cached: { at: number; infos: Promise<ConsumerInfo[]> } | undefined;
  const infos = (): Promise<ConsumerInfo[]> => {
    if (!cached || Date.now() - cached.at > INFO_TTL_MS) {
      const jsm = o.nc().jetstreamManager();
      const all = jsm.then((m) =>
        Promise.all(o.consumers.map((c) => m.consumers.info(c.stream, `${o.service}-${c.name}`).catch(() => undefined))),
      );
      cached = { at: Date.now(), infos: all.then((list) => list.filter((i): i is ConsumerInfo => i !== undefined)) };
    }
    return cached.infos;
  };
  const consumerGauge = (name: string, help: string, value: (info: ConsumerInfo) => number) =>
    metrics.gauge({
      name,
      help,
      labelNames: ['consumer', 'stream'],
      async collect() {
        this.reset();
        for (const info of await infos().catch(() => [])) this.set({ consumer: info.name, stream: info.stream_name }, value(info));
      },
    });
  consumerGauge('roster_consumer_pending_messages', 'Messages of the stream the consumer has not been delivered yet (lag)', (i) => i.num_pending);
  consumerGauge('roster_consumer_ack_pending', 'Messages delivered to the consumer and not acknowledged yet', (i) => i.num_ack_pending);
  consumerGauge('roster_consumer_redelivered', 'Messages the consumer has redelivered and not acknowledged yet', (i) => i.num_redelivered);

  metrics.gauge({
    name: 'roster_outbox_backlog',
    help: 'Committed events in the outbox not yet on the bus',
    async collect() {
      // A row is a page of up to a thousand events, so the sum walks a few hundred rows even while a 1M-row apply
      // is writing its (uncommitted, invisible) pages; with a row per event a count(*) walked millions of them on
      // every scrape (half the database's time in a 1M-row run when it did).
      const em = o.orm().em.fork();
      const [row] = await sql<{ n: string }>(em, `select coalesce(sum(events), 0) as n from ${qualified(em, 'outbox')}`).catch(
        () => [{ n: 'NaN' }],
      );
      this.set(Number(row?.n ?? 0));
    },
  });
  const redeliveries = metrics.counter({ name: 'roster_redeliveries_total', help: 'Deliveries after the first of a message', labelNames: ['consumer'] });
  return { redelivered: (consumer: string) => redeliveries.inc({ consumer }) };
}
