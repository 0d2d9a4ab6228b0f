// The chaos suite's input: the bench's users file (tools/bench/generate.ts: 20 columns, a manager tree, teams,
// custom fields, placeholders, ~0.6 % bad rows) plus a teams file naming every team of it with a parent, an owner,
// a type and a description, so a run also goes through the teams-file path (batches before the users, R-SFTP-03).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { csv } from '@roster/testing';
import { TEAMS_CSV_STANDARD_LABELS } from '@roster/contracts';
import { GeneratedFile, HEADERS, employeeCells, layout, writeUsersFile } from '../bench/generate';

export interface ChaosFiles {
  users: GeneratedFile;
  /** The teams file: path and how many teams it names. */
  teams: { path: string; teams: number };
}

/**
 * Writes `users.csv` (`rows` data rows, the bench's `reordered` variant when a seed is given so the row order
 * depends on it) and `teams.csv` into `dir`.
 */
export async function writeChaosFiles(dir: string, rows: number, seed: number): Promise<ChaosFiles> {
  const users = await writeUsersFile(join(dir, 'users.csv'), rows, 'reordered', seed);
  const teamsPath = join(dir, 'teams.csv');
  const teams = teamsOf(rows);
  await writeFile(teamsPath, csv(teams, TEAMS_CSV_STANDARD_LABELS));
  return { users, teams: { path: teamsPath, teams: teams.length } };
}

/**
 * Every team named in the users file's `Teams` column, owned by its first member, under a parent team that only
 * the teams file names (created with default values, R-CSV-14): `<Department> Division` or `Guilds`.
 */
export function teamsOf(rows: number): Record<string, string>[] {
  const teamsColumn = HEADERS.indexOf('Teams');
  const departmentColumn = HEADERS.indexOf('Department');
  const emailColumn = HEADERS.indexOf('User Email');
  const teams = new Map<string, { owner: string; parent: string; type: string }>();
  const { employees } = layout(rows);
  for (let i = 0; i < employees; i++) {
    const cells = employeeCells(i);
    const email = cells[emailColumn] ?? '';
    if (!email.includes('@')) continue; // a bad row of the file: never an owner
    for (const name of (cells[teamsColumn] ?? '').split(',').map((t) => t.trim()).filter(Boolean)) {
      if (teams.has(name)) continue;
      const guild = name.startsWith('Guild ');
      teams.set(name, { owner: email, parent: guild ? 'Guilds' : `${cells[departmentColumn]} Division`, type: guild ? 'Guild' : 'Department team' });
    }
  }
  return [...teams].map(([name, t]) => ({
    'Team Name': name,
    'Team Owner': t.owner,
    'Parent Team': t.parent,
    'Team Type': t.type,
    'Team Description': `${name}: ${t.type.toLowerCase()} of ${t.parent}`,
  }));
}
