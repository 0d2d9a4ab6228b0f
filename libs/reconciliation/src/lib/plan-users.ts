import { EMPLOYEE_PROFILE_FIELDS, MAX_RECORD_BYTES, RowProblemCode, type CanonicalEmployee, type RowProblem } from '@roster/contracts';
import { contentBytesOver, contentOf, diffContent } from './content';
import { applyDeactivationDate, isCalendarDate } from './deactivation';
import { userContentHash } from './hash';
import { describeRef, normalizeEmail, present, refOf, rowProblem } from './rows';
import type {
  FieldSequences,
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
  /** R-API-04: the directory's users linked to the chunk's external ids, by external id (API policies). */
  linked: ReadonlyMap<string, StoredUser> = new Map(),
  /**
   * R-API-10: emails an earlier batch of the same run already claimed, with the record that did; a later record
   * with one of them is a DUPLICATE_EMAIL problem, as within a chunk.
   */
  claimedEarlier: ReadonlyMap<string, RecordRef> = new Map(),
  /**
   * R-API-04 with a username attribute other than the work email: the tenant's users with the chunk's usernames
   * (by username), and the usernames an earlier batch of the run claimed.
   */
  byUsername: UsernameMatches = { users: new Map(), claimedEarlier: new Map() },
  /**
   * Issue 4: records known to leave their user as it is (by email, the user's id), because this record applied to
   * this user's content in this context changed nothing before: planned unchanged without their stored user. They
   * still claim their email (a duplicate after them is a problem) and give their manager link.
   */
  knownUnchanged: ReadonlyMap<string, string> = new Map(),
): UserChunkPlan {
  const plan: UserChunkPlan = { operations: [], problems: [], managerLinks: [] };
  const firstSeen = new Map<string, RecordRef>(claimedEarlier);
  const firstUsername = new Map<string, RecordRef>(byUsername.claimedEarlier);
  const matchedIds = new Map<string, RecordRef>();
  for (const record of incoming) {
    const email = normalizeEmail(record.email);
    const ref = refOf(record);
    const first = firstSeen.get(email);
    if (first) {
      plan.problems.push(duplicateEmail(ref, email, first));
      continue;
    }
    firstSeen.set(email, ref);
    const knownId = knownUnchanged.get(email);
    if (knownId !== undefined) {
      const earlier = matchedIds.get(knownId);
      if (earlier) {
        plan.problems.push(duplicateUser(ref, earlier));
        continue;
      }
      matchedIds.set(knownId, ref);
      plan.operations.push({ kind: 'unchanged', ref, userId: knownId, email });
      const link = managerLinkOf(record, email, ref, plan.problems);
      if (link) plan.managerLinks.push(link);
      continue;
    }
    let username: string | null = null;
    if (policy.matchByUsername) {
      const checked = checkUsername(record, ref, firstUsername);
      if ('problem' in checked) {
        plan.problems.push(checked.problem);
        continue;
      }
      username = checked.username;
    }
    const match =
      username === null
        ? matchOf(current, linked, record, email, ref, policy, ctx)
        : matchByUsernameOf(current, linked, byUsername.users, record, email, username, ref, ctx);
    if ('problem' in match) {
      plan.problems.push(match.problem);
      continue;
    }
    const earlier = match.stored && matchedIds.get(match.stored.id);
    if (earlier) {
      plan.problems.push(duplicateUser(ref, earlier));
      continue;
    }
    if (match.stored) matchedIds.set(match.stored.id, ref);
    // R-EVT-02: of an event record, only the fields no newer event has set apply (a crash can deliver it late).
    const versioned = withoutNewerFields(record, match.stored?.fieldSequences ?? {});
    if (versioned.staleTeams) (plan.staleTeams ??= new Set()).add(email);
    if (versioned.staleGroups) (plan.staleGroups ??= new Set()).add(email);
    // A late record keeps the email and the username a newer event gave the user (same external id).
    const plannedEmail = versioned.staleEmail && match.stored ? match.stored.email : email;
    const plannedUsername = versioned.staleUsername && match.stored ? match.stored.username : username;
    const op = planRecord(match.stored, versioned.record, plannedEmail, plannedUsername, ref, policy, ctx, plan.problems, versioned.sequences, versioned.beforeTermination);
    // R-SAFE-02: a user grown past the bound a record may have is that record's problem, not its whole run's.
    const oversized = op.kind === 'unchanged' ? null : contentBytesOver(op.kind === 'create' ? op.user : op.next);
    if (oversized !== null) {
      plan.problems.push(tooLarge(ref, plannedEmail, oversized, op.kind === 'create'));
      continue;
    }
    plan.operations.push(op);
    const link = managerLinkOf(versioned.record, plannedEmail, ref, plan.problems);
    if (link) plan.managerLinks.push(link);
  }
  return plan;
}

