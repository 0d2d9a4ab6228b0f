import type { EntityManager } from '@mikro-orm/postgresql';
import { type CanonicalEmployee, type RowProblem, type RunCounts, emptyRunCounts } from '@roster/contracts';
import type { Outbox, OutgoingMessage } from '@roster/messaging';
import {
  type CustomFieldType,
  type DateFormat,
  type PlanContext,
  type StoredUser,
  type UserPolicy,
  checkCustomFields,
  digestableRecord,
  normalizeEmail,
  normalizeUsername,
  planUserChunk,
  recordDigest,
  sourceDigestOf,
  summarize,
  unchangedOnReplan,
} from '@roster/reconciliation';
import { GroupsPhase } from '../groups/apply-groups';
import { wantedTeamsOf } from '../teams/apply-teams';
import { UsersRepository, toDirectoryUser } from '../users/users.repository';
import { managersAtInsert } from './apply-managers';
import { RunEmailClaims } from './email-claims';
import { ProblemLog } from './problem-log';
import { PhaseClock } from './run-metrics';
import { RunScratch } from './run-scratch';
import { RunSafeguard } from './safeguard';
import { readStagedBatch } from './staged-run';
import { StatisticsRefresh } from './statistics-refresh';

/** What a run's user batches write through, all in the run's transaction. */
export interface UserBatchesParts {
  em: EntityManager;
  outbox: Outbox;
  users: UsersRepository;
  scratch: RunScratch;
  groups: GroupsPhase;
  problems: ProblemLog;
  emailClaims: RunEmailClaims;
  safeguard: RunSafeguard;
  analyzer: StatisticsRefresh;
  clock: PhaseClock;
}

export interface UserBatchesRun {
  tenantId: string;
  runId: string;
  directoryId: string;
  policy: UserPolicy;
  ctx: PlanContext;
  /** Custom field types by label (R-CSV-04), the run's new labels included. */
  definitions: ReadonlyMap<string, CustomFieldType>;
  dateFormat: DateFormat;
  /** Issue 4: the run's `sourceDigestContext` when its records may be skipped by digest (`digestsApply`), else null. */
  digestContext: string | null;
  /** How many batches the run staged (batch numbers 0 to batchCount - 1). */
  batchCount: number;
}

/**
 * Phase 1 of an apply, one staged batch at a time: the batch's records against the stored users (one read per key
 * kind), planned (planUserChunk, R-SAFE-01's review), written set-based — new users linked to known managers at
 * insert, updates announced — and what the later phases need kept in the run's temporary tables (created users,
 * unchanged ones, manager links, wanted teams, synced groups). Returns the batch's counts.
 *
 * Issue 4, skipping by digest: a record whose digest, with its user's content hash, is the user's stored source
 * digest changed nothing the last time it was applied to exactly this content in this context, so it is planned
 * unchanged without reading the user (`knownUnchanged`); its manager link and teams are kept as any record's, so
 * the manager and membership phases still put right what changed around it. A written user gets the digest of its
 * record when planning that record again against the written content changes nothing (`unchangedOnReplan`); a user
 * found unchanged gets one if it has none (users stored before digests existed) or, when it is this directory's, a
 * stale one (the context changed, or another writer changed the user) — once, so the next run matches it.
 */
export class UserBatches {
  /** Records planned unchanged by digest, over the run. */
  skippedByDigest = 0;
  /** The next batch, read and checked ahead while this one's users are written. */
  private ahead: { batchNo: number; ready: Promise<CheckedBatch> } | null = null;

  constructor(
    private readonly parts: UserBatchesParts,
    private readonly run: UserBatchesRun,
  ) {}

