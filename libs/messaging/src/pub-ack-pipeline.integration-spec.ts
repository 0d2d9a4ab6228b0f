import { JetStreamManager, NatsConnection, StorageType, connect } from 'nats';
import { startNatsServer } from '@roster/testing';
import { PubAckPipeline, PublishError, type PipelinedMessage } from './index';

/** The pipelined JetStream publisher on a real nats-server: order, dedup, refusals and time-outs. */
describe('PubAckPipeline on a real nats-server', () => {
  let nats: Awaited<ReturnType<typeof startNatsServer>>;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let pipeline: PubAckPipeline;

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
    jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: 'PIPE', subjects: ['pipe.>'], storage: StorageType.File, duplicate_window: 120_000_000_000 });
    await jsm.streams.add({ name: 'SMALL', subjects: ['small.>'], max_msg_size: 64 });
    pipeline = new PubAckPipeline(nc, 400);
  });

  afterAll(async () => {
    pipeline?.close();
    await nc?.drain();
    await nats?.stop();
  });

  const messages = (prefix: string, n: number, subject = 'pipe.a'): PipelinedMessage[] =>
    Array.from({ length: n }, (_, i) => ({ subject, id: `${prefix}-${i}`, payload: Buffer.from(JSON.stringify({ i })) }));

  it('R-EVT-01 stores every message once, in the order given, with up to a window of PubAcks in flight', async () => {
    const before = (await jsm.streams.info('PIPE')).state.last_seq;
    const acks = await pipeline.publish(messages('order', 3000), 64);
    expect(acks).toHaveLength(3000);
    expect(acks.every((a) => a.stream === 'PIPE' && !a.duplicate)).toBe(true);
    expect(acks.map((a) => a.seq)).toEqual(Array.from({ length: 3000 }, (_, i) => before + 1 + i));
    const stored = await jsm.streams.getMessage('PIPE', { seq: before + 2999 });
    expect(JSON.parse(Buffer.from(stored.data).toString())).toEqual({ i: 2998 });
    expect(stored.header.get('Nats-Msg-Id')).toBe('order-2998');
  });

  it('R-EVT-01 a message sent again with its id is acked as a duplicate and stored once', async () => {
    const first = await pipeline.publish(messages('dup', 50), 16);
    const count = (await jsm.streams.info('PIPE')).state.messages;
    const again = await pipeline.publish(messages('dup', 50), 16);
    expect(again.every((a) => a.duplicate)).toBe(true);
    expect(again.map((a) => a.seq)).toEqual(first.map((a) => a.seq));
    expect((await jsm.streams.info('PIPE')).state.messages).toBe(count);
  });

  it('fails with NO_STREAM when no stream stores the subject, and with REJECTED when the stream refuses the message', async () => {
    await expect(pipeline.publish(messages('nostream', 3, 'nowhere.a'), 8)).rejects.toMatchObject({ code: 'NO_STREAM' });
    const big = [{ subject: 'small.a', id: 'big-1', payload: Buffer.alloc(1000, 120) }];
    const refused = pipeline.publish(big, 1);
    await expect(refused).rejects.toBeInstanceOf(PublishError);
    await expect(refused).rejects.toMatchObject({ code: 'REJECTED', message: expect.stringMatching(/size/i) });
  });

  it('fails with TIMEOUT when nothing acknowledges, and a failed call stops sending the rest of its messages', async () => {
    // A core subscriber on a subject no stream stores: the server delivers to it, nobody answers.
    const silent = nc.subscribe('silent.>');
    let received = 0;
    void (async () => {
      for await (const _ of silent) received++;
    })();
    const started = Date.now();
    await expect(pipeline.publish(messages('silent', 20, 'silent.a'), 4)).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(received).toBe(4); // the first window only: nothing more once those failed
    silent.unsubscribe();
  });

  it('concurrent calls do not wait for each other: a single event goes out while a large batch is in flight', async () => {
    const large = pipeline.publish(messages('large', 5000), 512);
    const single = await pipeline.publish(messages('single', 1), 1);
    expect(single[0].stream).toBe('PIPE');
    const acks = await large;
    // The single event did not wait for the batch to finish: it is stored between the batch's messages.
    expect(single[0].seq).toBeLessThan(acks[acks.length - 1].seq);
  });
});
