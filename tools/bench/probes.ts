// What the bench reads from outside the services: /proc (RSS, CPU), their /metrics (V8 heap), PostgreSQL
// statistics (rows written, WAL, what the backends are busy with) and JetStream stream state.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NatsConnection } from 'nats';
import type { Client } from 'pg';

export const MB = 1024 * 1024;

/** Resident set size of a process in bytes (VmRSS), or undefined when it is gone. */
export function rssBytes(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

/** User + system CPU time of a process in ms (clock ticks of 10 ms, Linux's USER_HZ). */
export function cpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** V8 heap in use, from prom-client's default metrics on the service's /metrics. */
export async function heapUsedBytes(port: number): Promise<number | undefined> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
  if (!res?.ok) return undefined;
  const m = /^nodejs_heap_size_used_bytes(?:\{[^}]*\})? ([\d.e+]+)/m.exec(await res.text());
  return m ? Number(m[1]) : undefined;
}

/** A labelled counter of a service's /metrics, by label value (empty when the service does not answer). */
export async function counterByLabel(port: number, name: string, label: string): Promise<Record<string, number>> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
  if (!res?.ok) return {};
  const out: Record<string, number> = {};
  const line = new RegExp(`^${name}\\{([^}]*)\\} ([\\d.e+-]+)$`, 'gm');
  for (const m of (await res.text()).matchAll(line)) {
    const value = new RegExp(`${label}="([^"]*)"`).exec(m[1] ?? '')?.[1];
    if (value !== undefined) out[value] = Number(m[2]);
  }
  return out;
}

/**
 * The largest live heap (bytes in use right after a forced full GC, logged by heap-probe-preload) of each
 * process between two epoch-ms instants; 0 when the process logged nothing then.
 */
export function liveHeapPeaksMB(dir: string, processes: Watched[], fromMs: number, toMs: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of processes) {
    let peak = 0;
    const file = join(dir, `HEAP.${p.pid}.log`);
    const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n') : [];
    for (const line of lines) {
      const [at, bytes] = line.split(' ').map(Number);
      if (at !== undefined && bytes !== undefined && at >= fromMs && at <= toMs) peak = Math.max(peak, bytes / MB);
    }
    out[p.name] = peak;
  }
  return out;
}

export interface Watched {
  name: string;
  pid: number;
  port: number;
}

export interface PeakMemory {
  /** Max VmRSS sampled every 200 ms. */
  rssMB: number;
  /** Max V8 heap used, scraped from /metrics every 500 ms (a busy event loop answers late: fewer samples). */
  heapMB: number;
  samples: number;
}

/**
 * Samples RSS (every 200 ms) and heap (every 500 ms) of each process, once more at stop(), and keeps the peaks.
 * read() gives the peaks so far; stop() ends sampling after a last sample.
 */
export function samplePeaks(processes: Watched[]): { read(): Record<string, PeakMemory>; stop(): Promise<Record<string, PeakMemory>> } {
  const peaks: Record<string, PeakMemory> = Object.fromEntries(processes.map((p) => [p.name, { rssMB: 0, heapMB: 0, samples: 0 }]));
  const sampleRss = () => {
    for (const p of processes) {
      const rss = rssBytes(p.pid);
      const peak = peaks[p.name] as PeakMemory;
      if (rss !== undefined) peak.rssMB = Math.max(peak.rssMB, rss / MB);
      peak.samples++;
    }
  };
  const scraping = new Map<string, Promise<void>>();
  const sampleHeap = () => {
    for (const p of processes) {
      if (scraping.has(p.name)) continue;
      const scrape = heapUsedBytes(p.port).then((heap) => {
        scraping.delete(p.name);
        const peak = peaks[p.name] as PeakMemory;
        if (heap !== undefined) peak.heapMB = Math.max(peak.heapMB, heap / MB);
      });
      scraping.set(p.name, scrape);
    }
  };
  sampleRss();
  sampleHeap();
  const rssTimer = setInterval(sampleRss, 200);
  const heapTimer = setInterval(sampleHeap, 500);
  return {
    read: () => peaks,
    async stop() {
      clearInterval(rssTimer);
      clearInterval(heapTimer);
      sampleRss();
      await Promise.all(scraping.values());
      sampleHeap();
      await Promise.all(scraping.values());
      return peaks;
    },
  };
}