  async apply(batchNo: number): Promise<RunCounts> {
    const { em, outbox, users, scratch, groups, problems, emailClaims, safeguard, analyzer, clock } = this.parts;
    const { tenantId, runId, directoryId, policy, ctx, digestContext } = this.run;
    const { batch, employees, fieldProblems, digests } = await this.checked(batchNo);
    // The next batch is read and checked while PostgreSQL answers this one's lookups and writes (the statements after
    // the read on the run's connection): the reconciler's CPU and PostgreSQL's, at the same time. Staged batches never
    // change, and checking one depends on nothing this batch writes.
    this.readAhead(batchNo + 1);
    clock.lap('read');
    if (batch.teams !== null) {
      // A teams-file batch: its records were applied above; its row problems are the teams file's.
      await problems.add(batch.problems);
      return emptyRunCounts();
    }
    let current: Map<string, StoredUser & { managerId: string | null; sourceDigest: string | null }>;
    const known = new Map<string, string>();
    if (digestContext === null) current = await users.findByEmails(employees.map((e) => e.email.toLowerCase()));
    else {
      // Issue 4: one probe tells the batch's new users (not found), the users its records are known to leave as they
      // are (`known`: not read), and the rest, read in full.
      const emails = [...new Set(employees.map((e) => normalizeEmail(e.email)))];
      const probed = await users.probeByEmail(emails.map((email) => ({ email, digest: digests.get(email)?.digest ?? null })));
      for (const [email, { id, known: same }] of probed) if (same) known.set(email, id);
      current = await users.findByEmails([...probed].filter(([, p]) => !p.known).map(([email]) => email));
    }
    this.skippedByDigest += known.size;
    // R-API-04: API directories match the users linked to the records' external ids first.
    const linked = policy.matchByExternalId ? await users.findByExternalIds(directoryId, externalIdsOf(employees)) : new Map<string, StoredUser & { managerId: string | null }>();
    // R-API-04 with a username attribute: the tenant's users with the batch's usernames.
    const usernames = policy.matchByUsername ? usernamesOf(employees) : [];
    const named = usernames.length > 0 ? await users.findByUsernames(usernames) : new Map<string, StoredUser & { managerId: string | null }>();
    const managerIds = new Map([...current.values(), ...linked.values(), ...named.values()].map((u) => [u.id, u.managerId]));
    const claimed = await emailClaims.claimedBefore(batchNo, employees.map((e) => e.email));
    const byUsername = { users: named, claimedEarlier: await emailClaims.usernamesClaimedBefore(batchNo, usernames) };
    clock.lap('match');
    const plan = planUserChunk(current, employees, policy, ctx, linked, claimed, byUsername, known);
    plan.operations = await safeguard.review(plan.operations, ctx.now); // R-SAFE-01
    const problemRows = new Set([...fieldProblems, ...plan.problems].map((p) => p.rowNumber));
    /** The record digest of an operation whose record may give its user a source digest. */
    const digestFor = (email: string, ref: { rowNumber?: number }) => (ref.rowNumber === undefined || problemRows.has(ref.rowNumber) ? undefined : digests.get(email));
    const refreshed: { id: string; digest: string }[] = [];
    const replanned: { record: CanonicalEmployee; user: StoredUser; digest: string }[] = [];
    const keep = (user: StoredUser, ref: { rowNumber?: number }) => {
      const d = digestFor(user.email, ref);
      if (d) replanned.push({ record: d.record, user, digest: d.digest });
    };
    const writes: StoredUser[] = [];
    const created: StoredUser[] = [];
    const unchanged: string[] = [];
    const sequences: { id: string; fieldSequences: Record<string, number> }[] = [];
    const events: OutgoingMessage[] = [];
    for (const op of plan.operations) {
      if (op.kind === 'create') {
        // Announced after the managers are linked, so user.created carries the manager (see announceCreated).
        const user = users.withId(op.user);
        writes.push(user);
        created.push(user);
        keep(user, op.ref);
      } else if (op.kind === 'update') {
        writes.push(op.next);
        keep(op.next, op.ref);
        const managerId = managerIds.get(op.userId) ?? null;
        events.push(
          outbox.message('user.updated', { runId, user: toDirectoryUser(op.next, managerId), changes: op.changes }, { tenantId, runId }),
        );
      } else {
        unchanged.push(op.email);
        if (op.fieldSequences) sequences.push({ id: op.userId, fieldSequences: op.fieldSequences });
        // A user found unchanged (read, so not matched by its digest) gets its record's digest when it has none
        // (stored before digests, or by a record that had a problem), or a stale one and is this directory's: the
        // digests' context changed (a new custom field label in the tenant, another threshold or date format) or
        // another writer changed the user (the scheduler, an activation) while the record stayed the same. Written
        // once, then matched; left stale, the user would be read in full by every later run. Another directory's user
        // keeps the digest it has, so two directories syncing the same people never rewrite each other's every run.
        const stored = known.has(op.email) ? undefined : current.get(op.email);
        const d = stored ? digestFor(op.email, op.ref) : undefined;
        const digest = stored && d ? sourceDigestOf(d.digest, stored.contentHash) : undefined;
        if (stored && digest !== undefined && stored.sourceDigest !== digest && (stored.sourceDigest === null || stored.sourceDirectoryId === directoryId)) {
          refreshed.push({ id: op.userId, digest });
        }
      }
    }
    // A written user's digest only if its record, planned again against what is written, changes nothing.
    const settled = unchangedOnReplan(replanned, policy, ctx);
    const written = new Map(replanned.filter((r) => settled.has(r.user.email)).map((r) => [r.user.id, sourceDigestOf(r.digest, r.user.contentHash)]));
    clock.lap('plan');
    const managers = await managersAtInsert(users, created, plan.managerLinks);
    await users.upsert(writes, managers, written);
    await users.setSourceDigests(refreshed);
    await users.setFieldSequences(sequences);
    await outbox.addMessages(em, events);
    clock.lap('write users');
    await scratch.addCreated(created);
    await scratch.addUnchanged(unchanged);
    await scratch.addLinks(plan.managerLinks);
    // R-EVT-02: teams and groups an event record names after a newer event set them do not apply.
    const { staleTeams, staleGroups } = plan;
    const emailOf = (op: (typeof plan.operations)[number]) => (op.kind === 'create' ? op.user.email : op.email);
    await groups.addSynced(
      staleGroups === undefined ? employees : employees.filter((e) => !staleGroups.has(normalizeEmail(e.email))),
      staleGroups === undefined ? plan.operations : plan.operations.filter((op) => !staleGroups.has(emailOf(op))),
    );
    await scratch.addWantedTeams(
      (staleTeams === undefined ? employees : employees.filter((e) => !staleTeams.has(normalizeEmail(e.email))))
        .filter((e) => e.teams !== undefined && e.teams.length > 0)
        .map((e) => ({ rowNumber: e.rowNumber, email: normalizeEmail(e.email), teams: wantedTeamsOf(e.teams ?? []) })),
    );
    const batchProblems = [...batch.problems, ...fieldProblems, ...plan.problems];
    await problems.add(batchProblems);
    em.clear();
    clock.lap('keep run state');
    await analyzer.inserted(created.length);
    clock.lap('analyze');
    return summarize(plan.operations, batchProblems);
  }

