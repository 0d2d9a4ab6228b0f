import { Logger } from '@nestjs/common';
import { NatsConnection, connect } from 'nats';
import { CloudEvent, PayloadOf, filterOf } from '@roster/contracts';
import { EventPublisher, JetStreamContext, JetStreamServer, ensureStreams } from '@roster/messaging';
import { Metrics } from '@roster/observability';
import { NatsServerFixture, startNatsServer, waitFor } from '@roster/testing';
import { DirectoryConfigExceptionCode } from '../http/directory-config.exception';
import { REDRIVE_HEADER } from './dead-letter';
import { DeadLetterQueue } from './dead-letter-queue';
import { DeadLettersUseCase } from './dead-letters.usecase';

const T1 = '7e1a0000-0000-4000-8000-000000000001';
const T2 = '7e1a0000-0000-4000-8000-000000000002';
const SERVICE = 'dlqtest';

function userCreated(email: string): PayloadOf<'user.created'> {
  return {
    runId: null,
    user: {
      userId: '7e1a0000-0000-4000-8000-0000000000ff',
      email,
      firstName: null,
      lastName: null,
      displayName: null,
      managerUserId: null,
      status: 'active',
      isOrgAdmin: false,
      sourceDirectoryId: null,
      profile: {},
      customFields: {},
    },
  };
}

/**
 * R-OPS-02 against a real nats-server: the JetStream transport dead-letters for real (a handler that keeps
 * failing, a message that is not JSON), then the operations list, inspect, redrive and discard them.
 */
