import { execFile } from 'node:child_process';
import type { Client } from 'pg';
import type { JetStreamManager, NatsConnection, Subscription } from 'nats';
import { findExecutable } from '@roster/testing';

/**
 * R-SEC-01 dumps: everything the platform keeps or prints, as text, so a test can search it for a plaintext secret.
 * Each part says how much it holds, so a test can prove it searched something real.
 */
export interface PlatformDump {
  /** `pg_dump` of the test database (when pg_dump is installed) and every row of every table of every schema. */
  database: string;
  /** Every message (subject, headers, payload) of every JetStream stream. */
  streams: string;
  /** Every line each service printed. */
  logs: string;
  tables: number;
  rows: number;
  streamCount: number;
  messages: number;
}

/** Every table of every schema of the test database. */
export async function listTables(pg: Client): Promise<{ schema: string; name: string }[]> {
  const { rows } = await pg.query<{ schema: string; name: string }>(
    `select table_schema as schema, table_name as name from information_schema.tables
      where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema') and table_schema not like 'pg_toast%'
      order by 1, 2`,
  );
  return rows;
}

/** The whole test database: `pg_dump` when installed, and a SELECT of every table in every schema either way. */
export async function dumpDatabase(pg: Client, url: string): Promise<{ text: string; tables: number; rows: number }> {
  const tables = await listTables(pg);
  const parts: string[] = [];
  let rows = 0;
  for (const t of tables) {
    const dump = await pg.query<{ row: string }>(`select x::text as row from "${t.schema}"."${t.name}" x`);
    const json = await pg.query<{ row: string }>(`select row_to_json(x)::text as row from "${t.schema}"."${t.name}" x`);
    rows += dump.rows.length;
    parts.push(`== ${t.schema}.${t.name}`, ...dump.rows.map((r) => r.row), ...json.rows.map((r) => r.row));
  }
  const pgDump = findExecutable('pg_dump', 'ROSTER_PG_DUMP', ['/usr/lib/postgresql/15/bin/pg_dump']);
  if (pgDump) {
    parts.push(
      '== pg_dump',
      await new Promise<string>((resolve, reject) =>
        execFile(pgDump, ['--no-owner', '--no-privileges', url], { maxBuffer: 512 * 1024 * 1024 }, (error, stdout, stderr) =>
          error ? reject(new Error(`pg_dump failed: ${stderr || error.message}`)) : resolve(stdout),
        ),
      ),
    );
  }
  return { text: parts.join('\n'), tables: tables.length, rows };
}

/** Every message still stored in every stream, from its first sequence to its last. */
export async function dumpStreams(jsm: JetStreamManager): Promise<{ text: string; streams: number; messages: number }> {
  const parts: string[] = [];
  let streams = 0;
  let messages = 0;
  for await (const stream of jsm.streams.list()) {
    streams++;
    const { first_seq, last_seq } = stream.state;
    for (let seq = first_seq; seq > 0 && seq <= last_seq; seq++) {
      const m = await jsm.streams.getMessage(stream.config.name, { seq }).catch(() => undefined);
      if (!m) continue;
      messages++;
      const headers = m.header ? [...m.header].map(([k, v]) => `${k}: ${v.join(', ')}`).join('\n') : '';
      parts.push(`== ${stream.config.name} #${seq} ${m.subject}`, headers, Buffer.from(m.data).toString('utf8'));
    }
  }
  return { text: parts.join('\n'), streams, messages };
}

export async function dumpPlatform(o: { pg: Client; databaseUrl: string; nc: NatsConnection; logs: () => string }): Promise<PlatformDump> {
  const database = await dumpDatabase(o.pg, o.databaseUrl);
  const streams = await dumpStreams(await o.nc.jetstreamManager());
  return {
    database: database.text,
    streams: streams.text,
    logs: o.logs(),
    tables: database.tables,
    rows: database.rows,
    streamCount: streams.streams,
    messages: streams.messages,
  };
}

/**
 * What the platform has stored, as one digest per part: each table (an md5 of its rows) and each stream (its message
 * count, last sequence and durable consumers). Equal digests before and after a request: it changed nothing stored.
 * Built for repeated use (one query for the whole database); `tables` from `listTables`.
 */
export async function storedStateDigest(pg: Client, jsm: JetStreamManager, tables: { schema: string; name: string }[]): Promise<Record<string, string>> {
  const sql = tables
    .map((t, i) => `select ${i} as i, md5(coalesce(string_agg(x::text, E'\\n' order by x::text), '')) as h from "${t.schema}"."${t.name}" x`)
    .join(' union all ');
  const { rows } = await pg.query<{ i: number; h: string }>(sql);
  const digest: Record<string, string> = Object.fromEntries(rows.map((r) => [`${tables[r.i].schema}.${tables[r.i].name}`, r.h]));
  for await (const stream of jsm.streams.list()) {
    const consumers: string[] = [];
    for await (const c of jsm.consumers.list(stream.config.name)) if (c.config.durable_name) consumers.push(c.name);
    digest[`stream ${stream.config.name}`] = `${stream.state.messages} messages, last ${stream.state.last_seq}, durable consumers ${consumers.sort().join(',')}`;
  }
  return digest;
}

/** The parts whose digest differs (added or removed parts included). */
export function changedParts(before: Record<string, string>, after: Record<string, string>): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => before[k] !== after[k]).sort();
}

/**
 * Every message published on the server while it runs, core NATS included (request/reply that no stream keeps,
 * consumer deliveries to inboxes): a wire tap.
 */
export function tapAllMessages(nc: NatsConnection): { sub: Subscription; text: () => string; count: () => number } {
  const seen: string[] = [];
  const sub = nc.subscribe('>', {
    callback: (_err, m) => {
      const headers = m.headers ? [...m.headers].map(([k, v]) => `${k}: ${v.join(', ')}`).join('\n') : '';
      seen.push(`== ${m.subject}\n${headers}\n${Buffer.from(m.data).toString('utf8')}`);
    },
  });
  return { sub, text: () => seen.join('\n'), count: () => seen.length };
}

/**
 * The forms a leaked secret could take in a dump: as is, JSON-escaped (a private key's newlines), URL-encoded,
 * base64, base64url and hex; and each long line of a multi-line secret on its own (a key logged line by line).
 */
export function secretForms(secret: string): { kind: string; form: string }[] {
  const bytes = Buffer.from(secret, 'utf8');
  const forms = [
    { kind: 'plaintext', form: secret },
    { kind: 'JSON-escaped', form: JSON.stringify(secret).slice(1, -1) },
    { kind: 'URL-encoded', form: encodeURIComponent(secret) },
    { kind: 'base64', form: bytes.toString('base64') },
    { kind: 'base64url', form: bytes.toString('base64url') },
    { kind: 'hex', form: bytes.toString('hex') },
    ...secret
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.length >= 16 && !/^-----(BEGIN|END) /.test(line))
      .map((form, i) => ({ kind: `line ${i + 1}`, form })),
  ];
  return forms.filter((f, i) => forms.findIndex((g) => g.form === f.form) === i);
}

/** Which of the named secrets appear in `text`, and in which form (`name (form)`), without printing them. */
export function findSecrets(text: string, secrets: Record<string, string>): string[] {
  const found: string[] = [];
  for (const [name, secret] of Object.entries(secrets)) {
    for (const { kind, form } of secretForms(secret)) if (text.includes(form)) found.push(`${name} (${kind})`);
  }
  return found;
}