/**
 * R-API-04: the user a record is about — the directory's user linked to its external id (API policies), else the
 * user with its email. An anonymized user is never matched (R-API-07): the person becomes a new user.
 */
function matchOf(
  current: ReadonlyMap<string, StoredUser>,
  linked: ReadonlyMap<string, StoredUser>,
  record: CanonicalEmployee,
  email: string,
  ref: RecordRef,
  policy: UserPolicy,
  ctx: PlanContext,
): { stored: StoredUser | undefined } | { problem: RowProblem } {
  const externalId = present(record.externalId);
  const byLink = policy.matchByExternalId && externalId !== undefined ? linked.get(externalId) : undefined;
  const linkedUser = byLink && byLink.status !== 'anonymized' && byLink.sourceDirectoryId === ctx.directoryId ? byLink : undefined;
  const byEmail = current.get(email);
  if (byEmail?.status === 'anonymized') {
    // Anonymization replaces the email; one that still holds it would collide with the new user.
    return { problem: rowProblem(ref, 'User Email', RowProblemCode.EMAIL_TAKEN, `${email} belongs to an anonymized user; this record was skipped`) };
  }
  if (linkedUser && byEmail && byEmail.id !== linkedUser.id) {
    const message = `${email} already belongs to another user; the email change of ${describeRef(ref)} was not applied and the record was skipped`;
    return { problem: rowProblem(ref, 'User Email', RowProblemCode.EMAIL_TAKEN, message) };
  }
  if (policy.matchByExternalId && !linkedUser && byEmail && byEmail.sourceDirectoryId !== null && byEmail.sourceDirectoryId !== ctx.directoryId) {
    // R-API-10: the work email is one identity per tenant, owned by one directory; an API source never takes over
    // (nor overwrites the external id of) another directory's user.
    const message = `${email} belongs to a user of another directory; ${describeRef(ref)} was skipped`;
    return { problem: rowProblem(ref, 'User Email', RowProblemCode.EMAIL_TAKEN, message) };
  }
  return { stored: linkedUser ?? byEmail };
}

export interface UsernameMatches {
  /** The tenant's users with the chunk's usernames, keyed by username. */
  users: ReadonlyMap<string, StoredUser>;
  /** Usernames a record of an earlier batch of the run claimed, with that record. */
  claimedEarlier: ReadonlyMap<string, RecordRef>;
}

/** Usernames compare like emails when they are one (personal email), and exactly otherwise (employee number). */
export function normalizeUsername(username: string): string {
  const trimmed = username.trim();
  return trimmed.includes('@') ? trimmed.toLowerCase() : trimmed;
}

/** R-API-04: a record of a username-matched directory must carry one username, not claimed by another record. */
function checkUsername(record: CanonicalEmployee, ref: RecordRef, firstSeen: Map<string, RecordRef>): { username: string } | { problem: RowProblem } {
  const raw = present(record.username);
  if (raw === undefined) {
    const message = `${describeRef(ref)} has no value for the directory's username attribute; it was skipped`;
    return { problem: rowProblem(ref, 'Username', RowProblemCode.MISSING_USERNAME, message) };
  }
  const username = normalizeUsername(raw);
  const first = firstSeen.get(username);
  if (first) {
    const message = `username ${username} already appears in ${describeRef(first)}; this record was skipped`;
    return { problem: rowProblem(ref, 'Username', RowProblemCode.DUPLICATE_USERNAME, message) };
  }
  firstSeen.set(username, ref);
  return { username };
}

/**
 * R-API-04 with a username attribute: the directory's user linked to the record's external id, else the tenant's
 * user with its username, else a user with its email who has no username yet (a user the directory adopts: one
 * created before the attribute was chosen, or a local user). The username is one identity per tenant: another
 * directory's user with it is a USERNAME_TAKEN problem; the email stays one user per tenant
 * (R-API-10): an email held by another user than the matched one is EMAIL_TAKEN.
 */
