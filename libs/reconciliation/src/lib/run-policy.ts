import type { DirectoryType, FetchMode, SyncPolicy } from '@roster/contracts';
import { userPolicyOf } from './api-policy';
import type { UserPolicy } from './types';

/**
 * The planner's policy for one run, from what its completion carries: the directory's sync policy (or the CSV
 * rules) — and for an `event` directory (R-EVT-02) the rules of a micro-batch, whatever policy it carries: a
 * micro-batch is not a snapshot of the source, so nobody is an orphan of it (R-API-06 never applies, nor the
 * safeguard that guards orphan removals), and a termination dated today or earlier takes effect now (the CSV's
 * 24-hour grace of R-CSV-10 is for files that may be re-dropped).
 */
export function runUserPolicyOf(run: { directoryType: DirectoryType; policy?: SyncPolicy; fetch?: FetchMode }): UserPolicy {
  const policy = userPolicyOf(run.policy);
  // R-API-02: an incremental fetch holds only the records changed since the last one: nobody is its orphan.
  if (run.fetch === 'incremental' && run.directoryType !== 'event') return { ...policy, orphans: 'ignore', safeguard: null };
  if (run.directoryType !== 'event') return policy;
  // Events carry no username (their schema's key is the email): an event directory matches by email.
  return { ...policy, orphans: 'ignore', safeguard: null, pastDeactivationDelayMs: 0, matchByUsername: false };
}
