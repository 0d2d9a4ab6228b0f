import { Logger } from '@nestjs/common';
import { NatsConnection, connect } from 'nats';
import { ensureStreams } from '@roster/messaging';
import { NatsServerFixture, startNatsServer, waitFor } from '@roster/testing';
import { CreateReplayBody } from './replays.schemas';
import { ReplaysUseCase } from './replays.usecase';

const T1 = '7e1a0000-0000-4000-8000-0000000000b1';
const T2 = '7e1a0000-0000-4000-8000-0000000000b2';
/** Stream sequences 1..60 of ROSTER_DIRECTORY: every third message is T2's, the others T1's. */
const tenantOf = (seq: number) => (seq % 3 === 0 ? T2 : T1);
const count = (tenant: string, from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i).filter((s) => tenantOf(s) === tenant).length;

/**
 * R-OPS-01 against a real nats-server: what a replay says it will deliver (`pending`) is what lies within its range
 * on its filter — after its start, up to its end sequence, not yet delivered — read from the stream's state.
 */
describe('replay consumers report what they will deliver (R-OPS-01)', () => {
  let nats: NatsServerFixture;
  let nc: NatsConnection;
  let replays: ReplaysUseCase;
  let beforeAnyMessage: Date;

  const publish = (seq: number) => nc.jetstream().publish(`roster.directory.${tenantOf(seq)}.user.created.v1`, new TextEncoder().encode(`{"n":${seq}}`));
  const create = (tenantId: string | null, body: Record<string, unknown>) =>
    replays.create(tenantId, CreateReplayBody.parse({ stream: 'ROSTER_DIRECTORY', ...body }));

  beforeAll(async () => {
    Logger.overrideLogger(false);
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
    await ensureStreams(await nc.jetstreamManager());
    beforeAnyMessage = new Date();
    await waitFor(() => Date.now() > beforeAnyMessage.getTime() + 5, { timeoutMs: 1000, description: 'a millisecond or two' });
    for (let seq = 1; seq <= 60; seq++) expect((await publish(seq)).seq).toBe(seq);
    replays = new ReplaysUseCase(nc);
  }, 60_000);

  afterAll(async () => {
    await nc?.drain();
    await nats?.stop();
  });

  it('R-OPS-01 pending counts only the messages up to the end sequence, on the filter, exactly', async () => {
    expect(await create(null, { durable: false, startSequence: 1, endSequence: 10 })).toMatchObject({ endSequence: 10, pending: 10 });
    // A tenant's replay is filtered to its subjects: its messages within the range, not the stream's.
    expect(await create(T1, { durable: false, startSequence: 1, endSequence: 10 })).toMatchObject({ pending: count(T1, 1, 10) });
    expect(await create(T2, { durable: false, startSequence: 5, endSequence: 40 })).toMatchObject({ pending: count(T2, 5, 40) });
    // No end: everything on the filter from the start.
    expect(await create(T1, { durable: false, startSequence: 31 })).toMatchObject({ endSequence: null, pending: count(T1, 31, 60) });
  });

  it('R-OPS-01 an end before any message is an empty range: endSequence 0 and nothing pending', async () => {
    const r = await create(null, { durable: false, endTime: beforeAnyMessage.toISOString() });
    expect(r).toMatchObject({ endSequence: 0, pending: 0 });
    expect(await create(T1, { durable: false, startSequence: 20, endTime: beforeAnyMessage.toISOString() })).toMatchObject({ endSequence: 0, pending: 0 });
  });

  it('R-OPS-01 pending follows delivery and stays 0 once the end is passed; get and list agree', async () => {
    const created = await create(T1, { name: 'audit-t1', startSequence: 1, endSequence: 30 });
    expect(created).toMatchObject({ created: true, pending: count(T1, 1, 30) });
    const consumer = await nc.jetstream().consumers.get('ROSTER_DIRECTORY', 'replay-audit-t1');
    const take = async (n: number) => {
      const seqs: number[] = [];
      for await (const m of await consumer.fetch({ max_messages: n, expires: 2000 })) {
        seqs.push(m.seq);
        m.ack();
        if (seqs.length === n) break;
      }
      await nc.flush();
      return seqs;
    };
    expect(await take(5)).toEqual([1, 2, 4, 5, 7]);
    expect(await replays.get(T1, 'ROSTER_DIRECTORY', 'audit-t1')).toMatchObject({ deliveredSequence: 7, pending: count(T1, 8, 30) });
    // A consumer reading past the end (the bound is recorded, not enforced) has nothing left within it.
    await take(count(T1, 8, 30) + 3);
    expect(await replays.get(T1, 'ROSTER_DIRECTORY', 'audit-t1')).toMatchObject({ pending: 0 });
    expect((await replays.list(T1)).find((r) => r.name === 'replay-audit-t1')).toMatchObject({ pending: 0 });
    // Asking again with the same parameters answers it unchanged, with the same count.
    expect(await create(T1, { name: 'audit-t1', startSequence: 1, endSequence: 30 })).toMatchObject({ created: false, pending: 0 });
  });

  it('R-OPS-01 an end beyond the stream counts messages stored after the replay was created, up to the end only', async () => {
    await create(T2, { name: 'ahead', startSequence: 55, endSequence: 64 });
    expect(await replays.get(T2, 'ROSTER_DIRECTORY', 'ahead')).toMatchObject({ pending: count(T2, 55, 60) });
    for (let seq = 61; seq <= 70; seq++) await publish(seq);
    expect(await replays.get(T2, 'ROSTER_DIRECTORY', 'ahead')).toMatchObject({ pending: count(T2, 55, 64) });
  });
});
