// A tenant's directory as canonical text, comparable across tenants and databases: every id replaced by the
// natural key it stands for (user → email, team → name key, group → external id, the directory, the run), every
// row one sorted line. Two directories are equal when their lines are.
import { createHash } from 'node:crypto';
import type { Pool } from 'pg';

export interface DirectoryDump {
  /** Sorted canonical lines: `user …`, `team …`, `membership …`, `field …`, `group …`, `group-member …`, `problem …`. */
  lines: string[];
  digest: string;
  counts: Record<'users' | 'teams' | 'memberships' | 'customFields' | 'groups' | 'groupMembers' | 'problems', number>;
  /** Every id of the tenant's directory → the key it stands for; used to canonicalize events the same way. */
  ids: Map<string, string>;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** JSON with object keys sorted at every level: equal values, equal text. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** Replaces every UUID inside a string or structure by the key `ids` knows for it, else `uuid:?`. */
export function replaceIds<T>(value: T, ids: ReadonlyMap<string, string>): T {
  if (typeof value === 'string') return value.replace(UUID, (id) => ids.get(id.toLowerCase()) ?? 'uuid:?') as T;
  if (Array.isArray(value)) return value.map((v) => replaceIds(v, ids)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, replaceIds(v, ids)])) as T;
  }
  return value;
}

/**
 * Reads the tenant's users (every column but ids, hashes — the content hash, and the source digest, which is of the
 * run's directory — and timestamps, with the manager's email), teams (parent
 * and owner by name and email), memberships, custom field definitions, groups and group memberships, and the
 * problems of the given runs, from the reconciler's schema.
 */
export async function dumpDirectory(pool: Pool, tenantId: string, o: { directoryIds: string[]; runIds: string[] }): Promise<DirectoryDump> {
  const ids = new Map<string, string>();
  for (const id of o.directoryIds) ids.set(id, 'directory');
  for (const id of o.runIds) ids.set(id, 'run');
  const lines: string[] = [];
  const q = async <R extends Record<string, unknown>>(text: string, params: unknown[] = [tenantId]) => (await pool.query<R>(text, params)).rows;

  const users = await q<{ id: string; email: string; manager: string | null; fields: Record<string, unknown> }>(
    `select u.id, u.email, m.email as manager,
            to_jsonb(u) - array['id', 'tenant_id', 'manager_id', 'content_hash', 'field_sequences', 'source_digest', 'created_at', 'updated_at'] as fields
       from reconciler.users u left join reconciler.users m on m.id = u.manager_id
      where u.tenant_id = $1`,
  );
  for (const u of users) ids.set(u.id, `user:${u.email}`);
  const teams = await q<{ id: string; name_key: string; parent: string | null; owner: string | null; fields: Record<string, unknown> }>(
    `select t.id, t.name_key, p.name_key as parent, o.email as owner,
            to_jsonb(t) - array['id', 'tenant_id', 'parent_team_id', 'owner_user_id', 'created_at', 'updated_at'] as fields
       from reconciler.teams t left join reconciler.teams p on p.id = t.parent_team_id left join reconciler.users o on o.id = t.owner_user_id
      where t.tenant_id = $1`,
  );
  for (const t of teams) ids.set(t.id, `team:${t.name_key}`);
  const groups = await q<{ id: string; external_id: string; fields: Record<string, unknown> }>(
    `select g.id, g.external_id, to_jsonb(g) - array['id', 'tenant_id', 'created_at', 'updated_at'] as fields
       from reconciler.directory_groups g where g.tenant_id = $1`,
  );
  for (const g of groups) ids.set(g.id, `group:${g.external_id}`);

  // Keys first, then the rows with their remaining ids (source directory, run) replaced.
  for (const u of users) lines.push(`user ${u.email} ${stableJson(replaceIds({ ...u.fields, manager: u.manager }, ids))}`);
  for (const t of teams) lines.push(`team ${t.name_key} ${stableJson(replaceIds({ ...t.fields, parent: t.parent, owner: t.owner }, ids))}`);
  for (const g of groups) lines.push(`group ${g.external_id} ${stableJson(replaceIds(g.fields, ids))}`);
  const memberships = await q<{ user: string | null; team: string | null; directory: string }>(
    `select u.email as "user", t.name_key as team, m.source_directory_id as directory
       from reconciler.team_memberships m left join reconciler.users u on u.id = m.user_id left join reconciler.teams t on t.id = m.team_id
      where m.tenant_id = $1`,
  );
  for (const m of memberships) lines.push(`membership ${m.team ?? 'team:?'} ${m.user ?? 'user:?'} ${replaceIds(m.directory, ids)}`);
  const groupMembers = await q<{ user: string | null; group: string | null }>(
    `select u.email as "user", g.external_id as "group"
       from reconciler.group_memberships m left join reconciler.users u on u.id = m.user_id left join reconciler.directory_groups g on g.id = m.group_id
      where m.tenant_id = $1`,
  );
  for (const m of groupMembers) lines.push(`group-member ${m.group ?? 'group:?'} ${m.user ?? 'user:?'}`);
  const fields = await q<{ label: string; type: string; run: string | null }>(
    `select label, type, created_by_run_id as run from reconciler.custom_field_definitions where tenant_id = $1`,
  );
  for (const f of fields) lines.push(`field ${stableJson(replaceIds(f, ids))}`);
  const problems = o.runIds.length
    ? await q<{ row_number: number | null; external_id: string | null; field: string | null; code: string; message: string }>(
        `select row_number, external_id, field, code, message from reconciler.run_problems where tenant_id = $1 and run_id = any($2::uuid[])`,
        [tenantId, o.runIds],
      )
    : [];
  for (const p of problems) lines.push(`problem ${stableJson(replaceIds(p, ids))}`);

  lines.sort();
  const digest = createHash('sha256').update(lines.join('\n')).digest('hex');
  return {
    lines,
    digest,
    counts: {
      users: users.length,
      teams: teams.length,
      memberships: memberships.length,
      customFields: fields.length,
      groups: groups.length,
      groupMembers: groupMembers.length,
      problems: problems.length,
    },
    ids,
  };
}

export interface DumpDiff {
  equal: boolean;
  /** Lines only the reference has / only the other has (counts per kind), and the first few of each. */
  missing: Record<string, number>;
  extra: Record<string, number>;
  samples: string[];
}

/** Compares two sorted dumps line by line (a merge walk, no copies of the lines). */
export function diffDumps(reference: DirectoryDump, other: DirectoryDump, maxSamples = 12): DumpDiff {
  const missing: Record<string, number> = {};
  const extra: Record<string, number> = {};
  const samples: string[] = [];
  const a = reference.lines;
  const b = other.lines;
  const note = (into: Record<string, number>, sign: string, line: string) => {
    const kind = line.slice(0, line.indexOf(' '));
    into[kind] = (into[kind] ?? 0) + 1;
    if (samples.length < maxSamples) samples.push(`${sign} ${line.length > 400 ? `${line.slice(0, 400)}…` : line}`);
  };
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (x !== undefined && x === y) {
      i++;
      j++;
    } else if (y === undefined || (x !== undefined && x < y)) {
      note(missing, '-', x as string);
      i++;
    } else {
      note(extra, '+', y);
      j++;
    }
  }
  return { equal: reference.digest === other.digest && Object.keys(missing).length === 0 && Object.keys(extra).length === 0, missing, extra, samples };
}
