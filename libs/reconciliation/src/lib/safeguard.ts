import type { SafeguardThreshold } from './types';

export interface SafeguardDecision {
  held: boolean;
  /** Users the run would deactivate or delete. */
  removals: number;
  /** Active users of the directory before the run (the base of the percentage). */
  directoryUsers: number;
}

/**
 * R-SAFE-01: a run that would deactivate or delete more users than the directory's threshold is held for an
 * admin's approval. Either threshold holds it: more than `count` users, or more than `percent` % of the
 * directory's active users (Entra's count and Okta's 20 % both protect; the stricter wins). A run removing
 * nobody is never held; `count: 0` holds any removal; a null threshold never holds.
 */
export function checkSafeguard(removals: number, directoryUsers: number, threshold: SafeguardThreshold | null): SafeguardDecision {
  const over = threshold !== null && removals > 0 && (removals > threshold.count || removals * 100 > threshold.percent * directoryUsers);
  return { held: over, removals, directoryUsers };
}
