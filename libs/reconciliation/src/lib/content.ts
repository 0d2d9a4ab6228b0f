import { USER_CONTENT_FIELDS, type ChangesOf, type FieldChange, type UserChanges, type UserContent } from './types';

/** The UserContent part of a stored or new user (drops id, manager link and hash). */
export function contentOf(user: UserContent): UserContent {
  return {
    email: user.email,
    status: user.status,
    firstName: user.firstName,
    lastName: user.lastName,
    displayName: user.displayName,
    jobTitle: user.jobTitle,
    department: user.department,
    location: user.location,
    employeeId: user.employeeId,
    startDate: user.startDate,
    isOrgAdmin: user.isOrgAdmin,
    customFields: { ...user.customFields },
    sourceDirectoryId: user.sourceDirectoryId,
    externalId: user.externalId,
    deactivateAt: user.deactivateAt,
    username: user.username,
  };
}

/** The fields that differ, each with its before and after value; empty when nothing changed. */
export function diffContent(before: UserContent, after: UserContent): UserChanges {
  const changes: UserChanges = {};
  for (const field of USER_CONTENT_FIELDS) {
    const same =
      field === 'customFields'
        ? sameRecord(before.customFields, after.customFields)
        : before[field] === after[field];
    if (!same) setChange(changes, field, { from: before[field], to: after[field] });
  }
  return changes;
}

function setChange<T, K extends keyof T>(changes: ChangesOf<T>, field: K, change: FieldChange<T[K]>): void {
  changes[field] = change;
}

function sameRecord(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key]);
}
