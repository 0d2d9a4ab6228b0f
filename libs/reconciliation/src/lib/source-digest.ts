import { createHash, hash } from 'node:crypto';
import type { CanonicalEmployee } from '@roster/contracts';
import type { CustomFieldType, DateFormat } from './custom-fields';
import { planUserChunk } from './plan-users';
import { present } from './rows';
import type { PlanContext, StoredUser, UserPolicy } from './types';

/**
 * Bump when what a digest covers changes, or when planning a record against a user can give another result than
 * before (merge, custom field fitting, normalisation): every stored digest then stops matching, and runs plan in
 * full again (each unchanged user's digest is rewritten once).
 */
const DIGEST_VERSION = 1;

/**
 * Issue 4: skipping unchanged records by a digest. A user's `source_digest` is md5(record digest ‖ content hash):
 * the record (less its row number) in the run's context, and the user's content. It is stored only when applying
 * that record to that content changed nothing (`leavesUnchanged`), so a later record with the same digest, against
 * a user whose content hash is still the same, would plan `unchanged` again — it is planned so without reading the
 * user. The planner is a function of the record, the stored content, the policy and the context; anything else
 * it reads rules a run or a record out (`digestsApply`, `digestableRecord`).
 *
 * The run's context: everything the planning of a record against an existing user depends on besides the two.
 */
export function sourceDigestContext(run: {
  directoryId: string;
  policy: UserPolicy;
  dateFormat: DateFormat;
  definitions: ReadonlyMap<string, CustomFieldType>;
}): string {
  const definitions = [...run.definitions].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256')
    .update(JSON.stringify([DIGEST_VERSION, run.directoryId, sortedKeys(run.policy), run.dateFormat, definitions]))
    .digest('hex');
}

/**
 * A record's digest in a run's context: md5 of the context and the record's JSON without the fields that do not
 * make the user row — its row number, and the manager, teams and groups it names, which every run applies from the
 * record itself (manager links, memberships), skipped or not. So a record whose teams or manager changed is still
 * known to leave its user row as it is. Records read back from PostgreSQL's jsonb (staged batches) have their keys
 * in jsonb's fixed order, so equal records of two files give equal digests whatever order their fields came in; two
 * records that differ in a field the digest covers never share one. (Computed here, not by PostgreSQL: writing each
 * record out as text there cost more than the lookups it saved.)
 */
export function recordDigest(context: string, record: CanonicalEmployee): string {
  const { rowNumber: _row, managerEmail: _manager, managerExternalId: _managerId, teams: _teams, groups: _groups, ...row } = record;
  // One-shot `hash` of the concatenation: the same md5 as two updates of a Hash, at about half the cost per record
  // (no Hash object; a tenth of an unchanged re-sync's reconciler CPU went to these digests).
  return hash('md5', context + JSON.stringify(row));
}

/**
 * The digest stored on a user: md5 of the record digest (hex) followed by the content hash (hex), as PostgreSQL's
 * `md5(record_digest || content_hash)` computes it when a later run compares (users.repository.ts).
 */
export function sourceDigestOf(recordDigest: string, contentHash: string): string {
  return hash('md5', recordDigest + contentHash);
}

/**
 * Runs whose records can be skipped by digest: matched by email alone, no event sequences, no group memberships
 * to follow — a file directory. API directories match by external id and username (the linked user, the username
 * claims), event records carry per-field sequences, and synced groups need each applied record: they plan in full.
 */
export function digestsApply(run: { policy: UserPolicy; directoryType: string; tracksGroups: boolean }): boolean {
  return !run.policy.matchByExternalId && !run.policy.matchByUsername && run.directoryType !== 'event' && !run.tracksGroups;
}

/** A record a digest may stand for: it has a row number, and no deactivation date (whose effect moves with time). */
export function digestableRecord(record: CanonicalEmployee): boolean {
  return record.rowNumber !== undefined && present(record.deactivationDate) === undefined;
}

/** True when planning `record` against `user` (as stored) changes nothing and reports nothing. */
export function leavesUnchanged(record: CanonicalEmployee, user: StoredUser, policy: UserPolicy, ctx: PlanContext): boolean {
  return unchangedOnReplan([{ record, user }], policy, ctx).has(user.email);
}

/**
 * `leavesUnchanged` for many records at once (one plan, not one per record): the emails of the users each record,
 * planned against that user as stored, changes nothing and reports nothing about. Each record must have a row
 * number (its problems are told apart by it) and its own user, matched by the record's email.
 */
export function unchangedOnReplan(pairs: readonly { record: CanonicalEmployee; user: StoredUser }[], policy: UserPolicy, ctx: PlanContext): Set<string> {
  const plan = planUserChunk(new Map(pairs.map((p) => [p.user.email, p.user])), pairs.map((p) => p.record), policy, ctx);
  const problemRows = new Set(plan.problems.map((p) => p.rowNumber));
  const unchanged = new Set<string>();
  for (const op of plan.operations) {
    if (op.kind === 'unchanged' && op.ref.rowNumber !== undefined && !problemRows.has(op.ref.rowNumber)) unchanged.add(op.email);
  }
  return unchanged;
}

function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortedKeys((value as Record<string, unknown>)[key])]),
  );
}
