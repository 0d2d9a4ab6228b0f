import { randomUUID } from 'node:crypto';
import { headers as natsHeaders } from 'nats';
import { type EventName, Events, createEnvelope, subjectOf } from '@roster/contracts';
import { waitFor } from '@roster/testing';
import { RunView, World, startWorld } from './support/world';

const DLQ = 'ROSTER_DLQ';
const INBOUND_DLQ_SUBJECT = 'roster.dlq.directory-config.directory-config-inbound';
const FINAL = ['succeeded', 'partially-succeeded', 'failed'];
const today = () => new Date().toISOString().slice(0, 10);

interface EventRun extends RunView {
  trigger: string;
}

interface UserRow {
  email: string;
  status: string;
  job_title: string | null;
  deactivate_at: Date | null;
  manager: string | null;
  external_id: string | null;
}

/** R-EVT-02 / R-DIR-02: internal services publish employee events for an `event` directory. */
describe('inbound employee events (event directories)', () => {
  let world: World;
  let tenantId: string;
  let directoryId: string;

  beforeAll(async () => {
    world = await startWorld('e2e_inbound', { sftp: false });
    tenantId = await world.createTenant('Acme events', 'owner@acme.test');
  }, 120_000);

  afterAll(async () => {
    await world?.stop();
  }, 60_000);

  /** Publishes one CloudEvent the way an internal service would (no Nats-Msg-Id unless asked: duplicates reach the stream). */
  async function publish(name: EventName, data: unknown, o: { id?: string; tenant?: string; subject?: string; msgId?: boolean } = {}) {
    const tenant = o.tenant ?? tenantId;
    const envelope = createEnvelope({ type: Events[name].type, source: 'payroll-service', tenantId: tenant, data, id: o.id });
    const h = natsHeaders();
    h.set('Content-Type', 'application/cloudevents+json');
    await world.nc.jetstream().publish(o.subject ?? subjectOf(name, { tenant }), JSON.stringify(envelope), {
      headers: h,
      ...(o.msgId ? { msgID: envelope.id } : {}),
    });
    return envelope.id;
  }
  const upsert = (employee: Record<string, unknown>, o?: Parameters<typeof publish>[2]) =>
    publish('inbound.employee.upserted', { directoryId, employee }, o);
  const terminate = (email: string, terminationDate: string) => publish('inbound.employee.terminated', { directoryId, email, terminationDate });

  async function users(): Promise<Map<string, UserRow>> {
    const { rows } = await world.pg.query<UserRow>(
      `select u.email, u.status, u.job_title, u.deactivate_at, m.email as manager, u.external_id
         from reconciler.users u left join reconciler.users m on m.id = u.manager_id where u.tenant_id = $1`,
      [tenantId],
    );
    return new Map(rows.map((r) => [r.email, r]));
  }

  /** The directory's runs once every one of them is final and `done` holds for them. */
  function settledRuns(done: (runs: EventRun[]) => boolean, description: string): Promise<EventRun[]> {
    return waitFor(
      async () => {
        const { body } = await world.platform.api<EventRun[]>('GET', `/v1/tenants/${tenantId}/directories/${directoryId}/runs?limit=200`);
        return body.every((r) => FINAL.includes(r.status)) && done(body) ? body : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, description },
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${world.platform.logs().slice(-6000)}`);
    });
  }
  const total = (runs: EventRun[], count: string) => runs.reduce((n, r) => n + (r.counts?.[count] ?? 0), 0);

  it('R-DIR-02 an event directory is created, listed, read and updated through the admin API; it has no schedule and no manual runs', async () => {
    const api = world.platform.api.bind(world.platform);
    const created = await api<{ id: string; type: string; policy: Record<string, unknown>; schedule: unknown; nextRunAt: unknown; inbound: Record<string, string> }>(
      'POST',
      `/v1/tenants/${tenantId}/directories`,
      { name: 'Payroll events', type: 'event', policy: { activateUsers: true } },
    );
    expect(created.status).toBe(201);
    directoryId = created.body.id;
    expect(created.body).toMatchObject({
      type: 'event',
      policy: { orphans: 'ignore', activateUsers: true },
      schedule: { kind: 'disabled' },
      nextRunAt: null,
      inbound: {
        upserted: `roster.inbound.${tenantId}.employee.upserted.v1`,
        terminated: `roster.inbound.${tenantId}.employee.terminated.v1`,
      },
    });

    const list = await api<{ id: string; type: string }[]>('GET', `/v1/tenants/${tenantId}/directories`);
    expect(list.body).toEqual([expect.objectContaining({ id: directoryId, type: 'event' })]);
    const patched = await api<{ name: string; policy: { restore: boolean } }>('PATCH', `/v1/tenants/${tenantId}/directories/${directoryId}`, {
      name: 'Payroll',
      policy: { restore: true },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'Payroll', policy: { restore: true, orphans: 'ignore' } });
    expect((await api('GET', `/v1/tenants/${tenantId}/directories/${directoryId}`)).body).toMatchObject({ name: 'Payroll', type: 'event' });

    for (const body of [{ schedule: { kind: 'every', hours: 1 } }, { policy: { orphans: 'deactivate' } }, { dateFormat: 'mm/dd/yyyy' }]) {
      const refused = await api<{ code: string; message: string }>('PATCH', `/v1/tenants/${tenantId}/directories/${directoryId}`, body);
      expect(refused.status).toBe(400);
      expect(refused.body.message).toMatch(/not settings of an event directory/);
    }
    const orphaning = await api<{ code: string; message: string }>('POST', `/v1/tenants/${tenantId}/directories`, {
      name: 'bad',
      type: 'event',
      policy: { orphans: 'delete' },
    });
    expect(orphaning.status).toBe(400);
    expect(orphaning.body.message).toMatch(/policy\.orphans: an event directory never orphans anybody/);

    const manual = await api<{ code: string }>('POST', `/v1/tenants/${tenantId}/directories/${directoryId}/runs`, {});
    expect(manual.status).toBe(409);
    expect(manual.body.code).toBe('DIRECTORY_HAS_NO_SOURCE');

    const openapi = JSON.stringify(await (await fetch(`${world.platform.apiUrl}/openapi.json`)).json());
    expect(openapi).toContain('"const":"event"');
    expect(openapi).toContain('DIRECTORY_HAS_NO_SOURCE');
  });

  it('R-EVT-02 upserts published on ROSTER_INBOUND become users through micro-batch runs (trigger event) with counts', async () => {
    await upsert({ email: 'boss@acme.test', externalId: 'E-1', firstName: 'Bo', jobTitle: 'Founder' });
    await upsert({ email: 'ann@acme.test', externalId: 'E-2', firstName: 'Ann', managerEmail: 'boss@acme.test', teams: ['R&D'] });
    await upsert({ email: 'bob@acme.test', externalId: 'E-3', firstName: 'Bob' });
    await upsert({ email: 'dan@acme.test', externalId: 'E-4', firstName: 'Dan' });

    const runs = await settledRuns((r) => total(r, 'created') >= 4, 'the event runs that create 4 users');
    expect(total(runs, 'created')).toBe(4);
    for (const run of runs) expect(run).toMatchObject({ trigger: 'event', status: 'succeeded' });
    const stored = await users();
    expect([...stored.keys()].sort()).toEqual(['ann@acme.test', 'bob@acme.test', 'boss@acme.test', 'dan@acme.test']);
    expect(stored.get('ann@acme.test')).toMatchObject({ status: 'active', manager: 'boss@acme.test', external_id: 'E-2' });
    await waitFor(async () => (await world.eventCount(tenantId, 'user.created')) === 4, { timeoutMs: 10_000, description: '4 user.created events' });
  });

  it('R-EVT-02 a termination deactivates the user now (today or earlier) or schedules it (later); people absent from a batch stay active', async () => {
    const before = (await settledRuns(() => true, 'runs so far')).length;
    await terminate('bob@acme.test', today());
    await terminate('ann@acme.test', '2099-01-31');
    await upsert({ email: 'boss@acme.test', jobTitle: 'CEO' });

    const runs = await settledRuns((r) => r.length > before && total(r, 'updated') + total(r, 'deactivated') >= 3, 'the event runs of the terminations');
    expect(total(runs, 'deactivated')).toBe(1); // bob; ann's is scheduled (an update), boss's title an update
    expect(total(runs, 'updated')).toBe(2);
    const stored = await users();
    expect(stored.get('bob@acme.test')).toMatchObject({ status: 'inactive', deactivate_at: null });
    expect(stored.get('ann@acme.test')?.status).toBe('active');
    expect(stored.get('ann@acme.test')?.deactivate_at?.toISOString()).toBe('2099-01-31T00:00:00.000Z');
    expect(stored.get('boss@acme.test')).toMatchObject({ status: 'active', job_title: 'CEO', manager: null });
    // dan was in none of these micro-batches: a micro-batch is not a snapshot, so nobody is an orphan of it.
    expect(stored.get('dan@acme.test')).toMatchObject({ status: 'active', deactivate_at: null });
    for (const run of runs) expect(run.counts?.['deleted'] ?? 0).toBe(0);
  });

  it('R-EVT-02 an event delivered again with the same id (a re-publish or a redelivery) is applied once', async () => {
    const id = randomUUID();
    await upsert({ email: 'eve@acme.test', jobTitle: 'Analyst' }, { id });
    await waitFor(async () => (await users()).get('eve@acme.test')?.job_title === 'Analyst', { timeoutMs: 15_000, description: 'eve stored' });
    // The same id again, carrying other content (no Nats-Msg-Id, so the stream keeps both copies): only the inbox stops it.
    await upsert({ email: 'eve@acme.test', jobTitle: 'Changed by a duplicate' }, { id });
    await upsert({ email: 'finn@acme.test', jobTitle: 'Marker' });
    await waitFor(async () => (await users()).has('finn@acme.test'), { timeoutMs: 15_000, description: 'the marker event applied' });
    await settledRuns(() => true, 'every run final');
    expect((await users()).get('eve@acme.test')?.job_title).toBe('Analyst');
    const jsm = await world.nc.jetstreamManager();
    const subject = subjectOf('inbound.employee.upserted', { tenant: tenantId });
    const info = await jsm.streams.info('ROSTER_INBOUND', { subjects_filter: subject });
    expect(info.state.subjects?.[subject]).toBe(4 + 1 + 2 + 1); // every copy reached the stream
  });

  it('R-EVT-02 employees that carry a lot (300 KB of custom fields each) are cut into record batches the bus takes', async () => {
    // Eight such events in one or two micro-batches: by count alone (500 a batch) a batch would be 1.2–2.4 MB, over
    // NATS's 1 MB max_payload, and the outbox relay could never publish it (nor anything written after it).
    const emails = Array.from({ length: 8 }, (_, n) => `heavy${n}@acme.test`);
    for (const [n, email] of emails.entries()) await upsert({ email, customFields: { Notes: `${n}`.repeat(300_000) } });
    await waitFor(
      async () => {
        const { rows } = await world.pg.query<{ n: number }>(
          'select count(*)::int as n from reconciler.users where tenant_id = $1 and email = any($2) and octet_length(custom_fields::text) > 300000',
          [tenantId, emails],
        );
        return rows[0]?.n === emails.length;
      },
      { timeoutMs: 30_000, description: 'the eight heavy users stored with their notes' },
    );
    await settledRuns(() => true, 'every run final');
    // The runs that carried them: one had four or more, and its records went out in more than one batch.
    const jsm = await world.nc.jetstreamManager();
    const subject = subjectOf('records.batch', { tenant: tenantId });
    const info = await jsm.streams.info('ROSTER_RECORDS');
    const batchesByRun = new Map<string, { heavy: number; bytes: number }[]>();
    for (let seq = info.state.first_seq; seq > 0 && seq <= info.state.last_seq; seq++) {
      const m = await jsm.streams.getMessage('ROSTER_RECORDS', { seq }).catch(() => undefined);
      if (m?.subject !== subject) continue;
      const data = (JSON.parse(new TextDecoder().decode(m.data)) as { data: { runId: string; employees: { email: string }[] } }).data;
      const heavy = data.employees.filter((e) => emails.includes(e.email)).length;
      if (heavy > 0) batchesByRun.set(data.runId, [...(batchesByRun.get(data.runId) ?? []), { heavy, bytes: m.data.length }]);
    }
    const batches = [...batchesByRun.values()];
    expect(batches.flat().reduce((n, b) => n + b.heavy, 0)).toBe(emails.length);
    expect(batches.some((run) => run.length > 1)).toBe(true);
    for (const b of batches.flat()) expect(b.bytes).toBeLessThanOrEqual(1024 * 1024);
  });

  it('R-SAFE-02 R-EVT-02 an employee over the record bound is dead-lettered on its own (RECORD_TOO_LARGE); the rest of its micro-batch applies', async () => {
    // 400 KB of custom fields: the message fits on the bus, but a change of it later would not (user.updated carries
    // the user and each changed field's old and new value). Taken, it failed its whole run, its neighbours with it.
    const hoarder = await upsert({ email: 'hoarder@acme.test', customFields: { Hoard: 'h'.repeat(400_000) } });
    await upsert({ email: 'neighbour@acme.test', jobTitle: 'Next door' });
    await waitFor(async () => (await users()).get('neighbour@acme.test')?.job_title === 'Next door' || undefined, { timeoutMs: 30_000, description: 'the neighbour applied' });
    const jsm = await world.nc.jetstreamManager();
    const letter = await waitFor(
      async () => {
        const info = await jsm.streams.info(DLQ);
        for (let seq = info.state.first_seq; seq > 0 && seq <= info.state.last_seq; seq++) {
          const m = await jsm.streams.getMessage(DLQ, { seq }).catch(() => undefined);
          if (m?.subject !== INBOUND_DLQ_SUBJECT || (JSON.parse(new TextDecoder().decode(m.data)) as { id: string }).id !== hoarder) continue;
          return { code: m.header.get('Roster-Dlq-Code'), reason: m.header.get('Roster-Dlq-Reason') };
        }
        return undefined;
      },
      { timeoutMs: 20_000, description: "the hoarder's event dead-lettered" },
    );
    expect(letter).toEqual({
      code: 'RECORD_TOO_LARGE',
      reason: expect.stringMatching(/^employee \(no id\) \(hoarder@acme\.test\) is 400\d{3} bytes of JSON, over the 327680 a record may have .*; the event was not applied$/),
    });
    expect((await users()).has('hoarder@acme.test')).toBe(false);
    const runs = await settledRuns(() => true, 'every run final');
    expect(runs.filter((r) => r.status === 'failed')).toEqual([]);
  });

  it('R-SAFE-02 an event that would grow its user past the bound is its run\'s RECORD_TOO_LARGE problem: the user stays as stored, the rest of the run applies', async () => {
    // Each record is under the bound, but blanks keep stored values: a record that adds 300 KB of custom fields to a
    // user who has 300 KB would make a user.updated (the user, and the custom fields before and after) over the bus's
    // max_payload. Refused on its own, it does not fail the run and take the other events of its micro-batch with it.
    const email = 'archivist@acme.test';
    await upsert({ email, jobTitle: 'Archivist', customFields: { Archive: 'a'.repeat(300_000) } });
    await waitFor(async () => (await users()).get(email)?.job_title === 'Archivist' || undefined, { timeoutMs: 30_000, description: 'the archivist stored' });
    const earlier = new Set((await settledRuns(() => true, 'every run final')).map((r) => r.id));
    const before = await world.pg.query<{ row: string }>('select row_to_json(u)::text as row from reconciler.users u where tenant_id = $1 and email = $2', [tenantId, email]);
    await upsert({ email, jobTitle: 'Chief archivist', customFields: { Annex: 'b'.repeat(300_000) } });
    await upsert({ email: 'clerk@acme.test', jobTitle: 'Clerk' });

    await waitFor(async () => (await users()).get('clerk@acme.test')?.job_title === 'Clerk' || undefined, { timeoutMs: 30_000, description: 'the clerk applied' });
    const runs = (await settledRuns(() => true, 'every run final')).filter((r) => !earlier.has(r.id));
    expect(runs.map((r) => r.status)).not.toContain('failed');
    const problems = (
      await Promise.all(
        runs.map(async (r) => (await world.platform.api<{ problems: { code: string; message: string }[] }>('GET', `/v1/tenants/${tenantId}/runs/${r.id}/problems`)).body.problems),
      )
    ).flat();
    expect(problems).toEqual([
      {
        code: 'RECORD_TOO_LARGE',
        message: expect.stringMatching(/^with this record, archivist@acme\.test would be 600\d{3} bytes of JSON, over the 327680 a user may have .*the user is as it was$/),
      },
    ]);
    const after = await world.pg.query<{ row: string }>('select row_to_json(u)::text as row from reconciler.users u where tenant_id = $1 and email = $2', [tenantId, email]);
    expect(after.rows).toEqual(before.rows);

    // A later event the user can take applies.
    await upsert({ email, jobTitle: 'Head archivist' });
    await waitFor(async () => (await users()).get(email)?.job_title === 'Head archivist' || undefined, { timeoutMs: 30_000, description: 'a later change applied' });
  }, 90_000);

  it('R-OPS-02 a run the reconciler gives up on ends failed with the reason, nothing of it applied; redriving its dead letter changes nothing', async () => {
    // Every apply fails (a table the reconciler reads is gone) until the second and last delivery of the completion.
    const email = 'archivist@acme.test';
    await settledRuns(() => true, 'every run final');
    const before = await world.pg.query<{ row: string }>('select row_to_json(u)::text as row from reconciler.users u where tenant_id = $1 and email = $2', [tenantId, email]);
    await world.platform.kill('reconciler');
    await world.platform.start('reconciler', { ROSTER_MAX_DELIVER: '2' });
    await world.pg.query('alter table reconciler.custom_field_definitions rename to custom_field_definitions_away');
    let runs: EventRun[];
    try {
      await upsert({ email, jobTitle: 'Chief archivist' });
      runs = await settledRuns((all) => all.some((r) => r.status === 'failed'), 'the run with the change ends failed');
    } finally {
      await world.pg.query('alter table reconciler.custom_field_definitions_away rename to custom_field_definitions');
    }
    const failed = runs.find((r) => r.status === 'failed') as EventRun & { failure: { code: string; message: string } | null; finishedAt: string | null };
    expect(failed.failure).toEqual({
      code: 'APPLY_FAILED',
      message: expect.stringMatching(/^the reconciler gave up on the run after 2 deliveries: .*custom_field_definitions.* does not exist\. Nothing of it was applied; re-run it/),
    });
    expect(failed.failure?.message).toContain(`roster runs rerun ${failed.id}`);
    expect(failed.finishedAt).not.toBeNull();
    const after = await world.pg.query<{ row: string }>('select row_to_json(u)::text as row from reconciler.users u where tenant_id = $1 and email = $2', [tenantId, email]);
    expect(after.rows).toEqual(before.rows); // nothing of the run was applied

    // Its completion is in the dead letters; a redrive delivers it again, and the reconciler finds the run finished.
    const letters = await waitFor(
      async () => {
        const { body } = await world.platform.api<{ items: { sequence: number; code: string; original: { subject: string; id?: string } }[] }>(
          'GET',
          `/v1/tenants/${tenantId}/dead-letters?consumer=reconciler-records`,
        );
        const found = body.items.filter((d) => d.original.subject === subjectOf('records.complete', { tenant: tenantId }));
        return found.length > 0 ? found : undefined;
      },
      { timeoutMs: 15_000, description: "the run's completion dead-lettered" },
    );
    expect(letters).toHaveLength(1);
    expect(letters[0]?.code).toBe('MAX_DELIVERIES');
    const redrive = await world.platform.api<{ outcome: string; republished: { stream: string; sequence: number } }>(
      'POST',
      `/v1/tenants/${tenantId}/dead-letters/${letters[0]?.sequence}/redrive`,
    );
    expect(redrive.body).toMatchObject({ outcome: 'redriven', republished: { stream: 'ROSTER_RECORDS' } });
    // Handled (acknowledged) by the reconciler, and not dead-lettered again.
    const jsm = await world.nc.jetstreamManager();
    await waitFor(async () => (await jsm.consumers.info('ROSTER_RECORDS', 'reconciler-records')).ack_floor.stream_seq >= redrive.body.republished.sequence || undefined, {
      timeoutMs: 15_000,
      description: 'the redriven completion handled',
    });
    const { body: again } = await world.platform.api<EventRun & { failure: unknown }>('GET', `/v1/tenants/${tenantId}/runs/${failed.id}`);
    expect({ status: again.status, failure: again.failure }).toEqual({ status: 'failed', failure: failed.failure });
    const { body: lettersAfter } = await world.platform.api<{ items: { original: { subject: string } }[] }>('GET', `/v1/tenants/${tenantId}/dead-letters?consumer=reconciler-records`);
    expect(lettersAfter.items.filter((d) => d.original.subject === subjectOf('records.complete', { tenant: tenantId }))).toHaveLength(0);
    expect((await world.pg.query<{ row: string }>('select row_to_json(u)::text as row from reconciler.users u where tenant_id = $1 and email = $2', [tenantId, email])).rows).toEqual(
      before.rows,
    );

    // The directory goes on: a later event applies.
    await world.platform.kill('reconciler');
    await world.platform.start('reconciler');
    await upsert({ email, jobTitle: 'Keeper of the archive' });
    await waitFor(async () => (await users()).get(email)?.job_title === 'Keeper of the archive' || undefined, { timeoutMs: 30_000, description: 'a later change applied' });
  }, 90_000);

  it('R-EVT-02 R-SAFE-02 malformed, unknown-tenant and wrong-directory events are dead-lettered with a precise reason; nothing stored changes', async () => {
    const other = await world.createTenant('Other tenant');
    const othersDirectory = await world.platform.api<{ id: string }>('POST', `/v1/tenants/${other}/directories`, { name: 'Theirs', type: 'event' });
    const hris = await world.platform.api<{ id: string }>('POST', `/v1/tenants/${tenantId}/directories`, {
      name: 'HR API',
      type: 'hris-api',
      hris: { baseUrl: 'https://api.merge.dev/api', accountToken: 'token-1' },
      schedule: { kind: 'disabled' },
    });
    expect([othersDirectory.status, hris.status]).toEqual([201, 201]);
    await settledRuns(() => true, 'every run final');
    const countsBefore = async () => ({
      users: (await world.pg.query<{ n: number }>('select count(*)::int as n from reconciler.users')).rows[0]?.n,
      runs: (await world.pg.query<{ n: number }>('select count(*)::int as n from directory_config.runs')).rows[0]?.n,
      userEvents: await world.eventCount(tenantId, 'user.updated'),
    });
    const before = await countsBefore();

    const unknownTenant = randomUUID();
    const ids = {
      malformed: await upsert({ email: 'not-an-email', firstName: 'X' }),
      unknownTenant: await publish('inbound.employee.upserted', { directoryId, employee: { email: 'x@acme.test' } }, { tenant: unknownTenant }),
      notEvent: await publish('inbound.employee.upserted', { directoryId: hris.body.id, employee: { email: 'x@acme.test' } }),
      otherTenantsDirectory: await publish('inbound.employee.terminated', { directoryId: othersDirectory.body.id, email: 'x@acme.test', terminationDate: today() }),
      wrongSubject: await publish('inbound.employee.upserted', { directoryId, employee: { email: 'x@acme.test' } }, {
        subject: subjectOf('inbound.employee.upserted', { tenant: other }),
      }),
    };

    const jsm = await world.nc.jetstreamManager();
    const dead = await waitFor(
      async () => {
        const info = await jsm.streams.info(DLQ);
        const found = new Map<string, { code: string; reason: string }>();
        for (let seq = info.state.first_seq; seq > 0 && seq <= info.state.last_seq; seq++) {
          const m = await jsm.streams.getMessage(DLQ, { seq }).catch(() => undefined);
          if (m?.subject !== INBOUND_DLQ_SUBJECT) continue;
          const id = (JSON.parse(new TextDecoder().decode(m.data)) as { id: string }).id;
          found.set(id, { code: m.header.get('Roster-Dlq-Code'), reason: m.header.get('Roster-Dlq-Reason') });
        }
        return Object.values(ids).every((id) => found.has(id)) ? found : undefined;
      },
      { timeoutMs: 20_000, description: 'five inbound dead letters' },
    );
    expect(dead.get(ids.malformed)).toEqual({ code: 'BAD_PAYLOAD', reason: expect.stringMatching(/employee\.email/) });
    expect(dead.get(ids.unknownTenant)).toEqual({ code: 'UNKNOWN_TENANT', reason: `tenant ${unknownTenant} does not exist; the event was not applied` });
    expect(dead.get(ids.notEvent)).toEqual({
      code: 'NOT_AN_EVENT_DIRECTORY',
      reason: expect.stringContaining(`directory ${hris.body.id} of tenant ${tenantId} is an hris-api directory`),
    });
    expect(dead.get(ids.otherTenantsDirectory)).toEqual({
      code: 'UNKNOWN_DIRECTORY',
      reason: `directory ${othersDirectory.body.id} does not exist in tenant ${tenantId}; the event was not applied`,
    });
    expect(dead.get(ids.wrongSubject)).toEqual({ code: 'SUBJECT_MISMATCH', reason: expect.stringContaining(`publish it on roster.inbound.${tenantId}.`) });

    expect(await countsBefore()).toEqual(before);
    expect((await users()).has('x@acme.test')).toBe(false);
    expect(world.platform.services['directory-config'].process.isRunning()).toBe(true);
  });
});
