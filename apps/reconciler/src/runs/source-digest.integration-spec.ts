import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import fc from 'fast-check';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { CanonicalEmployee, PayloadOf } from '@roster/contracts';
import { type EventPublisher, Outbox, type OutboxRelay, outboxEvents } from '@roster/messaging';
import { openDatabase, qualified, sql } from '@roster/persistence';
import { createTestDatabase, type TestDatabase } from '@roster/testing';
import { databaseOptions } from '../database';
import { DeactivateDueUsersUseCase } from '../deactivation/deactivate-due-users.usecase';
import { ActivateUserUseCase } from '../users/activate-user.usecase';
import { AnonymizeUserUseCase } from '../users/anonymize-user.usecase';
import { ApplyRunUseCase } from './apply-run.usecase';
import type { RunMetrics } from './run-metrics';
import { StageBatchUseCase } from './stage-batch.usecase';

const relay = { kick: () => undefined } as unknown as OutboxRelay;
const POOL = ['ann', 'bob', 'cy', 'dee', 'eve', 'fay', 'gus'].map((n) => `${n}@acme.test`);

/** Rolls back what a variant of a run wrote, so the other variant starts from the same database. */
const VARIANT = 'digest_variant';

/**
 * Issue 4, the claim behind skipping records by digest, against real PostgreSQL and the whole apply: for every record
 * a user's source digest vouches for, the run's outcome is what reading and planning that record would give. Each
 * case applies a few files of one CSV directory in turn (the same people, records repeated exactly or with another
 * title, manager, teams, custom field or deactivation date; row numbers moving), with what else writes users between
 * them — an admin's activation, an anonymization, the deactivation scheduler, another directory's run, users stored
 * before digests existed. Every run after the first is applied twice from the same state: as it is, and with every
 * digest of the tenant cleared (each record read and planned), and the two must leave the same users, managers,
 * teams and memberships, counts, problems and events.
 */