/**
 * Before a measured run: asks every process for a full GC (`collect`, the bench's SIGUSR2 to gc-on-signal-preload),
 * then polls /metrics every `intervalMs`, for `timeoutMs` at most, until each heap used is back near its idle reading
 * (at most `idle + max(slackMB, idle / 4)`); returns what each read last and whether it settled. A run's peak heap is
 * then its own: after the inbound burst, directory-config's heap still held ~75 MB 30 s later, and the big run that
 * followed counted it as its peak (1.45× of the full run's, the flat-memory target being 1.5×). A heap that stays
 * above the bound after a full GC is what the service retains, and the bench says so.
 */
export async function settleHeaps(
  processes: Watched[],
  idle: Record<string, PeakMemory>,
  o: {
    collect: (pid: number) => void;
    timeoutMs: number;
    intervalMs?: number;
    slackMB?: number;
    heapOf?: (port: number) => Promise<number | undefined>;
  },
): Promise<Record<string, { heapMB: number | undefined; boundMB: number; settled: boolean }>> {
  const heapOf = o.heapOf ?? heapUsedBytes;
  const bound = (name: string) => {
    const idleMB = idle[name]?.heapMB ?? 0;
    return idleMB + Math.max(o.slackMB ?? 10, idleMB / 4);
  };
  for (const p of processes) o.collect(p.pid);
  const deadline = Date.now() + o.timeoutMs;
  for (;;) {
    const read = await Promise.all(
      processes.map(async (p) => {
        const bytes = await heapOf(p.port);
        const heapMB = bytes === undefined ? undefined : bytes / MB;
        return [p.name, { heapMB, boundMB: bound(p.name), settled: heapMB !== undefined && heapMB <= bound(p.name) }] as const;
      }),
    );
    if (read.every(([, r]) => r.settled) || Date.now() >= deadline) return Object.fromEntries(read);
    await new Promise((resolve) => setTimeout(resolve, o.intervalMs ?? 500));
  }
}

/** CPU ms of named processes between two readings. */
export function cpuSnapshot(processes: Watched[]): Record<string, number> {
  return Object.fromEntries(processes.map((p) => [p.name, cpuMs(p.pid) ?? 0]));
}

/**
 * CPU ms the PostgreSQL backends of `database` spend until stop(): every second, each backend's CPU is read, so a
 * backend that a pool closes during the run still counts up to its last reading (the bench's own are left out).
 */
export function sampleBackendCpu(pg: Client, database: string): { stop(): Promise<number> } {
  return sampleServerCpu(pg, "select pid from pg_stat_activity where datname = $1 and application_name <> 'roster-bench'", [database]);
}

/**
 * PostgreSQL's own processes, whose work a run sets off or runs into: checkpoints, buffer and WAL writing, autovacuum.
 * Their CPU is not the run's (the floor does not count it either), but a checkpoint or a vacuum during a run takes
 * CPU and disk from it: reported beside the run, so a slow run says whether the server was busy with its own work.
 */
export const POSTGRES_BACKGROUND = ['checkpointer', 'background writer', 'walwriter', 'autovacuum launcher', 'autovacuum worker'] as const;

/** CPU ms of PostgreSQL's background processes (`POSTGRES_BACKGROUND`) until stop(), sampled as the backends are. */
export function samplePostgresBackgroundCpu(pg: Client): { stop(): Promise<number> } {
  return sampleServerCpu(pg, 'select pid from pg_stat_activity where backend_type = any($1::text[])', [[...POSTGRES_BACKGROUND]]);
}

