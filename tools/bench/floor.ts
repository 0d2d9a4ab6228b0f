// The floor: the least this work can cost on this machine. The same CSV parsed with csv-parse (arrays mode,
// as file-ingest does), loaded into a staging table, then one INSERT … ON CONFLICT into a users table.
// pg-copy-streams is not installed, so the load is multi-row INSERTs of 1000 rows (one in flight while the next
// batch is parsed) instead of COPY: a slightly higher floor than COPY would give (see bench/README.md).
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { Client } from 'pg';
import { CUSTOM_COLUMNS, HEADERS } from './generate';
import { cpuMs } from './probes';

export interface FloorResult {
  /** Parse + staging load + upsert: the floor every ratio is taken against. */
  ms: number;
  /** csv-parse alone over the file (no database), for reading where time goes. */
  parseOnlyMs: number;
  loadMs: number;
  upsertMs: number;
  rowsStaged: number;
  usersUpserted: number;
  /** CPU of the floor's parse + load + upsert: this process plus its PostgreSQL backend (less load-sensitive than wall time). */
  cpuMs: number;
  method: 'multi-row INSERT x1000' | 'COPY';
}

const SCHEMA = 'bench_floor';
const CHUNK = 1000;
const STAGING_COLUMNS = HEADERS.map((_, i) => `c${i}`);
const col = (label: string) => `c${HEADERS.indexOf(label)}`;

function parser() {
  return parse({ bom: true, columns: false, relax_column_count: true, trim: true, from_line: 2 });
}

export async function parseOnly(file: string): Promise<{ ms: number; rows: number }> {
  const started = performance.now();
  let rows = 0;
  for await (const _record of createReadStream(file).pipe(parser())) rows++;
  return { ms: performance.now() - started, rows };
}

export async function measureFloor(databaseUrl: string, file: string): Promise<FloorResult> {
  const pg = new Client({ connectionString: databaseUrl });
  await pg.connect();
  try {
    await createTables(pg);
    const parsed = await parseOnly(file);
    const backend = (await pg.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid as number;
    const cpuBefore = { self: process.cpuUsage(), backend: cpuMs(backend) ?? 0 };
    const started = performance.now();
    const rowsStaged = await load(pg, file);
    const loaded = performance.now();
    const usersUpserted = await upsert(pg);
    const ended = performance.now();
    const self = process.cpuUsage(cpuBefore.self);
    const cpu = (self.user + self.system) / 1000 + ((cpuMs(backend) ?? 0) - cpuBefore.backend);
    return {
      ms: ended - started,
      parseOnlyMs: parsed.ms,
      loadMs: loaded - started,
      upsertMs: ended - loaded,
      rowsStaged,
      usersUpserted,
      cpuMs: Math.round(cpu),
      method: 'multi-row INSERT x1000',
    };
  } finally {
    await pg.query(`drop schema if exists ${SCHEMA} cascade`).catch(() => undefined);
    await pg.end();
  }
}

async function createTables(pg: Client): Promise<void> {
  await pg.query(`drop schema if exists ${SCHEMA} cascade`);
  await pg.query(`create schema ${SCHEMA}`);
  await pg.query(`create table ${SCHEMA}.staging (${STAGING_COLUMNS.map((c) => `${c} text`).join(', ')})`);
  await pg.query(`create table ${SCHEMA}.users (
    id uuid primary key default gen_random_uuid(), email text not null unique, first_name text, last_name text,
    display_name text, manager_email text, teams text, is_org_admin text, deactivation_date text, job_title text,
    department text, location text, employee_id text, start_date text, custom_fields jsonb not null,
    content_hash text not null, updated_at timestamptz not null default now())`);
}

/** Parses and inserts 1000 rows per statement, keeping one statement in flight while the next batch is parsed. */
async function load(pg: Client, file: string): Promise<number> {
  const insert = (rows: string[][]) => {
    const params: string[] = [];
    const tuples = rows.map((cells) => {
      const start = params.length;
      for (let i = 0; i < STAGING_COLUMNS.length; i++) params.push(cells[i] ?? '');
      return `(${STAGING_COLUMNS.map((_, i) => `$${start + i + 1}`).join(',')})`;
    });
    return pg.query(`insert into ${SCHEMA}.staging values ${tuples.join(',')}`, params);
  };
  let inFlight: Promise<unknown> = Promise.resolve();
  let batch: string[][] = [];
  let rows = 0;
  for await (const record of createReadStream(file).pipe(parser())) {
    batch.push(record as string[]);
    rows++;
    if (batch.length === CHUNK) {
      await inFlight;
      inFlight = insert(batch);
      batch = [];
    }
  }
  await inFlight;
  if (batch.length > 0) await insert(batch);
  return rows;
}

/** One set-based statement: first row per email wins, unchanged rows (same hash) are not rewritten. */
async function upsert(pg: Client): Promise<number> {
  const standard = ['First Name', 'Last Name', 'User Name', 'Manager Email', 'Teams', 'Is Org Admin', 'Deactivation Date', 'Job Title', 'Department', 'Location', 'Employee ID', 'Start Date'];
  const custom = `jsonb_build_object(${CUSTOM_COLUMNS.map((c) => `'${c}', ${col(c)}`).join(', ')})`;
  const targets = ['first_name', 'last_name', 'display_name', 'manager_email', 'teams', 'is_org_admin', 'deactivation_date', 'job_title', 'department', 'location', 'employee_id', 'start_date'];
  const result = await pg.query(`
    insert into ${SCHEMA}.users (email, ${targets.join(', ')}, custom_fields, content_hash)
    select distinct on (lower(${col('User Email')})) lower(${col('User Email')}), ${standard.map(col).join(', ')}, ${custom},
           md5(concat_ws('|', ${STAGING_COLUMNS.join(', ')}))
      from ${SCHEMA}.staging where ${col('User Email')} <> ''
    on conflict (email) do update set ${[...targets, 'custom_fields', 'content_hash'].map((c) => `${c} = excluded.${c}`).join(', ')}, updated_at = now()
     where ${SCHEMA}.users.content_hash is distinct from excluded.content_hash`);
  return result.rowCount ?? 0;
}
