// Runs the example follower (built: node tools/build.mjs) as a process against a private nats-server.
import { join } from 'node:path';
import { NatsConnection, connect } from 'nats';
import type { PayloadOf } from '@roster/contracts';
import { EventPublisher, ensureStreams } from '@roster/messaging';
import { ManagedProcess, NatsServerFixture, spawnManaged, startNatsServer, waitFor } from '@roster/testing';

const FOLLOWER = join(__dirname, '../../dist/tools/examples/directory-follower.js');
const T1 = '7e1a0000-0000-4000-8000-0000000000e1';
const T2 = '7e1a0000-0000-4000-8000-0000000000e2';

const user = (email: string): PayloadOf<'user.created'>['user'] => ({
  userId: '7e1a0000-0000-4000-8000-0000000000f1',
  email,
  firstName: 'Ann',
  lastName: 'Archer',
  displayName: null,
  managerUserId: null,
  status: 'active',
  isOrgAdmin: false,
  sourceDirectoryId: null,
  profile: {},
  customFields: {},
});

/** The lines the follower printed on stdout (stderr lines are JSON too, but say `skipped`/`failed`). */
const printed = (p: ManagedProcess) =>
  p
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{"id"'))
    .map((l) => JSON.parse(l) as { id: string; event: string; tenantId: string; email?: string; changed?: string[] });

/**
 * R-EVT-01: an internal service follows the directory with a durable pull consumer on ROSTER_DIRECTORY, parses
 * each event with @roster/contracts, sees only its tenant's, and resumes where it stopped after a restart.
 */
describe('the example directory follower (tools/examples)', () => {
  let nats: NatsServerFixture;
  let nc: NatsConnection;
  let publisher: EventPublisher;
  let follower: ManagedProcess | undefined;

  const start = () => spawnManaged(process.execPath, [FOLLOWER, '--nats', nats.url, '--durable', 'example-follower', '--tenant', T1], 'follower');

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
    await ensureStreams(await nc.jetstreamManager());
    publisher = new EventPublisher(nc, 'roster/reconciler');
  }, 30_000);

  afterAll(async () => {
    await follower?.stop();
    await nc?.drain();
    await nats?.stop();
  });

  it('R-EVT-01 follows the directory with a durable consumer: its tenant’s events once, in order, resumed after a restart', async () => {
    await publisher.publish('user.created', { runId: null, user: user('ann@follow.test') }, { tenantId: T1, id: 'evt-1' });
    await publisher.publish('user.created', { runId: null, user: user('bob@other.test') }, { tenantId: T2, id: 'evt-2' });
    await publisher.publish(
      'user.updated',
      { runId: null, user: user('ann@follow.test'), changes: { lastName: { from: 'Archer', to: 'Archer-Smith' } } },
      { tenantId: T1, id: 'evt-3' },
    );
    // Not a CloudEvent: skipped (terminated), never redelivered, and the follower goes on.
    await nc.jetstream().publish(`roster.directory.${T1}.user.created.v1`, Buffer.from('not json'));

    follower = start();
    const first = await waitFor(() => (printed(follower!).length >= 2 ? printed(follower!) : undefined), { timeoutMs: 15_000, description: 'two events printed' });
    expect(first).toEqual([
      expect.objectContaining({ id: 'evt-1', event: 'user.created', tenantId: T1, email: 'ann@follow.test' }),
      expect.objectContaining({ id: 'evt-3', event: 'user.updated', tenantId: T1, changed: ['lastName'] }),
    ]);
    await waitFor(() => /"skipped":\d+.*"code":"NOT_JSON"/.test(follower!.output()), { timeoutMs: 5000, description: 'the malformed message skipped' });
    await follower.stop();

    // While it is down: one more event; the durable consumer keeps its place.
    await publisher.publish('user.created', { runId: null, user: user('cy@follow.test') }, { tenantId: T1, id: 'evt-4' });
    follower = start();
    const resumed = await waitFor(() => (printed(follower!).length >= 1 ? printed(follower!) : undefined), { timeoutMs: 15_000, description: 'the new event printed' });
    expect(resumed).toEqual([expect.objectContaining({ id: 'evt-4', email: 'cy@follow.test' })]);
    const info = await (await nc.jetstreamManager()).consumers.info('ROSTER_DIRECTORY', 'example-follower');
    await waitFor(async () => (await (await nc.jetstreamManager()).consumers.info('ROSTER_DIRECTORY', 'example-follower')).num_ack_pending === 0, {
      timeoutMs: 5000,
      description: 'every event acknowledged',
    });
    expect(info.config.filter_subject).toBe(`roster.directory.${T1}.>`);
    await follower.stop();
    expect((await follower.exited).code).toBe(0);
  }, 60_000);
});
