// The whole bench in one run: generate the files, measure the floor, then drive the five services through a
// full sync, an unchanged re-sync (rows reordered), a 10 %-changed sync and a big run; write JSON, print tables.
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@roster/testing';
import { createBenchDatabase, createDirectory, probeEnv, startBenchEnv } from './bench-env';
import { summarizeProfile } from './cpu-profile';
import { measureFloor } from './floor';
import { measureInbound } from './inbound-run';
import { GeneratedFile, writeUsersFile } from './generate';
import { chartMaxOldSpaceMB, nodeOptionsOf } from './node-heap';
import { samplePeaks, settleHeaps } from './probes';
import { BenchResult, RunName, cpuRatiosOf, memoryGrowthOf, ratiosOf, renderReport, verdictsOf } from './report';
import { syncFile } from './sync-run';

export interface BenchOptions {
  size: number;
  /** 0 skips the big run. */
  big: number;
  /** R-EVT-02: inbound employee events published for an event directory (0 or absent skips the measurement). */
  inbound?: number;
  /** Where `<ISO date>.json` goes. */
  resultsDir: string;
  /** Repository root (dist/ holds the services). */
  root: string;
  /** ROSTER_BATCH_SIZE for the services (default: theirs, 1000). */
  batchSize?: number;
  /** Run the services with --cpu-prof and summarise the profiles (written beside the JSON). */
  cpuProf?: boolean;
  /**
   * The services' V8 old-space bound in MiB (NODE_OPTIONS=--max-old-space-size); absent: the Helm chart's default
   * (node.maxOldSpaceMB), so the bench runs what the chart deploys; 0: Node's own default (from this machine's memory).
   */
  maxOldSpaceMB?: number;
  /**
   * ANALYZE the database before each run after the first, as autovacuum would between syncs on a server where it
   * is on (this machine's PostgreSQL has autovacuum = off, so tables it bulk-loads are never analyzed).
   */
  analyze?: boolean;
  /** Stop following a run after this long (status `timed-out`, measurements so far kept); default by size. */
  runTimeoutMs?: number;
  log?: (line: string) => void;
  /** Aborting stops following the current run (status `aborted`), skips the rest, and still cleans up. */
  signal?: AbortSignal;
}

export interface BenchOutput {
  result: BenchResult;
  jsonPath: string;
  report: string;
  /** Where the generated files were (removed before runBench returns). */
  workDir: string;
}

/** Deadline for one run: generous, so a slow machine reports a slow number instead of a timeout. */
const runTimeoutMs = (rows: number) => 120_000 + rows * 3;
/** How long a run waits for the services' heaps to be back near idle after a full GC (it starts anyway after). */
const SETTLE_TIMEOUT_MS = 10_000;

