import { existsSync } from 'node:fs';
import { AckPolicy, connect, StringCodec, type NatsConnection } from 'nats';
import { readFirstLine } from './net';
import { startNatsServer, type NatsServerFixture } from './nats-server';
import { uniqueName } from './unique-name';

const codec = StringCodec();

describe('startNatsServer (real nats-server with JetStream)', () => {
  let nats: NatsServerFixture;
  let connection: NatsConnection | undefined;

  beforeAll(async () => {
    nats = await startNatsServer();
  });
  afterAll(async () => {
    await connection?.close();
    await nats?.stop();
  });

  const reconnect = async (): Promise<NatsConnection> => {
    await connection?.close();
    connection = await connect({ servers: nats.url, reconnect: false });
    return connection;
  };

  it('runs a private server on its own loopback port and store directory', () => {
    expect(nats.url).toBe(`nats://127.0.0.1:${nats.port}`);
    expect(nats.port).not.toBe(4222);
    expect(existsSync(nats.storeDir)).toBe(true);
  });

  it('publishes and consumes a JetStream message with a confirmed ack, and keeps stream, message and ack state across restart()', async () => {
    const stream = uniqueName('orders');
    let nc = await reconnect();
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: stream, subjects: [`${stream}.>`] });
    await jsm.consumers.add(stream, { durable_name: 'worker', ack_policy: AckPolicy.Explicit });
    const ack = await nc.jetstream().publish(`${stream}.created`, codec.encode('first'), { msgID: 'evt-1' });
    expect(ack.seq).toBe(1);

    const first = await (await nc.jetstream().consumers.get(stream, 'worker')).next({ expires: 2000 });
    expect(first && codec.decode(first.data)).toBe('first');
    expect(await first!.ackAck()).toBe(true);

    await nats.restart();

    nc = await reconnect();
    const after = await nc.jetstreamManager();
    expect((await after.streams.info(stream)).state.messages).toBe(1);
    expect(codec.decode((await after.streams.getMessage(stream, { seq: 1 })).data)).toBe('first');
    expect((await after.consumers.info(stream, 'worker')).ack_floor.stream_seq).toBe(1);

    await nc.jetstream().publish(`${stream}.created`, codec.encode('second'));
    const next = await (await nc.jetstream().consumers.get(stream, 'worker')).next({ expires: 2000 });
    expect(next && codec.decode(next.data)).toBe('second');
    await next!.ackAck();
  });

  it('kill() drops the server like a crash and restart() brings it back on the same port', async () => {
    const nc = await reconnect();
    const closed = nc.closed();
    nats.kill();
    await closed;
    connection = undefined;

    await nats.restart();
    const again = await reconnect();
    expect(again.info?.port).toBe(nats.port);
  });

  it('stop() ends the server and removes its store directory', async () => {
    const other = await startNatsServer();
    expect(other.port).not.toBe(nats.port);
    await other.stop();
    await other.stop();
    expect(existsSync(other.storeDir)).toBe(false);
    await expect(readFirstLine(other.port, 500)).rejects.toThrow();
  });

  it('names NATS_SERVER_BIN when the binary cannot be found', async () => {
    const saved = process.env['NATS_SERVER_BIN'];
    process.env['NATS_SERVER_BIN'] = '/nonexistent/nats-server';
    try {
      await expect(startNatsServer()).rejects.toThrow(/nats-server not found.*NATS_SERVER_BIN/);
    } finally {
      if (saved === undefined) delete process.env['NATS_SERVER_BIN'];
      else process.env['NATS_SERVER_BIN'] = saved;
    }
  });
});
