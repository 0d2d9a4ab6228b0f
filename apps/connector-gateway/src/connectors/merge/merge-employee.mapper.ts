import type { Merge } from '@mergeapi/merge-node-client';
import {
  CanonicalEmployee,
  RowProblemCode,
  type CanonicalGroup,
  type CanonicalGroupType,
  type HrisFieldMapping,
  type HrisSourceField,
  type HrisUsernameAttribute,
  type RowProblem,
} from '@roster/contracts';

type Employee = Merge.hris.Employee;

export interface MapOptions {
  /** R-API-04: the attribute that is the user's username (default workEmail: the email is the username). */
  usernameAttribute: HrisUsernameAttribute;
  /** The fetch's date (YYYY-MM-DD, UTC): an inactive employee without a termination date is terminated by then. */
  today: string;
}

const DEFAULT_OPTIONS: MapOptions = { usernameAttribute: 'workEmail', today: new Date().toISOString().slice(0, 10) };

export type MappedEmployee = { employee: CanonicalEmployee; problems: RowProblem[] } | { employee?: undefined; problems: RowProblem[] };

/** Canonical profile fields a mapping can point at; any other target is the label of a custom field. */
export const CANONICAL_TARGETS = ['teams', 'jobTitle', 'department', 'employeeId', 'startDate', 'location', 'displayName'] as const;
type CanonicalTarget = (typeof CANONICAL_TARGETS)[number];
const isCanonicalTarget = (t: string): t is CanonicalTarget => (CANONICAL_TARGETS as readonly string[]).includes(t);

const GROUP_TYPES: readonly CanonicalGroupType[] = ['TEAM', 'DEPARTMENT', 'COST_CENTER', 'BUSINESS_UNIT', 'GROUP'];
const EMAIL = CanonicalEmployee.shape.email;

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
const isoDate = (v: unknown): string | undefined =>
  v instanceof Date && !Number.isNaN(v.getTime()) ? v.toISOString().slice(0, 10) : typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v) ? v.slice(0, 10) : undefined;
const obj = <T extends object>(v: T | string | undefined | null): T | undefined => (v && typeof v === 'object' ? v : undefined);

function groupsOf(e: Employee): CanonicalGroup[] {
  const out: CanonicalGroup[] = [];
  for (const g of e.groups ?? []) {
    const group = obj(g);
    const name = text(group?.name);
    const type = group?.type as CanonicalGroupType | undefined;
    if (group && name && type && GROUP_TYPES.includes(type)) out.push({ ...(group.id ? { externalId: group.id } : {}), name, type });
  }
  return out;
}

/**
 * When the HR system says the person leaves or left, as a deactivation date (the reconciler's deactivation rules
 * then apply: a date today or earlier deactivates in the run, a later one is scheduled for that day):
 * - employment INACTIVE: the termination date, or `today` when the provider gives none or a later one;
 * - otherwise, a termination date still ahead: that day (a notice period). A past termination date on an ACTIVE
 *   or PENDING employee is a rehire's old date and is ignored; with no status at all it is a termination.
 */
export function terminationOf(e: Employee, today: string): string | undefined {
  const date = isoDate(e.terminationDate);
  const status = typeof e.employmentStatus === 'string' ? e.employmentStatus : undefined;
  if (status === 'INACTIVE') return date !== undefined && date <= today ? date : today;
  if (date === undefined) return undefined;
  if (date > today) return date;
  return status === undefined ? date : undefined;
}

/** The value of an optional source field (R-API-03): a string, a list of group names, or nothing. */
export function sourceValue(e: Employee, field: HrisSourceField, groups: CanonicalGroup[]): string | string[] | undefined {
  const names = (type: CanonicalGroupType) => {
    const list = groups.filter((g) => g.type === type).map((g) => g.name);
    return list.length > 0 ? list : undefined;
  };
  switch (field) {
    case 'teamName':
      return text(obj(e.team)?.name);
    case 'teamGroupName':
      return names('TEAM');
    case 'groupGroupName':
      return names('GROUP');
    case 'departmentGroupName':
      return names('DEPARTMENT');
    case 'costCenterGroupName':
      return names('COST_CENTER');
    case 'businessUnitGroupName':
      return names('BUSINESS_UNIT');
    case 'startDate':
      return isoDate(e.startDate);
    case 'birthday':
      return isoDate(e.dateOfBirth);
    case 'personalEmail':
      return text(e.personalEmail)?.toLowerCase();
    case 'mobilePhone':
      return text(e.mobilePhoneNumber);
    case 'employeeNumber':
      return text(e.employeeNumber);
    case 'jobTitle':
      return (e.employments ?? []).map((x) => text(obj(x)?.jobTitle)).find((t) => t !== undefined);
    case 'companyLegalName':
      return text(obj(e.company)?.legalName);
    case 'companyDisplayName':
      return text(obj(e.company)?.displayName);
  }
}

