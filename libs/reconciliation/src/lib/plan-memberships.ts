import { normalizeEmail } from './rows';
import type { MembershipPlan, WantedMemberships } from './team-types';

/**
 * R-CSV-09 (and R-CSV-08 for teams): a user's non-blank `Teams` cell lists exactly the teams they belong to
 * through this directory. `currentOf` gives, per email, the team keys the user is a member of through this
 * directory; memberships through other directories, and users whose cell was blank (R-CSV-07, not in
 * `wanted`), are untouched. Parent teams are not implied. Teams that do not exist are placeholders.
 */
export function planMemberships(
  wanted: readonly WantedMemberships[],
  currentOf: (email: string) => ReadonlySet<string>,
  teamExists: (key: string) => boolean,
): MembershipPlan {
  const plan: MembershipPlan = { placeholders: [], add: [], remove: [] };
  const placeholders = new Map<string, string>();
  const seenEmails = new Set<string>();
  for (const record of wanted) {
    const email = normalizeEmail(record.email);
    if (seenEmails.has(email)) continue;
    seenEmails.add(email);
    const want = new Set<string>();
    for (const team of record.teams) {
      want.add(team.key);
      if (!teamExists(team.key) && !placeholders.has(team.key)) placeholders.set(team.key, team.name);
    }
    const current = currentOf(email);
    for (const key of want) if (!current.has(key)) plan.add.push({ email, key });
    for (const key of current) if (!want.has(key)) plan.remove.push({ email, key });
  }
  plan.placeholders = [...placeholders].map(([key, name]) => ({ key, name }));
  return plan;
}
