// One measured sync: the file goes onto the real SFTP server, a run is started through the admin API and
// followed to its final status, while the services' memory, the database's work and the bus are recorded.
import { chown, copyFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from '@roster/testing';
import type { BenchEnv, Directory } from './bench-env';
import type { GeneratedFile } from './generate';
import {
  PeakMemory,
  PostgresBackground,
  QueryShare,
  counterByLabel,
  StreamState,
  TableWrites,
  cpuSnapshot,
  currentXid,
  rowsNewerThan,
  sampleActiveQueries,
  sampleBackendCpu,
  watchPostgresBackground,
  samplePeaks,
  storedAt,
  streamDelta,
  streamStates,
  tableWrites,
  walBytesSince,
  walLsn,
  writesDelta,
} from './probes';

export const STREAMS = ['ROSTER_RECORDS', 'ROSTER_DIRECTORY', 'ROSTER_RUNS'] as const;
const FINAL = ['succeeded', 'partially-succeeded', 'failed'];
const USERS = 'reconciler.users';

interface RunView {
  id: string;
  status: string;
  counts: Record<string, number> | null;
  problemCount: number;
  failure: { code: string; message: string } | null;
}

export interface SyncMeasurement {
  file: { variant: string; rows: number; bytes: number; badRows: number; changedRows: number };
  runId: string;
  status: string;
  counts: Record<string, number> | null;
  problemCount: number;
  failure: { code: string; message: string } | null;
  /** Epoch ms of the POST and of the end of the measurement (events drained): the run's window. */
  window: { fromMs: number; toMs: number };
  /** POST run → final status: the number every ratio uses. */
  wallMs: number;
  /** ms after POST at which each status was first seen (polled every 100 ms). */
  statusAt: Record<string, number>;
  /** ms after POST at which the bus stored each milestone (server timestamps): where the time goes. */
  phases: Phases;
  /** ms after POST at which the reconciler's outbox was empty (every directory event on the bus). */
  eventsDrainedMs: number;
  /** reconciler.users per pg_stat_user_tables (n_tup_ins + n_tup_upd + n_tup_del), POST → drained. */
  usersWrites: TableWrites & { total: number };
  /** reconciler.users rows whose xmin is newer than the run's start: exact, independent of stats flushing. */
  usersRowsTouched: number;
  /** WAL written cluster-wide from POST to final status, and to drained (includes the outbox relay's deletes). */
  walBytes: number;
  walBytesDrained: number;
  /** Per stream, messages and bytes added from POST to drained. */
  bus: Record<string, StreamState>;
  /** CPU ms per service, and of this database's PostgreSQL backends, POST → drained. */
  cpuMs: Record<string, number>;
  /** PostgreSQL's own work meanwhile (checkpoints, writers, autovacuum), POST → drained: not in `cpuMs`. */
  postgresBackground: PostgresBackground;
  memory: Record<string, PeakMemory>;
  /** What the database's active backends were running, sampled every 200 ms. */
  dbSamples: QueryShare[];
  /** Seconds of the reconciler's apply by phase (`roster_apply_phase_seconds_total`, POST → drained). */
  applyPhasesS: Record<string, number>;
}

export const APPLY_PHASES = 'roster_apply_phase_seconds_total';

export function reconcilerPort(env: BenchEnv): number {
  const reconciler = env.services.find((s) => s.name === 'reconciler');
  if (!reconciler) throw new Error('the bench has no reconciler process');
  return reconciler.port;
}

/** `after − before` per key, keys with a positive difference only. */
export function counterDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after)
      .map(([k, v]) => [k, Math.round((v - (before[k] ?? 0)) * 1000) / 1000] as const)
      .filter(([, v]) => v > 0),
  );
}

export interface Phases {
  /** file-ingest published the first record batch (SFTP connect and first rows read). */
  firstBatch?: number;
  /** file-ingest published records.complete (the whole file read and on the bus). */
  recordsComplete?: number;
  /** the reconciler saw every batch staged and started applying (run.progress reconciling). */
  reconciling?: number;
  /** the first directory event reached the bus: the apply transaction had committed. */
  firstEvent?: number;
  /** the last directory event of the run reached the bus. */
  lastEvent?: number;
  /** run.finished reached the bus (it leaves the outbox after the run's directory events). */
  runFinished?: number;
}