describe('dead letters on a real nats-server', () => {
  let nats: NatsServerFixture;
  let nc: NatsConnection;
  let server: JetStreamServer;
  let publisher: EventPublisher;
  let metrics: Metrics;
  let deadLetters: DeadLettersUseCase;
  /** Emails whose handler throws (the bug); removing one is the fix. */
  const broken = new Set(['fix-me@example.com', 'other@example.com']);
  const handled: { consumer: string; email: string; eventId: string }[] = [];

  beforeAll(async () => {
    Logger.overrideLogger(false);
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
    await ensureStreams(await nc.jetstreamManager());
    publisher = new EventPublisher(nc, 'test/dead-letters');
    server = new JetStreamServer({
      servers: nats.url,
      service: SERVICE,
      // Two consumers of one subject, as directory-config and notifier both consume run.finished.
      consumers: [
        { name: 'users-a', stream: 'ROSTER_DIRECTORY', filterSubject: filterOf('user.created') },
        { name: 'users-b', stream: 'ROSTER_DIRECTORY', filterSubject: filterOf('user.created') },
      ],
      maxDeliver: 2,
      backoffMs: [50],
      ackWaitMs: 2000,
    });
    server.addHandler(
      'user.created',
      async (event: CloudEvent<PayloadOf<'user.created'>>, ctx: JetStreamContext) => {
        const email = event.data.user.email;
        if (broken.has(email)) throw new Error(`no handler logic for ${email} yet`);
        handled.push({ consumer: ctx.consumer, email, eventId: event.id });
      },
      true,
    );
    await new Promise<void>((resolve, reject) => void server.listen((e?: unknown) => (e ? reject(e) : resolve())));
    metrics = new Metrics();
    deadLetters = new DeadLettersUseCase(new DeadLetterQueue(nc), metrics);
    deadLetters.onModuleInit();
  });

  afterAll(async () => {
    await server?.close();
    await nc?.drain();
    await nats?.stop();
  });

  const all = async () => (await deadLetters.list({}, { afterSequence: 0, limit: 500 })).items;
  const notFound = (p: Promise<unknown>) => expect(p).rejects.toMatchObject({ code: DirectoryConfigExceptionCode.DEAD_LETTER_NOT_FOUND });
  const countOn = async (subject: string) =>
    (await (await nc.jetstreamManager()).streams.info('ROSTER_DIRECTORY', { subjects_filter: subject })).state.subjects?.[subject] ?? 0;

  let fixAck: { seq: number };
  let fixEventId: string;

  it('R-OPS-02 a message that keeps failing, and one that is not JSON, land in ROSTER_DLQ for each consumer; operators list and filter them', async () => {
    fixAck = await publisher.publish('user.created', userCreated('fix-me@example.com'), { tenantId: T1, id: 'evt-fix-me' });
    fixEventId = 'evt-fix-me';
    await publisher.publish('user.created', userCreated('other@example.com'), { tenantId: T2, id: 'evt-other' });
    await nc.jetstream().publish(`roster.directory.${T1}.user.created.v1`, Buffer.from('not json at all'));
    await publisher.publish('user.created', userCreated('fine@example.com'), { tenantId: T1 });

    const items = await waitFor(async () => {
      const found = await all();
      return found.length >= 6 ? found : undefined;
    }, { timeoutMs: 15_000, description: 'six dead letters' });
    expect(items).toHaveLength(6);
    // Later events are unaffected.
    await waitFor(() => handled.filter((h) => h.email === 'fine@example.com').length === 2, { timeoutMs: 5000, description: 'fine handled twice' });

    const list = (f: Parameters<DeadLettersUseCase['list']>[0]) => deadLetters.list(f, { afterSequence: 0, limit: 500 }).then((p) => p.items);
    expect((await list({ code: 'NOT_JSON' })).map((d) => d.consumer).sort()).toEqual([`${SERVICE}-users-a`, `${SERVICE}-users-b`]);
    expect((await list({ code: 'MAX_DELIVERIES' })).length).toBe(4);
    expect((await list({ tenantId: T2 })).map((d) => d.eventId)).toEqual(['evt-other', 'evt-other']);
    expect((await list({ consumer: `${SERVICE}-users-a` })).length).toBe(3);
    expect((await list({ service: SERVICE, subject: `roster.directory.${T1}.>` })).length).toBe(4);
    expect(await list({ service: 'notifier' })).toEqual([]);

    // Paged by sequence: two pages of 4 and 2, no overlap, the same six.
    const first = await deadLetters.list({}, { afterSequence: 0, limit: 4 });
    expect(first.items).toHaveLength(4);
    expect(first.nextAfterSequence).toBe(first.items[3].sequence);
    const second = await deadLetters.list({}, { afterSequence: first.nextAfterSequence!, limit: 4 });
    expect(second.nextAfterSequence).toBeNull();
    expect([...first.items, ...second.items].map((d) => d.sequence)).toEqual(items.map((d) => d.sequence));
  }, 30_000);

  it('R-OPS-02 inspecting a dead letter shows the payload, headers, error, delivery count and where it came from', async () => {
    const [d] = (await all()).filter((x) => x.eventId === fixEventId && x.consumer === `${SERVICE}-users-a`);
    const inspected = await deadLetters.get(d.sequence);
    expect(inspected).toMatchObject({
      service: SERVICE,
      consumer: `${SERVICE}-users-a`,
      code: 'MAX_DELIVERIES',
      deliveries: 2,
      tenantId: T1,
      eventType: 'io.roster.directory.user.created.v1',
      original: { subject: `roster.directory.${T1}.user.created.v1`, stream: 'ROSTER_DIRECTORY', sequence: fixAck.seq, msgId: fixEventId },
      payload: { encoding: 'json', json: { id: fixEventId, tenantid: T1, data: { user: { email: 'fix-me@example.com' } } } },
    });
    expect(inspected.reason).toContain('no handler logic for fix-me@example.com yet');
    // R-TEN-01: another tenant does not see it.
    await notFound(deadLetters.get(d.sequence, T2));
    expect((await deadLetters.get(d.sequence, T1)).sequence).toBe(d.sequence);
  });

  it('R-OPS-02 after a fix, redrive re-delivers the message; redriving the same message again is a no-op', async () => {
    const subject = `roster.directory.${T1}.user.created.v1`;
    const before = await countOn(subject);
    const [a, b] = (await all()).filter((x) => x.eventId === fixEventId).sort((x, y) => x.consumer.localeCompare(y.consumer));
    broken.delete('fix-me@example.com'); // the fix

    const redriven = await deadLetters.redrive(a.sequence, T1);
    expect(redriven).toMatchObject({ sequence: a.sequence, outcome: 'redriven', republished: { subject, stream: 'ROSTER_DIRECTORY' } });
    // One re-publish reaches every consumer of the subject.
    await waitFor(() => handled.filter((h) => h.eventId === fixEventId).length === 2, { timeoutMs: 5000, description: 'redriven event handled' });
    expect(handled.filter((h) => h.eventId === fixEventId).map((h) => h.consumer).sort()).toEqual([`${SERVICE}-users-a`, `${SERVICE}-users-b`]);
    await notFound(deadLetters.get(a.sequence));

    // The second dead letter of the same original message: same Nats-Msg-Id, so nothing new is stored.
    expect(await deadLetters.redrive(b.sequence)).toMatchObject({ outcome: 'duplicate', republished: { sequence: redriven.republished.sequence } });
    // And a second redrive of the first: it is gone.
    await notFound(deadLetters.redrive(a.sequence));
    expect(await countOn(subject)).toBe(before + 1);
    const republished = await (await nc.jetstreamManager()).streams.getMessage('ROSTER_DIRECTORY', { seq: redriven.republished.sequence });
    expect(republished.header.get(REDRIVE_HEADER)).toBe(String(a.sequence));
    expect(republished.header.get('Nats-Msg-Id')).toBe(`redrive:ROSTER_DIRECTORY:${fixAck.seq}`);
    expect(handled.filter((h) => h.eventId === fixEventId)).toHaveLength(2);
  }, 20_000);

  it('R-OPS-02 discard removes a dead letter with a reason, within its tenant only', async () => {
    const [d] = await deadLetters.list({ tenantId: T2 }, { afterSequence: 0, limit: 1 }).then((p) => p.items);
    await notFound(deadLetters.discard(d.sequence, 'not ours', T1));
    expect(await deadLetters.discard(d.sequence, 'test user, never needed', T2)).toMatchObject({
      sequence: d.sequence,
      discarded: true,
      reason: 'test user, never needed',
      code: 'MAX_DELIVERIES',
    });
    await notFound(deadLetters.get(d.sequence));
    await notFound(deadLetters.discard(d.sequence, 'twice'));
  });

  it('R-OPS-02 redrive all matching a filter: a message still broken comes back as a new dead letter, once, marked as redriven', async () => {
    const garbage = (await all()).filter((d) => d.code === 'NOT_JSON');
    expect(garbage).toHaveLength(2);
    const result = await deadLetters.redriveAll({ tenantId: T1, code: 'NOT_JSON' }, { limit: 100 });
    expect(result.failed).toEqual([]);
    expect(result.more).toBe(false);
    expect(result.redriven.map((r) => r.outcome).sort()).toEqual(['duplicate', 'redriven']);
    const again = await waitFor(async () => {
      const found = (await all()).filter((d) => d.code === 'NOT_JSON');
      return found.length === 2 && found.every((d) => !garbage.some((g) => g.sequence === d.sequence)) ? found : undefined;
    }, { timeoutMs: 5000, description: 'the redriven garbage dead-lettered again' });
    for (const d of again) expect(d.headers[REDRIVE_HEADER]).toHaveLength(1);
  });

  it('R-OPS-02 R-OPS-03 dead letters are metered: stored per consumer, redriven and discarded per consumer', async () => {
    const text = await metrics.render();
    const sum = (pattern: RegExp) => [...text.matchAll(pattern)].reduce((n, m) => n + Number(m[1]), 0);
    // Left: other@'s dead letter of the consumer not discarded, and the two re-dead-lettered garbage messages.
    expect(sum(/^roster_dead_letters_stored\{consumer="dlqtest-users-[ab]"\} (\d+)$/gm)).toBe(3);
    expect(sum(/^roster_dead_letters_resolved_total\{consumer="dlqtest-users-[ab]",action="redriven"\} (\d+)$/gm)).toBe(2);
    expect(sum(/^roster_dead_letters_resolved_total\{consumer="dlqtest-users-[ab]",action="duplicate"\} (\d+)$/gm)).toBe(2);
    expect(sum(/^roster_dead_letters_resolved_total\{consumer="dlqtest-users-[ab]",action="discarded"\} (\d+)$/gm)).toBe(1);
  });

  // After the metrics test: it counts what the tests before it redrove.
  it('R-OPS-02 redrive all in pages up to the bound it started with: messages that fail again come back after it and are not redriven twice, one that cannot be redriven is not met twice', async () => {
    const dlq = async () => (await nc.jetstreamManager()).streams.info('ROSTER_DLQ');
    for (const email of ['again-1@example.com', 'again-2@example.com', 'again-3@example.com']) {
      broken.add(email);
      await publisher.publish('user.created', userCreated(email), { tenantId: T1 });
    }
    // Two dead letters of no known origin (nothing to re-publish to): DEAD_LETTER_NOT_REDRIVABLE each time.
    for (const n of [1, 2]) await nc.jetstream().publish('roster.dlq.handmade.handmade-x', new TextEncoder().encode(`orphan ${n}`));
    // T1's: the two garbage messages of the test before, and the three new ones for each of the two consumers.
    const before = await waitFor(async () => {
      const found = (await all()).filter((d) => d.tenantId === T1);
      return found.length === 8 ? found : undefined;
    }, { timeoutMs: 15_000, description: "T1's eight dead letters" });
    const bound = (await dlq()).state.last_seq;

    const pages: Awaited<ReturnType<DeadLettersUseCase['redriveAll']>>[] = [];
    let next: { afterSequence?: number; untilSequence?: number } = {};
    do {
      const page = await deadLetters.redriveAll({ tenantId: T1 }, { limit: 3, ...next });
      pages.push(page);
      next = { afterSequence: page.nextAfterSequence ?? undefined, untilSequence: page.untilSequence };
      // Each page's redriven messages fail again meanwhile, after the bound.
      const republished = pages.flatMap((p) => p.redriven).filter((r) => r.outcome === 'redriven').length;
      const back = async () => (await all()).filter((d) => d.tenantId === T1 && d.sequence > bound).length;
      await waitFor(async () => (await back()) >= 2 * republished, { timeoutMs: 10_000, description: 'the redriven messages dead-lettered again' });
    } while (pages.at(-1)!.more && pages.length < 10);
    expect(pages.map((p) => [p.redriven.length, p.failed.length, p.more, p.untilSequence])).toEqual([
      [3, 0, true, bound],
      [3, 0, true, bound],
      [2, 0, false, bound],
    ]);
    const redriven = pages.flatMap((p) => p.redriven);
    expect(redriven.map((r) => r.sequence).sort((a, b) => a - b)).toEqual(before.map((d) => d.sequence));
    expect(redriven.filter((r) => r.outcome === 'redriven')).toHaveLength(4); // one re-publish per original message
    // What is left of T1's is all after the bound: the same four messages, failed again for each consumer.
    const after = (await all()).filter((d) => d.tenantId === T1);
    expect(after).toHaveLength(8);
    expect(after.every((d) => d.sequence > bound)).toBe(true);
    // A new loop with the old bound finds nothing; the dead letters that came back are there for the next one.
    expect(await deadLetters.redriveAll({ tenantId: T1 }, { limit: 3, untilSequence: bound })).toMatchObject({ redriven: [], failed: [], more: false, nextAfterSequence: null });

    // Dead letters that cannot be redriven stay; paging past them ends too (each is met once).
    const failed: number[] = [];
    let page = await deadLetters.redriveAll({ service: 'handmade' }, { limit: 1 });
    for (let calls = 1; ; calls++) {
      expect(page.redriven).toEqual([]);
      for (const f of page.failed) {
        expect(f.code).toBe('DEAD_LETTER_NOT_REDRIVABLE');
        failed.push(f.sequence);
      }
      if (!page.more || calls === 5) break;
      page = await deadLetters.redriveAll({ service: 'handmade' }, { limit: 1, afterSequence: page.nextAfterSequence!, untilSequence: page.untilSequence });
    }
    expect(page.more).toBe(false);
    expect(failed).toHaveLength(2);
    expect(new Set(failed).size).toBe(2);
  }, 60_000);
});