  /** Batch `batchNo` read and checked: the one read ahead if it is that one, else read now. */
  private checked(batchNo: number): Promise<CheckedBatch> {
    const ahead = this.ahead;
    this.ahead = null;
    return ahead?.batchNo === batchNo ? ahead.ready : this.check(batchNo);
  }

  /**
   * Starts reading and checking batch `batchNo`, if the run has it, without waiting: `apply` of that batch takes the
   * result. A failure surfaces there, as a read of its own would; a read left behind by a failed apply is dropped
   * with the run's transaction.
   */
  private readAhead(batchNo: number): void {
    if (batchNo >= this.run.batchCount) return;
    const ready = this.check(batchNo);
    ready.catch(() => undefined);
    this.ahead = { batchNo, ready };
  }

  /** The batch's records with their custom fields checked (R-CSV-04) and, when digests apply, their digests. */
  private async check(batchNo: number): Promise<CheckedBatch> {
    const { em } = this.parts;
    const { runId, definitions, dateFormat, digestContext } = this.run;
    const batch = await readStagedBatch(em, runId, batchNo);
    const fieldProblems: RowProblem[] = [];
    if (batch.teams !== null) return { batch, employees: [], fieldProblems, digests: new Map() };
    const clean: boolean[] = [];
    const employees = batch.employees.map((e) => {
      const before = fieldProblems.length;
      const checked = checkCustomFields(e, definitions, dateFormat, fieldProblems);
      clean.push(fieldProblems.length === before);
      return checked;
    });
    const digests = digestContext === null ? new Map<string, RecordDigest>() : digestsOf(digestContext, batch.employees, employees, clean);
    return { batch, employees, fieldProblems, digests };
  }
}

interface CheckedBatch {
  batch: Awaited<ReturnType<typeof readStagedBatch>>;
  employees: CanonicalEmployee[];
  fieldProblems: RowProblem[];
  digests: Map<string, RecordDigest>;
}

interface RecordDigest {
  digest: string;
  /** The record as planned (custom fields checked). */
  record: CanonicalEmployee;
}

/**
 * The records a digest may stand for, by email (each email's first record; the planner skips the later ones): no
 * custom field problem, a row number and no deactivation date. The digest is of the record as staged.
 */
function digestsOf(context: string, staged: readonly CanonicalEmployee[], checked: readonly CanonicalEmployee[], clean: readonly boolean[]) {
  const found = new Map<string, RecordDigest>();
  const seen = new Set<string>();
  checked.forEach((record, i) => {
    const email = normalizeEmail(record.email);
    if (seen.has(email)) return;
    seen.add(email);
    if (clean[i] && digestableRecord(record)) found.set(email, { digest: recordDigest(context, staged[i] as CanonicalEmployee), record });
  });
  return found;
}

function usernamesOf(employees: readonly CanonicalEmployee[]): string[] {
  return [...new Set(employees.map((e) => (e.username === undefined ? '' : normalizeUsername(e.username))).filter((u) => u !== ''))];
}

function externalIdsOf(employees: readonly CanonicalEmployee[]): string[] {
  return [...new Set(employees.map((e) => e.externalId?.trim()).filter((id): id is string => !!id))];
}