/** Checkpoints the server has made since its statistics were reset (PostgreSQL 17's view, or the older one). */
export async function checkpointCount(pg: Client): Promise<number | undefined> {
  for (const query of [
    'select num_timed + num_requested as n from pg_stat_checkpointer',
    'select checkpoints_timed + checkpoints_req as n from pg_stat_bgwriter',
  ]) {
    const rows = await pg.query<{ n: string }>(query).then((r) => r.rows, () => undefined);
    if (rows?.[0]) return Number(rows[0].n);
  }
  return undefined;
}

/** What PostgreSQL did on its own during a run: checkpoints begun (undefined where the server does not say), CPU ms. */
export interface PostgresBackground {
  checkpoints?: number;
  cpuMs: number;
}

/** Starts watching PostgreSQL's background work (`POSTGRES_BACKGROUND`); stop() gives what it did meanwhile. */
export async function watchPostgresBackground(pg: Client): Promise<{ stop(): Promise<PostgresBackground> }> {
  const before = await checkpointCount(pg);
  const cpu = samplePostgresBackgroundCpu(pg);
  return {
    async stop() {
      const cpuMs = await cpu.stop();
      const after = await checkpointCount(pg);
      return before === undefined || after === undefined ? { cpuMs } : { checkpoints: after - before, cpuMs };
    },
  };
}

function sampleServerCpu(pg: Client, pidsQuery: string, params: unknown[]): { stop(): Promise<number> } {
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  const read = async (initial: boolean) => {
    const { rows } = await pg.query<{ pid: number }>(pidsQuery, params).catch(() => ({ rows: [] as { pid: number }[] }));
    for (const { pid } of rows) {
      const ms = cpuMs(pid);
      if (ms === undefined) continue;
      // A backend first seen after the start began during the run: all its CPU counts.
      if (!first.has(pid)) first.set(pid, initial ? ms : 0);
      last.set(pid, ms);
    }
  };
  let busy = read(true);
  const timer = setInterval(() => {
    busy = busy.then(() => read(false));
  }, 1000);
  return {
    async stop() {
      clearInterval(timer);
      await busy;
      await read(false);
      let total = 0;
      for (const [pid, ms] of last) total += ms - (first.get(pid) ?? 0);
      return total;
    },
  };
}

export interface TableWrites {
  inserted: number;
  updated: number;
  deleted: number;
}

export async function tableWrites(pg: Client, schema: string, table: string): Promise<TableWrites> {
  const { rows } = await pg.query<{ i: string; u: string; d: string }>(
    'select n_tup_ins as i, n_tup_upd as u, n_tup_del as d from pg_stat_user_tables where schemaname = $1 and relname = $2',
    [schema, table],
  );
  const r = rows[0];
  return { inserted: Number(r?.i ?? 0), updated: Number(r?.u ?? 0), deleted: Number(r?.d ?? 0) };
}

export function writesDelta(before: TableWrites, after: TableWrites): TableWrites & { total: number } {
  const d = { inserted: after.inserted - before.inserted, updated: after.updated - before.updated, deleted: after.deleted - before.deleted };
  return { ...d, total: d.inserted + d.updated + d.deleted };
}

/** The current transaction id (low 32 bits, as xmin stores it): rows with a newer xmin were written after it. */
export async function currentXid(pg: Client): Promise<string> {
  const { rows } = await pg.query<{ x: string }>('select (txid_current() % 4294967296)::text as x');
  return rows[0]?.x as string;
}

/** Rows of a table inserted or updated by a transaction newer than `xid` (exact; wraparound-safe via age()). */
export async function rowsNewerThan(pg: Client, qualifiedTable: string, xid: string): Promise<number> {
  const { rows } = await pg.query<{ n: string }>(`select count(*) as n from ${qualifiedTable} where age(xmin) < age($1::text::xid)`, [xid]);
  return Number(rows[0]?.n ?? 0);
}