function matchByUsernameOf(
  current: ReadonlyMap<string, StoredUser>,
  linked: ReadonlyMap<string, StoredUser>,
  byUsername: ReadonlyMap<string, StoredUser>,
  record: CanonicalEmployee,
  email: string,
  username: string,
  ref: RecordRef,
  ctx: PlanContext,
): { stored: StoredUser | undefined } | { problem: RowProblem } {
  const externalId = present(record.externalId);
  const byLink = externalId !== undefined ? linked.get(externalId) : undefined;
  const linkedUser = byLink && byLink.status !== 'anonymized' && byLink.sourceDirectoryId === ctx.directoryId ? byLink : undefined;
  // An anonymized user is never matched (R-API-07): the person becomes a new user, with the username.
  const candidate = byUsername.get(username);
  const named = candidate?.status === 'anonymized' ? undefined : candidate;
  if (named && named.id !== linkedUser?.id && named.sourceDirectoryId !== null && named.sourceDirectoryId !== ctx.directoryId) {
    const message = `username ${username} belongs to a user of another directory; ${describeRef(ref)} was skipped`;
    return { problem: rowProblem(ref, 'Username', RowProblemCode.USERNAME_TAKEN, message) };
  }
  if (linkedUser && named && named.id !== linkedUser.id) {
    const message = `username ${username} already belongs to another user; the username change of ${describeRef(ref)} was not applied and the record was skipped`;
    return { problem: rowProblem(ref, 'Username', RowProblemCode.USERNAME_TAKEN, message) };
  }
  const byEmail = current.get(email);
  const adoptable =
    byEmail && byEmail.status !== 'anonymized' && byEmail.username === null && (byEmail.sourceDirectoryId === null || byEmail.sourceDirectoryId === ctx.directoryId)
      ? byEmail
      : undefined;
  const stored = linkedUser ?? named ?? adoptable;
  if (byEmail && byEmail.id !== stored?.id) {
    const message = `${email} already belongs to another user; ${describeRef(ref)} (username ${username}) was skipped`;
    return { problem: rowProblem(ref, 'User Email', RowProblemCode.EMAIL_TAKEN, message) };
  }
  return { stored };
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
  username: string | null,
  ref: RecordRef,
  policy: UserPolicy,
  ctx: PlanContext,
  problems: RowProblem[],
  /** R-EVT-02: the user's field sequences once this event record is applied (event records only). */
  sequences?: FieldSequences,
  /** R-EVT-02: the record is older than the event that set the user's deactivation: it restores nobody. */
  beforeTermination = false,
): UserOperation {
  if (!stored) {
    const content = merge({ ...defaultContent(email, policy, ctx), username }, record, true, ref, policy, ctx, problems);
    return { kind: 'create', ref, user: { ...content, managerEmail: null, contentHash: userContentHash(content), ...(sequences === undefined ? {} : { fieldSequences: sequences }) } };
  }
  const before = contentOf(stored);
  // A local user synced by a directory becomes owned by it (R-DIR-05); another directory's user keeps its owner.
  // The email is the record's: a user matched by external id takes the new one (R-API-04).
  const base = { ...before, email, sourceDirectoryId: before.sourceDirectoryId ?? ctx.directoryId, username: username ?? before.username };
  const terminated = present(record.deactivationDate) !== undefined && String(record.deactivationDate) < ctx.now.toISOString().slice(0, 10);
  if (policy.restoreStatus !== null && !terminated && !beforeTermination && base.sourceDirectoryId === ctx.directoryId && (before.status === 'inactive' || before.status === 'deleted')) {
    base.status = policy.restoreStatus; // R-API-07 with R-API-05
    // R-EVT-02: the restore decides the user's state as of this event: a termination published before it, delivered
    // late, no longer deactivates.
    if (sequences !== undefined && record.sourceSequence !== undefined) {
      sequences['deactivationDate'] = Math.max(sequences['deactivationDate'] ?? -1, record.sourceSequence, ...Object.values(record.fieldSequences ?? {}));
    }
  }
  const after = merge(base, record, false, ref, policy, ctx, problems);
  const changes = diffContent(before, after);
  if (Object.keys(changes).length === 0) {
    const moved = sequences !== undefined && !sameSequences(sequences, stored.fieldSequences ?? {});
    return moved ? { kind: 'unchanged', ref, userId: stored.id, email, fieldSequences: sequences } : { kind: 'unchanged', ref, userId: stored.id, email };
  }
  const next: StoredUser = { ...stored, ...after, contentHash: userContentHash(after), ...(sequences === undefined ? {} : { fieldSequences: sequences }) };
  return { kind: 'update', ref, userId: stored.id, email, changes, next };
}

