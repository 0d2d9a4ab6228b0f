import { hash } from 'node:crypto';
import { USER_CONTENT_FIELDS, type UserContent } from './types';

/** Bump when the hashed layout changes. */
const HASH_VERSION = 1;

/**
 * A stable fingerprint of everything a source can set on a user (UserContent). Fields go in a fixed order
 * and custom fields sorted by key, so the hash does not depend on how an object was built.
 */
export function userContentHash(content: UserContent): string {
  // A null username (the email is the username) is left out, so users hashed before usernames existed keep
  // their hash and a re-sync of them writes nothing.
  const fields = content.username === null ? USER_CONTENT_FIELDS.filter((f) => f !== 'username') : USER_CONTENT_FIELDS;
  const values = fields.map((field) => (field === 'customFields' ? sortedEntries(content.customFields) : content[field]));
  return hash('sha256', JSON.stringify([HASH_VERSION, ...values]));
}

function sortedEntries(record: Record<string, string>): [string, string][] {
  return Object.keys(record)
    .sort()
    .map((key): [string, string] => [key, record[key] as string]);
}