export async function syncFile(env: BenchEnv, dir: Directory, file: GeneratedFile, timeoutMs: number, signal?: AbortSignal): Promise<SyncMeasurement> {
  await stageOnSftp(dir.folder, file.path);
  const { pg, services } = env;
  const before = {
    writes: await tableWrites(pg, 'reconciler', 'users'),
    xid: await currentXid(pg),
    lsn: await walLsn(pg),
    streams: await streamStates(env.nc, STREAMS),
    cpu: cpuSnapshot(services),
    applyPhases: await counterByLabel(reconcilerPort(env), APPLY_PHASES, 'phase'),
  };
  const backends = sampleBackendCpu(env.samplerPg, env.db.name);
  const background = await watchPostgresBackground(env.samplerPg);
  const peaks = samplePeaks(services);
  const queries = sampleActiveQueries(env.samplerPg, env.db.name);
  const started = performance.now();
  const postedAt = Date.now();
  const since = () => Math.round(performance.now() - started);
  const base = `/v1/tenants/${dir.tenantId}`;
  const post = await env.platform.api<RunView>('POST', `${base}/directories/${dir.directoryId}/runs`, {});
  if (post.status !== 202) throw new Error(`POST runs answered ${post.status}: ${JSON.stringify(post.body)}`);

  const statusAt: Record<string, number> = {};
  const run = await followRun(env, `${base}/runs/${post.body.id}`, timeoutMs, (status) => (statusAt[status] ??= since()), signal);
  const wallMs = statusAt[run.status] ?? since();
  const walBytes = await walBytesSince(pg, before.lsn);
  if (FINAL.includes(run.status)) {
    await waitFor(async () => (await pg.query(`select not exists (select 1 from reconciler.outbox) as empty`)).rows[0]?.empty === true, {
      timeoutMs,
      intervalMs: 200,
      description: 'the reconciler outbox to drain',
    });
  }
  const eventsDrainedMs = since();
  const after = {
    walBytes: await walBytesSince(pg, before.lsn),
    streams: await streamStates(env.nc, STREAMS),
    cpu: cpuSnapshot(services),
    backendsMs: await backends.stop(),
    background: await background.stop(),
    applyPhases: await counterByLabel(reconcilerPort(env), APPLY_PHASES, 'phase'),
  };
  const memory = await peaks.stop();
  const dbSamples = await queries.stop();
  const usersRowsTouched = await rowsNewerThan(pg, USERS, before.xid);
  const usersWrites = await settledWrites(env, before.writes, usersRowsTouched);
  const phases = await phasesOf(env, dir, before.streams, after.streams, postedAt);
  await rm(join(dir.folder, 'archive'), { recursive: true, force: true });

  return {
    file: { variant: file.variant, rows: file.rows, bytes: file.bytes, badRows: file.badRows, changedRows: file.changedRows },
    runId: run.id,
    status: run.status,
    counts: run.counts,
    problemCount: run.problemCount,
    failure: run.failure,
    wallMs,
    window: { fromMs: postedAt, toMs: postedAt + eventsDrainedMs },
    statusAt,
    phases,
    eventsDrainedMs,
    usersWrites,
    usersRowsTouched,
    walBytes,
    walBytesDrained: after.walBytes,
    bus: streamDelta(before.streams, after.streams),
    cpuMs: {
      ...Object.fromEntries(Object.entries(after.cpu).map(([name, ms]) => [name, ms - (before.cpu[name] ?? 0)])),
      'postgres backends': after.backendsMs,
    },
    postgresBackground: after.background,
    memory,
    dbSamples,
    applyPhasesS: counterDelta(before.applyPhases, after.applyPhases),
  };
}

/**
 * Polls the run until it is final. A service that exits (e.g. out of memory), a run past the deadline or an abort
 * ends the wait with status `crashed`, `timed-out` or `aborted` instead of throwing, so the bench still reports
 * what it measured and cleans up.
 */