export async function runBench(o: BenchOptions): Promise<BenchOutput> {
  const log = o.log ?? (() => undefined);
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/:/g, '-');
  const work = await mkdtemp(join(tmpdir(), 'roster-bench-'));
  const profileDir = join(o.resultsDir, `profiles-${stamp}`);
  const db = await createBenchDatabase();
  try {
    log(`generating files in ${work} …`);
    const file = (name: string, rows: number, variant: GeneratedFile['variant']) => writeUsersFile(join(work, name), rows, variant);
    const base = await file('base.csv', o.size, 'base');
    const reordered = await file('reordered.csv', o.size, 'reordered');
    const changed = await file('changed.csv', o.size, 'changed');
    const bigFile = o.big > 0 ? await file('big.csv', o.big, 'base') : undefined;

    log(`floor on ${o.size} rows …`);
    const floor = await measureFloor(db.url, base.path);
    const floorBig = bigFile ? (log(`floor on ${o.big} rows …`), await measureFloor(db.url, bigFile.path)) : undefined;

    log('starting nats-server, sshd, SMTP sink and the five services …');
    if (o.cpuProf) await mkdir(profileDir, { recursive: true });
    const maxOldSpaceMB = o.maxOldSpaceMB ?? chartMaxOldSpaceMB(o.root);
    const serviceEnv = probeEnv(o.root, { cpuProfDir: o.cpuProf ? profileDir : undefined, maxOldSpaceMB, gcOnSignal: true });
    if (o.batchSize) serviceEnv['ROSTER_BATCH_SIZE'] = String(o.batchSize);
    // file-ingest refuses files over ROSTER_MAX_FILE_BYTES (200 MiB by default, ~900k rows of these 20 columns).
    serviceEnv['ROSTER_MAX_FILE_BYTES'] = String(2 * Math.max(base.bytes, bigFile?.bytes ?? 0));
    const env = await startBenchEnv(db, o.root, serviceEnv);
    const runs: BenchResult['runs'] = {};
    let idle: BenchResult['idle'] = {};
    let inbound: BenchResult['inbound'];
    // What each process really runs with (its environment), not what the bench meant to pass.
    const nodeOptions = Object.fromEntries(env.services.map((s) => [s.name, nodeOptionsOf(s.pid)]));
    try {
      const idleSampler = samplePeaks(env.services);
      const sampled = () => Object.values(idleSampler.read()).every((p) => p.heapMB > 0 && p.samples >= 3);
      await waitFor(sampled, { timeoutMs: 10_000, intervalMs: 250, description: 'an idle memory sample of every service' }).finally(
        () => idleSampler.stop(),
      );
      idle = idleSampler.read();

      const dirA = await createDirectory(env, 'sized');
      // Each run starts from settled heaps, so its peak is its own and not the garbage of the run before it.
      const settle = async (before: string) => {
        const state = await settleHeaps(env.services, idle, { collect: (pid) => process.kill(pid, 'SIGUSR2'), timeoutMs: SETTLE_TIMEOUT_MS });
        const unsettled = Object.entries(state).filter(([, r]) => !r.settled);
        if (unsettled.length > 0) {
          const what = unsettled.map(([name, r]) => `${name} ${r.heapMB?.toFixed(0) ?? '?'} MB (idle bound ${r.boundMB.toFixed(0)})`).join(', ');
          log(`before ${before}: heaps not back near idle ${SETTLE_TIMEOUT_MS / 1000} s after a full GC: ${what}`);
        }
      };
      const measure = async (name: RunName, dir: typeof dirA, f: GeneratedFile) => {
        if (o.signal?.aborted) return;
        await settle(name);
        if (o.analyze && name !== 'full') await env.pg.query('analyze');
        log(`${name}: ${f.rows} rows (${f.variant}) …`);
        const m = await syncFile(env, dir, f, o.runTimeoutMs ?? runTimeoutMs(f.rows), o.signal);
        log(`${name}: ${m.status} in ${(m.wallMs / 1000).toFixed(1)} s; counts ${JSON.stringify(m.counts)}`);
        runs[name] = m;
      };
      await measure('full', dirA, base);
      await measure('unchanged', dirA, reordered);
      await measure('changed10', dirA, changed);
      if (o.inbound && !o.signal?.aborted) {
        await settle('inbound');
        log(`inbound: ${o.inbound} employee events …`);
        inbound = await measureInbound(env, o.inbound, o.runTimeoutMs ?? runTimeoutMs(o.inbound), o.signal);
        log(`inbound: ${inbound.status} in ${(inbound.wallMs / 1000).toFixed(1)} s, ${inbound.eventsPerSecond.toFixed(0)} events/s, ${inbound.runs} runs`);
      }
      if (bigFile) await measure('big', await createDirectory(env, 'big'), bigFile);
    } finally {
      await env.stop();
    }

    const partial = {
      startedAt: startedAt.toISOString(),
      machine: { cpus: cpus().length, memoryGB: Math.round(totalmem() / 2 ** 30), node: process.version, postgres: await postgresVersion(db.url) },
      options: { size: o.size, big: o.big, inbound: o.inbound ?? 0, batchSize: o.batchSize ?? 1000, maxFileBytes: Number(serviceEnv['ROSTER_MAX_FILE_BYTES']), analyze: Boolean(o.analyze), maxOldSpaceMB, nodeOptions },
      floor,
      ...(floorBig ? { floorBig } : {}),
      idle,
      runs,
      ...(inbound ? { inbound } : {}),
      ratios: ratiosOf({ floor, floorBig, runs }),
      cpuRatios: cpuRatiosOf({ floor, floorBig, runs }),
      ...(runs.full && runs.big ? { memoryGrowth: memoryGrowthOf(runs.full, runs.big) } : {}),
      ...(o.cpuProf ? { profiles: profilesOf(profileDir, env.services) } : {}),
    };
    const result: BenchResult = { ...partial, verdicts: verdictsOf(partial), finishedAt: new Date().toISOString() };
    await mkdir(o.resultsDir, { recursive: true });
    const jsonPath = join(o.resultsDir, `${stamp}.json`);
    await writeFile(jsonPath, `${JSON.stringify(result, null, 2)}\n`);
    return { result, jsonPath, report: renderReport(result), workDir: work };
  } finally {
    await db.drop();
    await rm(work, { recursive: true, force: true });
  }
}

async function postgresVersion(url: string): Promise<string> {
  const { Client } = await import('pg');
  const pg = new Client({ connectionString: url });
  await pg.connect();
  try {
    return (await pg.query<{ v: string }>("select 'PostgreSQL ' || current_setting('server_version') as v")).rows[0]?.v ?? '?';
  } finally {
    await pg.end();
  }
}

/** Summaries of the services' CPU.<pid>.cpuprofile files, by service. */
function profilesOf(dir: string, services: { name: string; pid: number }[]): BenchResult['profiles'] {
  if (!existsSync(dir)) return {};
  const out: NonNullable<BenchResult['profiles']> = {};
  for (const fileName of readdirSync(dir)) {
    const pid = Number(fileName.split('.')[1]);
    const svc = services.find((s) => s.pid === pid);
    if (svc && ['reconciler', 'file-ingest', 'directory-config'].includes(svc.name)) {
      out[svc.name] = { ...summarizeProfile(join(dir, fileName)), file: join(dir, fileName) };
    }
  }
  return out;
}
