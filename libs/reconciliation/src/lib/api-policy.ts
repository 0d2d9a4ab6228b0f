import type { SyncPolicy } from '@roster/contracts';
import { CSV_USER_POLICY, type UserPolicy } from './types';

/** Okta's import safeguard default (PITFALLS "Safeguards"), for an API policy written without thresholds. */
export const DEFAULT_SAFEGUARD = Object.freeze({ count: 50, percent: 20 });

/**
 * The planner's policy for a run: an API directory's sync policy (R-API-04..07, R-SAFE-01) as data, or the
 * file-source rules when the run carries none (CSV directories; runs written before policies travelled).
 * R-API-04's username attribute: work email is the match key the canonical record carries (`email`); the other
 * attributes are not matched on yet (see the README).
 */
export function userPolicyOf(sync: SyncPolicy | undefined): UserPolicy {
  if (sync === undefined) return CSV_USER_POLICY;
  return {
    newUserStatus: sync.activateUsers ? 'active' : 'inactive',
    pastDeactivationDelayMs: CSV_USER_POLICY.pastDeactivationDelayMs,
    matchByExternalId: true,
    restoreStatus: sync.restore ? (sync.activateUsers ? 'active' : 'inactive') : null,
    orphans: sync.orphans,
    safeguard: sync.safeguard ?? DEFAULT_SAFEGUARD,
  };
}