/**
 * One bridge employee → a canonical record (R-API-03). Hard-wired: email ← work email (lower-cased), first and
 * last name. Each switched-on mapping copies its source field to its target; a field the provider does not fill
 * is left out (absent = "the source said nothing", never an error). A record without a usable work email is a
 * problem with its external id; a record deleted in the HR system is skipped (absent from the source).
 * R-API-04: with a username attribute other than the work email, its value is the record's `username` (a record
 * without one travels without it; the reconciler skips it with MISSING_USERNAME). A termination becomes the record's deactivation date (see
 * `terminationOf`).
 */
export function mapMergeEmployee(e: Employee, mappings: readonly HrisFieldMapping[], options: MapOptions = DEFAULT_OPTIONS): MappedEmployee {
  const externalId = text(e.id) ?? text(e.remoteId);
  const where = { ...(externalId ? { externalId } : {}) };
  if (e.remoteWasDeleted) return { problems: [] };
  const email = text(e.workEmail)?.toLowerCase();
  if (!email) return { problems: [{ ...where, field: 'workEmail', code: RowProblemCode.MISSING_EMAIL, message: `employee ${externalId ?? '(no id)'} has no work email; skipped` }] };
  if (!EMAIL.safeParse(email).success) {
    return { problems: [{ ...where, field: 'workEmail', code: RowProblemCode.INVALID_EMAIL, message: `employee ${externalId ?? '(no id)'}: '${email}' is not an email address; skipped` }] };
  }
  const problems: RowProblem[] = [];
  const groups = groupsOf(e);
  const manager = obj(e.manager);
  const managerEmail = text(manager?.workEmail)?.toLowerCase();
  const managerExternalId = manager ? text(manager.id) : text(e.manager as string | undefined);
  // Without a value the record still travels (the reconciler reports MISSING_USERNAME): a person whose username is
  // blank in the HR system is still in the source, so never an orphan of the run.
  const username = options.usernameAttribute === 'workEmail' ? undefined : (sourceValue(e, options.usernameAttribute, []) as string | undefined);
  const deactivationDate = terminationOf(e, options.today);
  const record: CanonicalEmployee = {
    ...(externalId ? { externalId } : {}),
    email,
    ...(username === undefined ? {} : { username }),
    ...(deactivationDate === undefined ? {} : { deactivationDate }),
    firstName: text(e.firstName),
    lastName: text(e.lastName),
    ...(managerEmail && EMAIL.safeParse(managerEmail).success ? { managerEmail } : {}),
    ...(managerExternalId ? { managerExternalId } : {}),
    // R-API-08: an expanded (even empty) groups list is the person's groups; absent or unexpanded ids = unknown.
    ...(Array.isArray(e.groups) && e.groups.every((g) => typeof g === 'object') ? { groups } : {}),
  };
  const custom: Record<string, string> = {};
  for (const { source, target } of mappings) {
    const value = sourceValue(e, source, groups);
    if (value === undefined) continue;
    const joined = Array.isArray(value) ? value.join(', ') : value;
    if (!isCanonicalTarget(target)) {
      custom[target] = joined;
      continue;
    }
    if (target === 'teams') {
      record.teams = [...new Set([...(record.teams ?? []), ...(Array.isArray(value) ? value : [value])])];
    } else if (target === 'startDate') {
      const date = isoDate(joined);
      if (date) record.startDate = date;
      else problems.push({ ...where, field: source, code: RowProblemCode.INVALID_DATE, message: `${source} '${joined}' is not a date; startDate left unchanged` });
    } else {
      record[target] = joined;
    }
  }
  if (Object.keys(custom).length > 0) record.customFields = custom;
  const parsed = CanonicalEmployee.safeParse(record);
  if (parsed.success) return { employee: parsed.data, problems };
  const issue = parsed.error.issues[0];
  return {
    problems: [
      ...problems,
      { ...where, field: issue.path.join('.'), code: RowProblemCode.INVALID_VALUE, message: `employee ${externalId ?? email}: ${issue.path.join('.')}: ${issue.message}; skipped` },
    ],
  };
}
