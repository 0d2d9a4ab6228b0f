import { AckPolicy } from 'nats';
import { parseEvent } from '@roster/contracts';
import { usersCsv, waitFor } from '@roster/testing';
import { RunView, SftpWorld, startWorld } from './support/world';

interface Replay {
  name: string;
  stream: string;
  durable: boolean;
  filterSubject: string;
  tenantId: string | null;
  startTime: string | null;
  endTime: string | null;
  endSequence: number | null;
  pending: number;
  deliveredSequence: number;
  created?: boolean;
}

type Rerun = RunView & { trigger: string; rerunOf: string | null; directoryId: string };

/**
 * R-OPS-01 against the five running services: replay consumers re-deliver retained history without re-publishing
 * it, and a past run re-runs from its retained source batches, changing nothing the first run did not.
 */
describe('replay (R-OPS-01)', () => {
  let world: SftpWorld;
  let tenantId: string;
  let otherTenantId: string;
  let directoryId: string;
  let runId: string;
  let runStartedAt: Date;

  const tenantEvents = async (tenant: string) => {
    const jsm = await world.nc.jetstreamManager();
    const info = await jsm.streams.info('ROSTER_DIRECTORY', { subjects_filter: `roster.directory.${tenant}.>` });
    return Object.values(info.state.subjects ?? {}).reduce((a, n) => a + n, 0);
  };

  beforeAll(async () => {
    world = await startWorld('e2e_replay');
    tenantId = await world.createTenant('Acme Replay');
    otherTenantId = await world.createTenant('Other Replay');
    directoryId = (await world.createSftpDirectory(tenantId, { name: 'Replay drop' })).body.id;
    await world.sftp.put(
      'users.csv',
      usersCsv([
        { 'User Email': 'ann@replay.test', 'First Name': 'Ann', 'Last Name': 'Archer', Teams: 'Ops' },
        { 'User Email': 'bob@replay.test', 'First Name': 'Bob', 'Last Name': 'Baker', 'Manager Email': 'ann@replay.test' },
        { 'User Email': 'cy@replay.test', 'First Name': 'Cy', 'Last Name': 'Cole' },
      ]),
    );
    runStartedAt = new Date();
    runId = await world.startRun(tenantId, directoryId);
    const run = await world.waitForRun(tenantId, runId);
    expect(run).toMatchObject({ status: 'succeeded', counts: expect.objectContaining({ created: 3 }) });
    await waitFor(async () => (await world.eventCount(tenantId, 'user.created')) === 3, { timeoutMs: 10_000, description: '3 user.created events' });
  }, 180_000);

  afterAll(async () => {
    await world?.stop();
  }, 60_000);

  it('R-OPS-01 a replay consumer from a start time receives exactly the run’s directory events; nothing is re-published', async () => {
    const eventsBefore = await tenantEvents(tenantId);
    const body = { stream: 'ROSTER_DIRECTORY', name: 'e2e-follow', startTime: runStartedAt.toISOString(), endTime: new Date().toISOString() };
    const created = await world.platform.api<Replay>('POST', `/v1/tenants/${tenantId}/replays`, body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'replay-e2e-follow', durable: true, tenantId, filterSubject: `roster.directory.${tenantId}.>`, created: true });
    expect(created.body.endSequence).toEqual(expect.any(Number));

    // Consume it as a service would, up to the recorded end.
    const consumer = await world.nc.jetstream().consumers.get('ROSTER_DIRECTORY', 'replay-e2e-follow');
    const received: { id: string; type: string; runid?: string; runId?: unknown; seq: number }[] = [];
    let pending = created.body.pending;
    while (pending > 0) {
      const batch = await consumer.fetch({ max_messages: Math.min(pending, 100), expires: 2000 });
      let got = 0;
      for await (const m of batch) {
        got++;
        pending = m.info.pending;
        if (m.seq > (created.body.endSequence ?? Infinity)) continue;
        const { event } = parseEvent(m.data);
        received.push({ id: event.id, type: event.type, runid: event.runid, runId: (event.data as { runId?: unknown }).runId, seq: m.seq });
        await m.ackAck();
      }
      if (got === 0) break;
    }
    expect(received.length).toBe(eventsBefore);
    expect(new Set(received.map((r) => r.id)).size).toBe(received.length);
    expect(received.filter((r) => r.type === 'io.roster.directory.user.created.v1')).toHaveLength(3);
    for (const r of received) if (r.runId !== undefined) expect(r.runId).toBe(runId);
    // Not a re-publish: the stream holds what it held.
    expect(await tenantEvents(tenantId)).toBe(eventsBefore);

    // Asking again with the same parameters answers the same consumer and changes nothing.
    const again = await world.platform.api<Replay>('POST', `/v1/tenants/${tenantId}/replays`, body);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ name: 'replay-e2e-follow', created: false, endSequence: created.body.endSequence, pending: 0 });
    expect(again.body.deliveredSequence).toBeGreaterThanOrEqual(Math.max(...received.map((r) => r.seq)));
    const conflict = await world.platform.api<{ code: string; message: string }>('POST', `/v1/tenants/${tenantId}/replays`, { ...body, startTime: new Date(0).toISOString() });
    expect(conflict.status).toBe(409);
    expect(conflict.body.code).toBe('REPLAY_CONFLICT');
    expect(conflict.body.message).toMatch(/startTime/);
    expect(await tenantEvents(tenantId)).toBe(eventsBefore);

    // Listing and reading: the tenant's own, the operator's all; another tenant sees none of it.
    const mine = await world.platform.api<Replay[]>('GET', `/v1/tenants/${tenantId}/replays`);
    expect(mine.body.map((r) => r.name)).toEqual(['replay-e2e-follow']);
    const all = await world.platform.api<Replay[]>('GET', '/v1/replays?stream=ROSTER_DIRECTORY');
    expect(all.body.map((r) => r.name)).toContain('replay-e2e-follow');
    expect((await world.platform.api<Replay[]>('GET', `/v1/tenants/${otherTenantId}/replays`)).body).toEqual([]);
    expect((await world.platform.api('GET', `/v1/tenants/${otherTenantId}/replays/ROSTER_DIRECTORY/e2e-follow`)).status).toBe(404);
    expect((await world.platform.api('DELETE', `/v1/tenants/${otherTenantId}/replays/ROSTER_DIRECTORY/e2e-follow`)).status).toBe(404);

    const del = await world.platform.api('DELETE', `/v1/tenants/${tenantId}/replays/ROSTER_DIRECTORY/replay-e2e-follow`);
    expect(del.status).toBe(204);
    expect((await world.platform.api('DELETE', `/v1/tenants/${tenantId}/replays/ROSTER_DIRECTORY/e2e-follow`)).status).toBe(404);
    expect(await tenantEvents(tenantId)).toBe(eventsBefore);
  }, 60_000);

  it('R-OPS-01 R-TEN-01 a tenant’s replay filter is pinned to the tenant; ephemeral consumers get a name', async () => {
    const pinned = await world.platform.api<Replay>('POST', `/v1/tenants/${tenantId}/replays`, {
      stream: 'ROSTER_DIRECTORY',
      durable: false,
      filterSubject: 'roster.directory.*.user.created.v1',
    });
    expect(pinned.status).toBe(201);
    expect(pinned.body).toMatchObject({ durable: false, filterSubject: `roster.directory.${tenantId}.user.created.v1`, name: expect.stringMatching(/^replay-/) });
    const info = await (await world.nc.jetstreamManager()).consumers.info('ROSTER_DIRECTORY', pinned.body.name);
    expect(info.config).toMatchObject({ ack_policy: AckPolicy.Explicit, filter_subject: `roster.directory.${tenantId}.user.created.v1` });
    expect(info.config.durable_name).toBeUndefined();
    expect(info.num_pending).toBe(3);

    const other = await world.platform.api<{ code: string }>('POST', `/v1/tenants/${tenantId}/replays`, {
      stream: 'ROSTER_DIRECTORY',
      durable: false,
      filterSubject: `roster.directory.${otherTenantId}.>`,
    });
    expect(other.status).toBe(400);
    const wrongStream = await world.platform.api<{ code: string }>('POST', '/v1/replays', { stream: 'ROSTER_RUNS', name: 'x', filterSubject: 'roster.directory.>' });
    expect(wrongStream.status).toBe(400);
    const future = await world.platform.api<{ code: string }>('POST', '/v1/replays', { stream: 'ROSTER_RUNS', name: 'x', endTime: new Date(Date.now() + 3_600_000).toISOString() });
    expect(future.status).toBe(400);
    const service = await world.platform.api<{ code: string }>('GET', '/v1/replays/ROSTER_RUNS/directory-config-run-lifecycle');
    expect(service.status).toBe(404);
  }, 30_000);

  it('R-OPS-01 R-DIR-03 a rerun ends succeeded with everything unchanged and no new directory event; a second one likewise', async () => {
    const eventsBefore = await tenantEvents(tenantId);
    const original = await world.platform.api<Rerun>('GET', `/v1/tenants/${tenantId}/runs/${runId}`);
    for (const round of [1, 2]) {
      const started = await world.platform.api<Rerun>('POST', `/v1/tenants/${tenantId}/runs/${runId}/rerun`);
      expect(started.status).toBe(202);
      expect(started.body).toMatchObject({ trigger: 'replay', rerunOf: runId, directoryId, status: 'queued' });
      if (round === 1) {
        // One active run per directory (R-DIR-04): a second start waits for this one.
        const busy = await world.platform.api<{ code: string; details: { activeRunId: string } }>('POST', `/v1/tenants/${tenantId}/runs/${runId}/rerun`);
        expect(busy.status).toBe(409);
        expect(busy.body).toMatchObject({ code: 'RUN_IN_PROGRESS', details: { activeRunId: started.body.id } });
      }
      const rerun = await world.waitForRun(tenantId, started.body.id);
      expect(rerun).toMatchObject({
        status: 'succeeded',
        fileName: original.body.fileName,
        counts: expect.objectContaining({ created: 0, updated: 0, unchanged: 3, deactivated: 0, deleted: 0 }),
        problemCount: 0,
      });
      expect(await tenantEvents(tenantId)).toBe(eventsBefore);
    }
    // The reruns' records are new messages of new runs; the original run's are still there, once.
    const jsm = await world.nc.jetstreamManager();
    const records = await jsm.streams.info('ROSTER_RECORDS', { subjects_filter: `roster.records.${tenantId}.>` });
    expect(records.state.subjects?.[`roster.records.${tenantId}.complete.v1`]).toBe(3);
  }, 90_000);

  it('R-OPS-01 a rerun of an unknown run is 404; of a run whose batches expired, 410 with the reason; of a failed fetch, 409', async () => {
    const unknown = await world.platform.api<{ code: string }>('POST', `/v1/tenants/${tenantId}/runs/7e1a0000-0000-4000-8000-000000000009/rerun`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('RUN_NOT_FOUND');
    const otherTenant = await world.platform.api<{ code: string }>('POST', `/v1/tenants/${otherTenantId}/runs/${runId}/rerun`);
    expect(otherTenant.status).toBe(404);

    // A run whose source found no file ended failed: nothing to re-run.
    const noFile = await world.startRun(tenantId, directoryId);
    expect(await world.waitForRun(tenantId, noFile)).toMatchObject({ status: 'failed', failure: { code: 'NO_FILE' } });
    const failed = await world.platform.api<{ code: string; message: string }>('POST', `/v1/tenants/${tenantId}/runs/${noFile}/rerun`);
    expect(failed.status).toBe(409);
    expect(failed.body).toMatchObject({
      code: 'RUN_NOT_RERUNNABLE',
      message: expect.stringMatching(new RegExp(`^run ${noFile}'s fetch failed \\(NO_FILE: no users file .+\\); nothing of it was applied, so there is nothing to re-run: start a new sync$`)),
    });

    // Expiry (the stream's max age) simulated by deleting the run's first batch from ROSTER_RECORDS.
    await world.sftp.put('users.csv', usersCsv([{ 'User Email': 'dee@replay.test', 'First Name': 'Dee', 'Last Name': 'Dunn' }]));
    const expiring = await world.startRun(tenantId, directoryId);
    await world.waitForRun(tenantId, expiring);
    const jsm = await world.nc.jetstreamManager();
    const batch = await jsm.streams.getMessage('ROSTER_RECORDS', { last_by_subj: `roster.records.${tenantId}.batch.v1` });
    expect(batch.header.get('Nats-Msg-Id')).toBe(`${expiring}:batch:0`);
    await jsm.streams.deleteMessage('ROSTER_RECORDS', batch.seq);
    const gone = await world.platform.api<{ code: string; message: string }>('POST', `/v1/tenants/${tenantId}/runs/${expiring}/rerun`);
    expect(gone.status).toBe(410);
    expect(gone.body.code).toBe('RUN_RECORDS_NOT_RETAINED');
    expect(gone.body.message).toMatch(new RegExp(`batch 0 of run ${expiring} .*no longer retained: ROSTER_RECORDS keeps messages 7 days`));
  }, 90_000);
});
