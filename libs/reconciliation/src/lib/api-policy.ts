import type { SyncPolicy } from '@roster/contracts';
import { CSV_USER_POLICY, type UserPolicy } from './types';

/** Okta's import safeguard default (PITFALLS "Safeguards"), for an API policy written without thresholds. */
export const DEFAULT_SAFEGUARD = Object.freeze({ count: 50, percent: 20 });

/**
 * The planner's policy for a run: an API directory's sync policy (R-API-04..07, R-SAFE-01) as data, or the
 * file-source rules when the run carries none (CSV directories; runs written before policies travelled).
 * R-API-04's username attribute: with work email (the default) the record's email is the match key; with another
 * attribute the connector puts its value in the record's `username` and users are matched by it.
 * A termination the HR system states (a past termination date, an inactive employment) deactivates in the run
 * that sees it: no 24-hour delay as for a file's past deactivation date (R-CSV-10).
 */
export function userPolicyOf(sync: SyncPolicy | undefined): UserPolicy {
  if (sync === undefined) return CSV_USER_POLICY;
  return {
    newUserStatus: sync.activateUsers ? 'active' : 'inactive',
    pastDeactivationDelayMs: 0,
    matchByExternalId: true,
    matchByUsername: sync.usernameAttribute !== 'workEmail',
    restoreStatus: sync.restore ? (sync.activateUsers ? 'active' : 'inactive') : null,
    orphans: sync.orphans,
    safeguard: sync.safeguard ?? DEFAULT_SAFEGUARD,
  };
}