/** The record fields an event can set, each versioned by the sequence of the event that last set it (R-EVT-02). */
const VERSIONED_FIELDS = [
  'externalId',
  'username',
  'firstName',
  'lastName',
  'displayName',
  'managerEmail',
  'managerExternalId',
  'teams',
  'groups',
  'isOrgAdmin',
  'deactivationDate',
  'jobTitle',
  'department',
  'location',
  'employeeId',
  'startDate',
] as const satisfies readonly (keyof CanonicalEmployee)[];

function isSet(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return present(value) !== undefined;
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

/**
 * R-EVT-02: an event record without the fields a newer event already set on the user (the user's field
 * sequences say which event set each field), and the user's field sequences once it is applied. A record with no
 * sequence (a file, an API) is returned as it is. Absent fields keep the stored value (R-CSV-07), so an event
 * delivered late — after a crash, behind newer events — still sets what no newer event said, and undoes nothing.
 */
export function withoutNewerFields(
  record: CanonicalEmployee,
  stored: FieldSequences,
): { record: CanonicalEmployee; sequences?: FieldSequences; staleTeams?: true; staleGroups?: true; staleEmail?: true; staleUsername?: true; beforeTermination?: boolean } {
  const sequence = record.sourceSequence;
  if (sequence === undefined) return { record };
  // Each field's event: a merged record lists them; otherwise every field came from the record's one event.
  const of = (field: string) => record.fieldSequences?.[field] ?? sequence;
  const newer = (field: string) => (stored[field] ?? -1) > of(field);
  const kept: Record<string, unknown> = { ...record };
  const sequences: FieldSequences = { ...stored };
  const out: { staleTeams?: true; staleGroups?: true; staleEmail?: true; staleUsername?: true } = {};
  for (const field of VERSIONED_FIELDS) {
    if (!isSet(record[field])) continue;
    if (newer(field)) {
      delete kept[field];
      if (field === 'teams') out.staleTeams = true;
      if (field === 'groups') out.staleGroups = true;
      if (field === 'username') out.staleUsername = true;
    } else {
      sequences[field] = of(field);
    }
  }
  // The email is the record's key (R-CSV-05) and always there; a newer event's email change (same external id) wins.
  if (newer('email')) out.staleEmail = true;
  else sequences['email'] = of('email');
  if (record.customFields !== undefined) {
    const custom: Record<string, string> = {};
    for (const [label, value] of Object.entries(record.customFields)) {
      const key = `customFields.${label}`;
      if (!isSet(value) || newer(key)) continue;
      custom[label] = value;
      sequences[key] = of(key);
    }
    kept['customFields'] = custom;
  }
  // A termination newer than every field of this record (an upsert delivered late) restores nobody.
  const latest = Math.max(sequence, ...Object.values(record.fieldSequences ?? {}));
  const beforeTermination = (stored['deactivationDate'] ?? -1) > latest;
  delete kept['fieldSequences'];
  return { record: kept as CanonicalEmployee, sequences, beforeTermination, ...out };
}

function sameSequences(a: FieldSequences, b: FieldSequences): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

function defaultContent(email: string, policy: UserPolicy, ctx: PlanContext): UserContent {
  return erasedContent(email, policy.newUserStatus, ctx.directoryId);
}

/**
 * A user's content with nothing personal in it: the email, status and owning directory alone. What a user the run
 * creates starts from (default values, R-CSV-08), and what an anonymized user is left with (R-API-07).
 */
export function erasedContent(email: string, status: UserContent['status'], sourceDirectoryId: string | null): UserContent {
  return {
    email,
    status,
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
    sourceDirectoryId,
    externalId: null,
    deactivateAt: null,
    username: null,
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

/**
 * R-SAFE-02: the record would make its user's content `bytes` of JSON, over what a record may have: its events could not
 * be published. The user stays as stored; the message says what is counted, so the source can be put right.
 */
function tooLarge(ref: RecordRef, email: string, bytes: number, creates: boolean): RowProblem {
  const what = creates ? `the user this record creates (${email}) would be` : `with this record, ${email} would be`;
  return {
    ...refOf(ref),
    code: RowProblemCode.RECORD_TOO_LARGE,
    message:
      `${what} ${bytes} bytes of JSON, over the ${MAX_RECORD_BYTES} a user may have (the events announcing it must fit on the bus); ` +
      `custom fields a record leaves blank keep their stored values and count too; the record was skipped${creates ? '' : ', the user is as it was'}`,
  };
}

function duplicateUser(ref: RecordRef, earlier: RecordRef): RowProblem {
  return rowProblem(ref, 'External Id', RowProblemCode.DUPLICATE_EXTERNAL_ID, `this record names the same user as ${describeRef(earlier)}; it was skipped`);
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
