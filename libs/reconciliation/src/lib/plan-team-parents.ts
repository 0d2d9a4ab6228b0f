import { TeamProblemCode, type RowProblem } from '@roster/contracts';
import { rowProblem } from './rows';
import type { ParentChange, ParentLink, ParentPlan } from './team-types';

/**
 * Phase 2 for teams (R-CSV-08, R-CSV-15): which parent links to apply once every team of the file exists.
 * `exists` answers for team keys of the tenant after phase 1; `currentParentOf` gives each team's current
 * parent key. Links are tried in order on "current links with the links accepted so far"; a link whose parent
 * chain leads back to the team would make it its own ancestor and is refused (TEAM_CYCLE). Refused links are
 * retried until nothing changes. The graph stays acyclic at every step; nothing is unlinked. A parent that
 * does not exist is created with default values (a placeholder) and linked.
 */
export function planTeamParents(
  links: readonly ParentLink[],
  exists: (key: string) => boolean,
  currentParentOf: (key: string) => string | null,
): ParentPlan {
  const accepted = new Map<string, string>();
  const parentOf = (key: string): string | null => accepted.get(key) ?? currentParentOf(key);
  const tryLink = (link: ParentLink): boolean => {
    if (chainFrom(link.parentKey, link.key, parentOf).closesLoop) return false;
    accepted.set(link.key, link.parentKey);
    return true;
  };
  const wanted = firstPerTeam(links);
  let refused = wanted.filter((link) => !tryLink(link));
  for (let progress = true; progress; ) {
    const still = refused.filter((link) => !tryLink(link));
    progress = still.length < refused.length;
    refused = still;
  }
  const problems: RowProblem[] = refused.map((link) => teamCycle(link, chainFrom(link.parentKey, link.key, parentOf).path));

  const placeholders = new Map<string, string>();
  const setParent: ParentChange[] = [];
  for (const link of wanted) {
    if (!accepted.has(link.key)) continue;
    if (!exists(link.parentKey) && !placeholders.has(link.parentKey)) placeholders.set(link.parentKey, link.parentName);
    const previousParentKey = currentParentOf(link.key);
    if (previousParentKey !== link.parentKey) setParent.push({ key: link.key, parentKey: link.parentKey, previousParentKey });
  }
  return { placeholders: [...placeholders].map(([key, name]) => ({ key, name })), setParent, problems };
}

function firstPerTeam(links: readonly ParentLink[]): ParentLink[] {
  const seen = new Set<string>();
  return links.filter((link) => link.key !== link.parentKey && !seen.has(link.key) && seen.add(link.key));
}

function chainFrom(start: string, target: string, parentOf: (key: string) => string | null): { closesLoop: boolean; path: string[] } {
  const path: string[] = [];
  const seen = new Set<string>();
  for (let key: string | null = start; key !== null && !seen.has(key); key = parentOf(key)) {
    path.push(key);
    if (key === target) return { closesLoop: true, path };
    seen.add(key);
  }
  return { closesLoop: false, path };
}

function teamCycle(link: ParentLink, path: string[]): RowProblem {
  const loop = [link.key, ...path];
  const shown = loop.length > 8 ? [...loop.slice(0, 4), '…', ...loop.slice(-3)] : loop;
  return rowProblem(
    link,
    'Parent Team',
    TeamProblemCode.TEAM_CYCLE,
    `${link.parentName} as parent of ${link.name} would make ${link.name} its own ancestor (${shown.join(' → ')}); the parent was not changed`,
  );
}
