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
  normalizeEmail,
  normalizeUsername,
  planUserChunk,
  summarize,
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
}

/**
 * Phase 1 of an apply, one staged batch at a time: the batch's records against the stored users (one read per key
 * kind), planned (planUserChunk, R-SAFE-01's review), written set-based — new users linked to known managers at
 * insert, updates announced — and what the later phases need kept in the run's temporary tables (created users,
 * unchanged ones, manager links, wanted teams, synced groups). Returns the batch's counts.
 */
export class UserBatches {
  constructor(
    private readonly parts: UserBatchesParts,
    private readonly run: UserBatchesRun,
  ) {}

  async apply(batchNo: number): Promise<RunCounts> {
    const { em, outbox, users, scratch, groups, problems, emailClaims, safeguard, analyzer, clock } = this.parts;
    const { tenantId, runId, directoryId, policy, ctx, definitions, dateFormat } = this.run;
    const batch = await readStagedBatch(em, runId, batchNo);
    clock.lap('read');
    if (batch.teams !== null) {
      // A teams-file batch: its records were applied above; its row problems are the teams file's.
      await problems.add(batch.problems);
      return emptyRunCounts();
    }
    const fieldProblems: RowProblem[] = [];
    const employees = batch.employees.map((e) => checkCustomFields(e, definitions, dateFormat, fieldProblems));
    const current = await users.findByEmails(employees.map((e) => e.email.toLowerCase()));
    // R-API-04: API directories match the users linked to the records' external ids first.
    const linked = policy.matchByExternalId ? await users.findByExternalIds(directoryId, externalIdsOf(employees)) : new Map<string, StoredUser & { managerId: string | null }>();
    // R-API-04 with a username attribute: the tenant's users with the batch's usernames.
    const usernames = policy.matchByUsername ? usernamesOf(employees) : [];
    const named = usernames.length > 0 ? await users.findByUsernames(usernames) : new Map<string, StoredUser & { managerId: string | null }>();
    const managerIds = new Map([...current.values(), ...linked.values(), ...named.values()].map((u) => [u.id, u.managerId]));
    const claimed = await emailClaims.claimedBefore(batchNo, employees.map((e) => e.email));
    const byUsername = { users: named, claimedEarlier: await emailClaims.usernamesClaimedBefore(batchNo, usernames) };
    clock.lap('match');
    const plan = planUserChunk(current, employees, policy, ctx, linked, claimed, byUsername);
    plan.operations = await safeguard.review(plan.operations, ctx.now); // R-SAFE-01
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
      } else if (op.kind === 'update') {
        writes.push(op.next);
        const managerId = managerIds.get(op.userId) ?? null;
        events.push(
          outbox.message('user.updated', { runId, user: toDirectoryUser(op.next, managerId), changes: op.changes }, { tenantId, runId }),
        );
      } else {
        unchanged.push(op.email);
        if (op.fieldSequences) sequences.push({ id: op.userId, fieldSequences: op.fieldSequences });
      }
    }
    clock.lap('plan');
    await users.upsert(writes, await managersAtInsert(users, created, plan.managerLinks));
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
}

function usernamesOf(employees: readonly CanonicalEmployee[]): string[] {
  return [...new Set(employees.map((e) => (e.username === undefined ? '' : normalizeUsername(e.username))).filter((u) => u !== ''))];
}

function externalIdsOf(employees: readonly CanonicalEmployee[]): string[] {
  return [...new Set(employees.map((e) => e.externalId?.trim()).filter((id): id is string => !!id))];
}
