import { RowProblemCode, type RowProblem } from '@roster/contracts';
import { describeRef, normalizeEmail, rowProblem } from './rows';
import type { EmailSet, ManagerChange, ManagerLink, ManagerLookup, ManagerPlan, RecordRef } from './types';

/**
 * Phase 2 of a run (R-CSV-08, R-CSV-13, R-CSV-15): which of the requested manager links to apply, once every
 * user of the run exists. `known` answers for the emails of existing users; `currentManagerOf` gives the
 * current link of any user on a requested manager's chain (a subset loaded with a recursive query is enough).
 *
 * Links are tried in order on the graph "current links, with the links accepted so far"; a link whose manager
 * chain leads back to the user would close a loop and is refused. Refused links are retried until nothing
 * changes, because a user further down may have moved away from the loop. The graph stays loop-free at every
 * step, and every refused link would still close a loop in the result. Nothing is unlinked.
 */
export function planManagerLinks(
  links: readonly ManagerLink[],
  known: EmailSet,
  currentManagerOf: ManagerLookup,
): ManagerPlan {
  const problems: RowProblem[] = [];
  const accepted = new Map<string, string>();
  const managerOf = (email: string): string | null => accepted.get(email) ?? currentManagerOf.get(email) ?? null;
  const tryLink = (link: ManagerLink): boolean => {
    if (chainFrom(link.managerEmail, link.email, managerOf).closesLoop) return false;
    accepted.set(link.email, link.managerEmail);
    return true;
  };

  const wanted = wantedManagerLinks(links, problems);
  let refused = wanted.filter((link) => !tryLink(link));
  let progress = true;
  while (progress) {
    const stillRefused = refused.filter((link) => !tryLink(link));
    progress = stillRefused.length < refused.length;
    refused = stillRefused;
  }
  for (const link of refused) {
    problems.push(managerLoop(link, chainFrom(link.managerEmail, link.email, managerOf).path));
  }

  const placeholders = new Set<string>();
  const setManager: ManagerChange[] = [];
  for (const { email, managerEmail } of wanted) {
    if (!accepted.has(email)) continue;
    if (!known.has(managerEmail)) placeholders.add(managerEmail);
    const previousManagerEmail = currentManagerOf.get(email) ?? null;
    if (previousManagerEmail !== managerEmail) setManager.push({ email, managerEmail, previousManagerEmail });
  }
  return { placeholders: [...placeholders], setManager, problems };
}

/**
 * Normalised links, one per user (the first wins), without self-links; the duplicates and self-links become
 * problems. A user's outcome depends only on that user's own links, so any subset that holds all the links of
 * its users gives the same answer for them (the reconciler runs it on the few users with more than one link).
 */
export function wantedManagerLinks(links: readonly ManagerLink[], problems: RowProblem[]): ManagerLink[] {
  const firstSeen = new Map<string, RecordRef>();
  const wanted: ManagerLink[] = [];
  for (const link of links) {
    const email = normalizeEmail(link.email);
    const managerEmail = normalizeEmail(link.managerEmail);
    const first = firstSeen.get(email);
    if (first) {
      const message = `${email} already appears in ${describeRef(first)}; this row's manager was not applied`;
      problems.push(rowProblem(link, 'User Email', RowProblemCode.DUPLICATE_EMAIL, message));
      continue;
    }
    firstSeen.set(email, link);
    if (email === managerEmail) {
      const message = `${email} cannot be their own manager; the rest of the row was applied`;
      problems.push(rowProblem(link, 'Manager Email', RowProblemCode.SELF_MANAGER, message));
    } else {
      wanted.push({ ...link, email, managerEmail });
    }
  }
  return wanted;
}

/** Follows managers from `start`; closesLoop when the chain reaches `target`. Stops on an old loop too. */
function chainFrom(
  start: string,
  target: string,
  managerOf: (email: string) => string | null,
): { closesLoop: boolean; path: string[] } {
  const path: string[] = [];
  const seen = new Set<string>();
  for (let email: string | null = start; email !== null && !seen.has(email); email = managerOf(email)) {
    path.push(email);
    if (email === target) return { closesLoop: true, path };
    seen.add(email);
  }
  return { closesLoop: false, path };
}

function managerLoop(link: ManagerLink, path: string[]): RowProblem {
  const loop = [link.email, ...path];
  const shown = loop.length > 8 ? [...loop.slice(0, 4), '…', ...loop.slice(-3)] : loop;
  const message =
    `${link.managerEmail} as manager of ${link.email} would make a manager loop (${shown.join(' → ')}); ` +
    'the manager was not changed';
  return rowProblem(link, 'Manager Email', RowProblemCode.MANAGER_LOOP, message);
}