async function followRun(env: BenchEnv, path: string, timeoutMs: number, seen: (status: string) => void, signal?: AbortSignal): Promise<RunView> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (signal?.aborted) {
      seen('aborted');
      return { id: path.split('/').pop() as string, status: 'aborted', counts: null, problemCount: 0, failure: { code: 'ABORTED', message: 'the bench was interrupted' } };
    }
    const dead = env.services.find((s) => !env.platform.services[s.name as keyof typeof env.platform.services].process.isRunning());
    if (dead) {
      const output = env.platform.services[dead.name as keyof typeof env.platform.services].process.output().slice(-1500);
      seen('crashed');
      return { id: path.split('/').pop() as string, status: 'crashed', counts: null, problemCount: 0, failure: { code: 'SERVICE_EXITED', message: `${dead.name} exited: ${output}` } };
    }
    const { body } = await env.platform.api<RunView>('GET', path);
    seen(body.status);
    if (FINAL.includes(body.status)) return body;
    if (performance.now() > deadline) {
      seen('timed-out');
      return { ...body, status: 'timed-out', failure: { code: 'TIMED_OUT', message: `still ${body.status} after ${timeoutMs} ms` } };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Milestones from the streams' own timestamps, in ms after POST. */
async function phasesOf(
  env: BenchEnv,
  dir: Directory,
  before: Record<string, StreamState>,
  after: Record<string, StreamState>,
  postedAt: number,
): Promise<Phases> {
  const at = (t: number | undefined) => (t === undefined ? undefined : t - postedAt);
  const added = (stream: string) => (after[stream]?.lastSeq ?? 0) > (before[stream]?.lastSeq ?? 0);
  const runs = (event: string) => storedAt(env.nc, 'ROSTER_RUNS', { last_by_subj: `roster.runs.${dir.tenantId}.${event}.v1` });
  return {
    firstBatch: added('ROSTER_RECORDS') ? at(await storedAt(env.nc, 'ROSTER_RECORDS', { seq: (before['ROSTER_RECORDS']?.lastSeq ?? 0) + 1 })) : undefined,
    recordsComplete: at(await storedAt(env.nc, 'ROSTER_RECORDS', { last_by_subj: `roster.records.${dir.tenantId}.complete.v1` })),
    reconciling: at(await runs('run.progress')),
    firstEvent: added('ROSTER_DIRECTORY') ? at(await storedAt(env.nc, 'ROSTER_DIRECTORY', { seq: (before['ROSTER_DIRECTORY']?.lastSeq ?? 0) + 1 })) : undefined,
    lastEvent: added('ROSTER_DIRECTORY') ? at(await storedAt(env.nc, 'ROSTER_DIRECTORY', { seq: after['ROSTER_DIRECTORY']?.lastSeq ?? 0 })) : undefined,
    runFinished: at(await runs('run.finished')),
  };
}

/**
 * A backend flushes its table statistics when it goes idle, at most once a second (else up to 10 s later), so
 * the counters are read until they cover the rows known to be written and stop moving, within a deadline.
 */
async function settledWrites(env: BenchEnv, before: TableWrites, atLeast: number) {
  let last = writesDelta(before, await tableWrites(env.pg, 'reconciler', 'users'));
  let stableSince = performance.now();
  const deadline = performance.now() + 12_000;
  while (performance.now() < deadline) {
    if (last.total >= atLeast && performance.now() - stableSince >= 1500) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
    const next = writesDelta(before, await tableWrites(env.pg, 'reconciler', 'users'));
    if (next.total !== last.total) stableSince = performance.now();
    last = next;
  }
  return last;
}

/** Copies the file beside its final name, hands it to the SFTP user and renames it into place (atomic). */
async function stageOnSftp(folder: string, source: string): Promise<void> {
  const owner = await stat(folder);
  const staged = join(folder, `.incoming-${process.pid}.tmp`);
  await copyFile(source, staged);
  await chown(staged, owner.uid, owner.gid);
  await rename(staged, join(folder, 'users.csv'));
}
