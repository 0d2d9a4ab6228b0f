import { MAX_RECORD_BYTES } from '@roster/contracts';
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

/**
 * R-SAFE-02: the bytes of a user's content as JSON when over `limit` (`MAX_RECORD_BYTES`), else null. The events
 * announcing the user carry it (a `user.updated`: the user, and each changed field before and after), so content over
 * the bound could not be published. Each record entering is bounded, but a user's content can still grow past it:
 * blank fields keep stored values, so custom fields add up over records, and an event directory merges the events of
 * one person in a micro-batch. Counted cheaply first: one character takes at most 6 bytes of JSON (`\u001f`), so
 * content whose text is short enough is under without being serialised — every user but a giant one.
 */
export function contentBytesOver(content: UserContent, limit = MAX_RECORD_BYTES): number | null {
  let chars = 0;
  let entries = 0;
  for (const field of USER_CONTENT_FIELDS) {
    const value = content[field];
    chars += field.length;
    entries++;
    if (typeof value === 'string') chars += value.length;
  }
  const custom = content.customFields;
  for (const label in custom) {
    chars += label.length + (custom[label] ?? '').length;
    entries++;
  }
  // Per entry: its quotes, ':' and ',' (6), and a literal (true, null) in place of a string (5).
  if (chars * 6 + entries * 11 + 2 <= limit) return null;
  const bytes = Buffer.byteLength(JSON.stringify(content));
  return bytes > limit ? bytes : null;
}