export async function walLsn(pg: Client): Promise<string> {
  const { rows } = await pg.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn');
  return rows[0]?.lsn as string;
}

export async function walBytesSince(pg: Client, lsn: string): Promise<number> {
  const { rows } = await pg.query<{ b: string }>('select pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint as b', [lsn]);
  return Number(rows[0]?.b ?? 0);
}

export interface StreamState {
  messages: number;
  bytes: number;
  lastSeq: number;
}

export async function streamStates(nc: NatsConnection, names: readonly string[]): Promise<Record<string, StreamState>> {
  const jsm = await nc.jetstreamManager();
  const out: Record<string, StreamState> = {};
  for (const name of names) {
    const info = await jsm.streams.info(name);
    out[name] = { messages: info.state.messages, bytes: info.state.bytes, lastSeq: info.state.last_seq };
  }
  return out;
}

export function streamDelta(before: Record<string, StreamState>, after: Record<string, StreamState>): Record<string, StreamState> {
  return Object.fromEntries(
    Object.keys(after).map((name) => {
      const [b, a] = [before[name], after[name]];
      return [name, { messages: (a?.messages ?? 0) - (b?.messages ?? 0), bytes: (a?.bytes ?? 0) - (b?.bytes ?? 0), lastSeq: a?.lastSeq ?? 0 }];
    }),
  );
}

/** When the server stored a message (by sequence, or the last one on a subject); undefined when there is none. */
export async function storedAt(nc: NatsConnection, stream: string, query: { seq: number } | { last_by_subj: string }): Promise<number | undefined> {
  const jsm = await nc.jetstreamManager();
  const msg = await jsm.streams.getMessage(stream, query).catch(() => undefined);
  return msg?.time.getTime();
}

/**
 * A sampling profile of the database: every 200 ms, which statements the database's active backends run
 * (pg_stat_statements is not preloaded on the shared server, and enabling it needs a restart).
 */
export function sampleActiveQueries(pg: Client, database: string): { stop(): Promise<QueryShare[]> } {
  const counts = new Map<string, number>();
  let samples = 0;
  let busy: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    busy = busy.then(async () => {
      const { rows } = await pg
        .query<{ q: string; w: string | null }>(
          `select left(query, 400) as q, wait_event_type || ':' || wait_event as w from pg_stat_activity
            where datname = $1 and state = 'active' and application_name <> 'roster-bench'`,
          [database],
        )
        .catch(() => ({ rows: [] as { q: string; w: string | null }[] }));
      samples++;
      for (const r of rows) {
        const key = `${statementShape(r.q)}${r.w ? ` [${r.w}]` : ''}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    });
  }, 200);
  return {
    async stop() {
      clearInterval(timer);
      await busy;
      return [...counts]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 10)
        .map(([statement, n]) => ({ statement, samples: n, share: samples ? n / samples : 0 }));
    },
  };
}

export interface QueryShare {
  statement: string;
  /** Samples in which a backend was running it. */
  samples: number;
  /** samples / all samples: ~ the fraction of the run's wall time a backend spent on it. */
  share: number;
}

/**
 * A statement reduced to its shape: whitespace collapsed, literals and placeholders folded, repeated value
 * lists counted. Every pattern is linear (no nested optional repeats): the text is often cut mid-list.
 */
export function statementShape(sql: string): string {
  return sql
    .replace(/\s+/g, ' ')
    .replace(/'[^']*'/g, '?')
    .replace(/\$\d+|\b\d+(?:\.\d+)?\b/g, '?')
    .replace(/\?(?:::\w+)?(?: ?, ?\?(?:::\w+)?)+/g, '…')
    .replace(/\((?:…|\?)\)(?: ?, ?\((?:…|\?)\))+/g, '(…)×n')
    .slice(0, 110)
    .trim();
}
