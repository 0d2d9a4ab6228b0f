import { EMPLOYEE_PROFILE_FIELDS, RowProblemCode, type CanonicalEmployee, type RowProblem } from '@roster/contracts';
import { contentOf, diffContent } from './content';
import { applyDeactivationDate, isCalendarDate } from './deactivation';
import { userContentHash } from './hash';
import { describeRef, normalizeEmail, present, refOf, rowProblem } from './rows';
import type {
  ManagerLink,
  NewUser,
  PlanContext,
  RecordRef,
  StoredUser,
  UserChunkPlan,
  UserContent,
  UserOperation,
  UserPolicy,
} from './types';

/**
 * Phase 1 of a run, one chunk at a time: what happens to each incoming record's user.
 * `current` holds the stored users whose (lower-case) emails the chunk names; users it does not name get no
 * operation (R-CSV-06). Manager links are only collected here and decided by planManagerLinks once every
 * user of the run exists, so a refused link never touches the user row.
 */
export function planUserChunk(
  current: ReadonlyMap<string, StoredUser>,
  incoming: readonly CanonicalEmployee[],
  policy: UserPolicy,
  ctx: PlanContext,
): UserChunkPlan {
  const plan: UserChunkPlan = { operations: [], problems: [], managerLinks: [] };
  const firstSeen = new Map<string, RecordRef>();
  for (const record of incoming) {
    const email = normalizeEmail(record.email);
    const ref = refOf(record);
    const first = firstSeen.get(email);
    if (first) {
      plan.problems.push(duplicateEmail(ref, email, first));
      continue;
    }
    firstSeen.set(email, ref);
    plan.operations.push(planRecord(current.get(email), record, email, ref, policy, ctx, plan.problems));
    const link = managerLinkOf(record, email, ref, plan.problems);
    if (link) plan.managerLinks.push(link);
  }
  return plan;
}

/** A user named only as somebody's manager (R-CSV-08): the email and default values. */
export function placeholderUser(email: string, policy: UserPolicy, ctx: PlanContext): NewUser {
  const content = defaultContent(normalizeEmail(email), policy, ctx);
  return { ...content, managerEmail: null, contentHash: userContentHash(content) };
}

function planRecord(
  stored: StoredUser | undefined,
  record: CanonicalEmployee,
  email: string,
  ref: RecordRef,
  policy: UserPolicy,
  ctx: PlanContext,
  problems: RowProblem[],
): UserOperation {
  if (!stored) {
    const content = merge(defaultContent(email, policy, ctx), record, true, ref, policy, ctx, problems);
    return { kind: 'create', ref, user: { ...content, managerEmail: null, contentHash: userContentHash(content) } };
  }
  const before = contentOf(stored);
  // A local user synced by a directory becomes owned by it (R-DIR-05); another directory's user keeps its owner.
  const base = { ...before, sourceDirectoryId: before.sourceDirectoryId ?? ctx.directoryId };
  const after = merge(base, record, false, ref, policy, ctx, problems);
  const changes = diffContent(before, after);
  if (Object.keys(changes).length === 0) return { kind: 'unchanged', ref, userId: stored.id, email };
  const next: StoredUser = { ...stored, ...after, contentHash: userContentHash(after) };
  return { kind: 'update', ref, userId: stored.id, email, changes, next };
}

function defaultContent(email: string, policy: UserPolicy, ctx: PlanContext): UserContent {
  return {
    email,
    status: policy.newUserStatus,
    firstName: null,
    lastName: null,
    displayName: null,
    jobTitle: null,
    department: null,
    location: null,
    employeeId: null,
    startDate: null,
    isOrgAdmin: false,
    customFields: {},
    sourceDirectoryId: ctx.directoryId,
    externalId: null,
    deactivateAt: null,
  };
}

/** The record laid over `base`: what the record says wins, what it leaves blank is kept (R-CSV-07). */
function merge(
  base: UserContent,
  record: CanonicalEmployee,
  isNew: boolean,
  ref: RecordRef,
  policy: UserPolicy,
  ctx: PlanContext,
  problems: RowProblem[],
): UserContent {
  const next: UserContent = { ...base, customFields: { ...base.customFields } };
  for (const field of EMPLOYEE_PROFILE_FIELDS) {
    const value = present(record[field]);
    if (value !== undefined) next[field] = value;
  }
  for (const [key, raw] of Object.entries(record.customFields ?? {})) {
    const value = present(raw);
    if (value !== undefined) next.customFields[key] = value;
  }
  if (record.isOrgAdmin !== undefined) next.isOrgAdmin = record.isOrgAdmin; // R-CSV-12
  const externalId = present(record.externalId);
  if (externalId !== undefined) next.externalId = externalId;
  const date = present(record.deactivationDate);
  if (date !== undefined) {
    if (isCalendarDate(date)) Object.assign(next, applyDeactivationDate(next, date, isNew, policy, ctx.now));
    else problems.push(invalidDeactivationDate(ref, date));
  }
  return next;
}

function managerLinkOf(
  record: CanonicalEmployee,
  email: string,
  ref: RecordRef,
  problems: RowProblem[],
): ManagerLink | undefined {
  const raw = present(record.managerEmail);
  if (raw === undefined) return undefined; // blank keeps the current manager (R-CSV-07, R-CSV-13)
  const managerEmail = normalizeEmail(raw);
  if (managerEmail === email) {
    const message = `${email} cannot be their own manager; the rest of the row was applied`;
    problems.push(rowProblem(ref, 'Manager Email', RowProblemCode.SELF_MANAGER, message));
    return undefined;
  }
  return { ...ref, email, managerEmail };
}

function duplicateEmail(ref: RecordRef, email: string, first: RecordRef): RowProblem {
  return rowProblem(
    ref,
    'User Email',
    RowProblemCode.DUPLICATE_EMAIL,
    `${email} already appears in ${describeRef(first)}; this row was skipped`,
  );
}

function invalidDeactivationDate(ref: RecordRef, date: string): RowProblem {
  return rowProblem(
    ref,
    'Deactivation Date',
    RowProblemCode.INVALID_DATE,
    `${date} is not a calendar date; the rest of the row was applied`,
  );
}