describe('source digests against the whole apply (issue 4)', () => {
  let db: TestDatabase;
  let orm: MikroORM;
  let apply: ApplyRunUseCase;
  let skipped = 0;
  let compared = 0;
  /** Records planned by digest in the last run applied. */
  let lastSkipped = 0;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    // Only Date is faked: both variants of a run plan at the same instant (a past deactivation date takes effect a day
    // after it), while timers, the pool and the database run as usual.
    jest.useFakeTimers({ now: Date.now(), doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'requestAnimationFrame', 'cancelAnimationFrame', 'requestIdleCallback', 'cancelIdleCallback', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] });
    db = await createTestDatabase('reconciler_digests');
    orm = await openDatabase({ ...databaseOptions(db.url), migrate: true });
    apply = new ApplyRunUseCase(orm, new Outbox('reconciler'), relay, undefined as unknown as EventPublisher, undefined as unknown as RunMetrics);
    // The apply's 'records planned' line says how many records a digest stood for: counted, not printed.
    const quiet = {
      log: (o: { skippedByDigest?: number }) => {
        if (o?.skippedByDigest === undefined) return;
        skipped += o.skippedByDigest;
        lastSkipped = o.skippedByDigest;
      },
      warn: () => undefined, error: () => undefined, debug: () => undefined };
    (apply as unknown as { logger: typeof quiet }).logger = quiet;
  }, 60_000);

  afterAll(async () => {
    jest.useRealTimers();
    await orm?.close(true);
    await db?.drop();
  });

  interface Run {
    tenantId: string;
    directoryId: string;
    records: CanonicalEmployee[];
    batches: number;
    safeguard?: { count: number; percent: number };
  }

  async function stage(run: Run): Promise<PayloadOf<'records.complete'>> {
    const runId = randomUUID();
    const size = Math.max(1, Math.ceil(run.records.length / run.batches));
    const chunks: CanonicalEmployee[][] = [];
    for (let i = 0; i < run.records.length; i += size) chunks.push(run.records.slice(i, i + size));
    const stager = new StageBatchUseCase(orm);
    for (const [batchNo, employees] of chunks.entries()) {
      await stager.execute({ tenantid: run.tenantId, data: { runId, directoryId: run.directoryId, batchNo, employees, problems: [] } } as never);
    }
    return {
      runId,
      directoryId: run.directoryId,
      directoryType: 'sftp-csv',
      trigger: 'file',
      outcome: 'complete',
      batchCount: chunks.length,
      totals: { rows: run.records.length, records: run.records.length, problems: 0 },
      fileName: 'users.csv',
      notify: { directoryName: 'HR', recipients: [] },
      tenantOwnerEmail: 'owner@acme.test',
      dateFormat: 'dd/mm/yyyy',
      ...(run.safeguard ? { safeguard: run.safeguard } : {}),
    };
  }

  /** Everything a run leaves that the claim covers, with generated ids replaced by the emails and names they stand for. */
  async function outcome(em: EntityManager, tenantId: string, runId: string, outboxAfter: number, result: unknown) {
    const users = await sql<Record<string, unknown> & { id: string; email: string }>(em,
      `select u.id, u.email, u.status, u.first_name, u.last_name, u.display_name, u.job_title, u.department, u.location, u.employee_id,
              u.start_date, u.is_org_admin, u.custom_fields, u.source_directory_id, u.external_id, u.deactivate_at, u.username,
              u.content_hash, u.field_sequences, u.updated_at, m.email as manager
         from ${qualified(em, 'users')} u left join ${qualified(em, 'users')} m on m.id = u.manager_id
        where u.tenant_id = ? order by u.email`,
      [tenantId],
    );
    const teams = await sql<Record<string, unknown> & { id: string; name: string }>(em,
      `select t.id, t.name, t.owner_email, o.email as owner, p.name as parent, t.type, t.description, t.source_directory_id
         from ${qualified(em, 'teams')} t left join ${qualified(em, 'users')} o on o.id = t.owner_user_id left join ${qualified(em, 'teams')} p on p.id = t.parent_team_id
        where t.tenant_id = ? order by t.name`,
      [tenantId],
    );
    const memberships = await sql(em,
      `select u.email, t.name, m.source_directory_id from ${qualified(em, 'team_memberships')} m
         join ${qualified(em, 'users')} u on u.id = m.user_id join ${qualified(em, 'teams')} t on t.id = m.team_id
        where m.tenant_id = ? order by u.email, t.name, m.source_directory_id`,
      [tenantId],
    );
    const problems = await sql(em, `select row_number, external_id, field, code, message from ${qualified(em, 'run_problems')} where run_id = ? order by seq`, [runId]);
    const definitions = await sql(em, `select label, type from ${qualified(em, 'custom_field_definitions')} where tenant_id = ? order by label`, [tenantId]);
    const events = await sql<{ envelope: { type: string; subject?: string; data: unknown } }>(em,
      `select envelope from ${outboxEvents(qualified(em, 'outbox'))} where seq > ? order by seq, n`,
      [outboxAfter],
    );
    const names = new Map<string, string>([...users.map((u): [string, string] => [u.id, `user:${u.email}`]), ...teams.map((t): [string, string] => [t.id, `team:${t.name}`])]);
    const normal = (value: unknown): unknown => {
      if (typeof value === 'string') return names.get(value) ?? value;
      if (Array.isArray(value)) return value.map(normal);
      if (value === null || typeof value !== 'object') return value;
      return Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'finishedAt' && k !== 'startedAt').map(([k, v]) => [k, normal(v)]));
    };
    return normal({
      result,
      users: users.map(({ id: _id, ...u }) => ({ ...u, updated_at: String(u['updated_at']) })),
      teams: teams.map(({ id: _id, ...t }) => t),
      memberships,
      problems,
      definitions,
      // As a multiset: user.created events come in the order PostgreSQL returns the created rows (announceCreated).
      events: events.map((e) => JSON.stringify(normal({ type: e.envelope.type, subject: e.envelope.subject, data: e.envelope.data }))).sort(),
    });
  }

  async function outboxMark(em: EntityManager): Promise<number> {
    const [row] = await sql<{ seq: string | null }>(em, `select max(seq) as seq from ${qualified(em, 'outbox')}`);
    return Number(row?.seq ?? 0);
  }

  /** Applies the run (committed); when `compare`, first applies it with the tenant's digests cleared and rolls that back. */
  async function applyRun(run: Run, compare: boolean) {
    const data = await stage(run);
    const at = new Date(Date.now() + 60_000); // each run a minute after the last
    await orm.em.fork().transactional(async (em) => {
      const after = await outboxMark(em);
      let read: unknown;
      if (compare) {
        await sql(em, `savepoint ${VARIANT}`);
        await sql(em, `update ${qualified(em, 'users')} set source_digest = null where tenant_id = ?`, [run.tenantId]);
        jest.setSystemTime(at);
        read = await outcome(em, run.tenantId, data.runId, after, await apply.applyAndFinish(em, run.tenantId, data, false));
        await sql(em, `rollback to savepoint ${VARIANT}`);
        em.clear();
      }
      jest.setSystemTime(at);
      const withDigests = await outcome(em, run.tenantId, data.runId, after, await apply.applyAndFinish(em, run.tenantId, data, false));
      if (compare) {
        compared++;
        expect(withDigests).toEqual(read);
      }
    });
  }

  async function userId(tenantId: string, email: string): Promise<string | undefined> {
    const [row] = await sql<{ id: string }>(orm.em.fork(), `select id from ${qualified(orm, 'users')} where tenant_id = ? and email = ?`, [tenantId, email]);
    return row?.id;
  }

  type Mutation = { kind: 'activate' | 'anonymize' | 'deactivateDue' | 'otherDirectory' | 'forgetDigests'; who: number };

  async function mutate(tenantId: string, otherDirectoryId: string, m: Mutation): Promise<void> {
    const email = POOL[m.who % POOL.length] as string;
    const id = await userId(tenantId, email);
    if (m.kind === 'activate' && id) await new ActivateUserUseCase(orm, new Outbox('reconciler'), relay).execute({ tenantid: tenantId, data: { userId: id } } as never);
    if (m.kind === 'anonymize' && id) await new AnonymizeUserUseCase(orm, new Outbox('reconciler'), relay).execute({ tenantid: tenantId, data: { userId: id } } as never);
    // Every scheduled deactivation is due by then (the files' future date is 2099).
    if (m.kind === 'deactivateDue') await new DeactivateDueUsersUseCase(orm, new Outbox('reconciler'), relay).execute(new Date('2100-01-01T00:00:00Z'));
    if (m.kind === 'otherDirectory') {
      await applyRun({ tenantId, directoryId: otherDirectoryId, records: [{ rowNumber: 2, email, jobTitle: 'Set elsewhere', isOrgAdmin: true } as CanonicalEmployee], batches: 1 }, false);
    }
    // Users stored before digests existed.
    if (m.kind === 'forgetDigests') await sql(orm.em.fork(), `update ${qualified(orm, 'users')} set source_digest = null where tenant_id = ?`, [tenantId]);
  }

  const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
  /** What a record says of its user (the digest covers it): two versions per person, so files repeat records exactly. */
  const contentArb = fc.record({
    firstName: opt(fc.constantFrom('Ann', 'Bo', '')),
    displayName: opt(fc.constantFrom('Ann A', ' ')),
    jobTitle: opt(fc.constantFrom('Lead', 'CTO', 'Eng')),
    isOrgAdmin: opt(fc.boolean()),
    employeeId: opt(fc.constantFrom('E1', 'E2')),
    startDate: opt(fc.constantFrom('2020-01-31', '2021-02-01')),
    customFields: opt(fc.record({ Level: fc.constantFrom('1', '2', 'x', ''), Zone: fc.constantFrom('EU', 'US') }, { requiredKeys: [] })),
    deactivationDate: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('2020-01-01', '2099-01-01') }),
  });
  /** What every run applies from the record itself (left out of the digest). */
  const linksArb = fc.record({
    managerEmail: opt(fc.constantFrom(...POOL, 'boss@acme.test')),
    teams: opt(fc.subarray(['Ops', 'Sales'])),
  });
  const fileArb = fc.record({
    rows: fc.array(fc.record({ who: fc.nat(POOL.length - 1), version: fc.constantFrom(0, 0, 1), links: linksArb }), { minLength: 4, maxLength: POOL.length * 2 }),
    batches: fc.integer({ min: 1, max: 3 }),
  });
  const mutationArb = fc.record({ kind: fc.constantFrom('activate', 'anonymize', 'deactivateDue', 'otherDirectory', 'forgetDigests'), who: fc.nat(POOL.length - 1) }) as fc.Arbitrary<Mutation>;

  it('issue 4: a run whose records digests vouch for leaves what reading and planning them would (users, managers, teams, memberships, counts, problems, events)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(contentArb, contentArb), { minLength: POOL.length, maxLength: POOL.length }),
        fc.array(fc.record({ file: fileArb, before: fc.oneof(fc.constant([]), fc.array(mutationArb, { maxLength: 2 })) }), { minLength: 2, maxLength: 4 }),
        // The directory's R-SAFE-01 threshold (part of every digest's context): the default, or one that holds nothing.
        fc.constantFrom(undefined, { count: 100, percent: 100 }, { count: 100, percent: 100 }),
        async (versions, runs, safeguard) => {
          const tenantId = randomUUID();
          const directoryId = randomUUID();
          const otherDirectoryId = randomUUID();
          for (const [i, { file, before }] of runs.entries()) {
            if (i > 0) for (const m of before) await mutate(tenantId, otherDirectoryId, m);
            const seen = new Set<number>();
            const records: CanonicalEmployee[] = [];
            for (const row of file.rows) {
              if (seen.has(row.who)) continue; // a file's emails are unique (file-ingest reports the rest)
              seen.add(row.who);
              const content = versions[row.who]?.[row.version] ?? {};
              const record = { rowNumber: records.length + 2, email: POOL[row.who] as string, ...content, ...row.links };
              records.push(JSON.parse(JSON.stringify(record)) as CanonicalEmployee);
            }
            await applyRun({ tenantId, directoryId, records, batches: file.batches, safeguard }, i > 0);
          }
        },
      ),
      { numRuns: Number(process.env.DIGEST_RUNS ?? 50) },
    );
    // The property was about something: runs compared, and records planned by their digest in them.
    expect(compared).toBeGreaterThan(50);
    expect(skipped).toBeGreaterThan(0);
  }, 600_000);

  it('issue 4: after the context of a directory\'s digests changes (a new custom field label), an unchanged re-sync is skipped by digest again', async () => {
    const tenantId = randomUUID();
    const directoryId = randomUUID();
    const people = (extra: CanonicalEmployee[] = []) =>
      [
        { rowNumber: 2, email: 'ann@acme.test', firstName: 'Ann', jobTitle: 'Lead' },
        { rowNumber: 3, email: 'bob@acme.test', firstName: 'Bob', jobTitle: 'CTO', managerEmail: 'ann@acme.test' },
        ...extra,
      ] as CanonicalEmployee[];
    await applyRun({ tenantId, directoryId, records: people(), batches: 1 }, false);
    await applyRun({ tenantId, directoryId, records: people(), batches: 1 }, true);
    expect(lastSkipped).toBe(2);
    // HR adds a column (R-CSV-04: a new label is a new custom field of the tenant), filled for a new hire only: every
    // digest's context changes, nobody else's record does.
    const file = people([{ rowNumber: 4, email: 'cy@acme.test', firstName: 'Cy', customFields: { Zone: 'EU' } } as CanonicalEmployee]);
    await applyRun({ tenantId, directoryId, records: file, batches: 1 }, true);
    expect(lastSkipped).toBe(0);
    // The same file again, and again: nothing changed, so nothing needs reading.
    await applyRun({ tenantId, directoryId, records: file, batches: 1 }, true);
    await applyRun({ tenantId, directoryId, records: file, batches: 1 }, true);
    expect(lastSkipped).toBe(3);
  }, 60_000);

  it('issue 4: two directories syncing the same person do not rewrite its digest every run; its owner\'s runs skip it', async () => {
    const tenantId = randomUUID();
    const [owner, other] = [randomUUID(), randomUUID()];
    const ann = [{ rowNumber: 2, email: 'ann@acme.test', firstName: 'Ann', jobTitle: 'Lead' }] as CanonicalEmployee[];
    const digestOfAnn = async () =>
      (await sql<{ source_digest: string | null }>(orm.em.fork(), `select source_digest from ${qualified(orm, 'users')} where tenant_id = ? and email = 'ann@acme.test'`, [tenantId]))[0]?.source_digest;
    await applyRun({ tenantId, directoryId: owner, records: ann, batches: 1 }, false);
    const digest = await digestOfAnn();
    expect(digest).toMatch(/^[0-9a-f]{32}$/);
    for (let round = 0; round < 2; round++) {
      await applyRun({ tenantId, directoryId: other, records: ann, batches: 1 }, true);
      expect(lastSkipped).toBe(0); // another directory's context: read, found unchanged, its digest left alone
      expect(await digestOfAnn()).toBe(digest);
      await applyRun({ tenantId, directoryId: owner, records: ann, batches: 1 }, true);
      expect(lastSkipped).toBe(1);
      expect(await digestOfAnn()).toBe(digest);
    }
  }, 60_000);
});
