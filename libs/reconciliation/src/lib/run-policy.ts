import type { DirectoryType, FetchMode, SyncPolicy } from '@roster/contracts';
import { DEFAULT_SAFEGUARD, userPolicyOf } from './api-policy';
import type { SafeguardThreshold, UserPolicy } from './types';

/**
 * The planner's policy for one run, from what its completion carries: the directory's sync policy (or the CSV
 * rules with the file directory's R-SAFE-01 threshold) — and for an `event` directory (R-EVT-02) the rules of a
 * micro-batch, whatever policy it carries: a micro-batch is not a snapshot of the source, so nobody is an orphan
 * of it (R-API-06 never applies), and a termination dated today or earlier takes effect now (the CSV's 24-hour
 * grace of R-CSV-10 is for files that may be re-dropped). R-SAFE-01 guards every full and incremental run of a
 * file or API directory — orphans and the terminations its records state — but not an event run: its records
 * cannot wait for a decision without being applied out of order behind the directory's later events.
 */
export function runUserPolicyOf(run: { directoryType: DirectoryType; policy?: SyncPolicy; fetch?: FetchMode; safeguard?: SafeguardThreshold }): UserPolicy {
  const policy = run.policy === undefined ? { ...userPolicyOf(undefined), safeguard: run.safeguard ?? DEFAULT_SAFEGUARD } : userPolicyOf(run.policy);
  // R-API-02: an incremental fetch holds only the records changed since the last one: nobody is its orphan.
  if (run.fetch === 'incremental' && run.directoryType !== 'event') return { ...policy, orphans: 'ignore' };
  if (run.directoryType !== 'event') return policy;
  // Events carry no username (their schema's key is the email): an event directory matches by email.
  return { ...policy, orphans: 'ignore', safeguard: null, pastDeactivationDelayMs: 0, matchByUsername: false };
}
