// Issue 4's memory test: a service's heap must not grow with the file. Two full syncs through the five services,
// of SMALL and BIG rows (10×), each into a fresh tenant, measuring every service's peak *live* heap (heap in use
// right after a forced full GC, once a second, by heap-probe-preload; the peak heap-used of /metrics includes
// garbage a lazy GC has not reclaimed yet, ±25 MB between two runs of an idle service). A ratio, not a time.
//
// What is asserted is the growth from SMALL to BIG rows, carried on to 1M rows: heap(small) + (heap(big) −
// heap(small)) × (1M − SMALL) / (BIG − SMALL) must stay ≤ 256 MB, i.e. under the 300 MB RSS bound for
// a 1M-row file. A plain ratio at these sizes cannot tell a service that keeps ~700 bytes per row (1.42× from 3k
// to 30k) from noise; the slope can, above a noise band of 8 MB (see atMillion). 3k vs 30k keeps the test
// near a minute; `npm run bench` measures 100k against 1M directly (memoryGrowth in its JSON).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVICES, type TestDatabase } from '@roster/testing';
import { BenchEnv, createBenchDatabase, createDirectory, probeEnv, startBenchEnv } from './bench-env';
import { writeUsersFile } from './generate';
import { repoRoot } from './options';
import { liveHeapPeaksMB } from './probes';
import { SyncMeasurement, syncFile } from './sync-run';

const SMALL = 3_000;
const BIG = 30_000;
const AT_ROWS = 1_000_000;
const MAX_HEAP_MB_AT_1M = 256;
/** Peak-sampling noise of the live heap between two runs of the same build (see atMillion). */
const NOISE_MB = 8;
/**
 * Services whose heap grows with the file today, as `it.failing`: the test passes while they still grow and fails
 * the day one is fixed, so whoever fixes it moves it to the asserted list. None today: the reconciler, which
 * kept ~700 bytes per row until its run state moved into temporary tables (43 → 61 MB from 3k to 30k rows
 * before, 41 → 42 MB after; bench/README.md), was the last.
 */
const KNOWN_GROWING: readonly string[] = [];

describe(`memory: live heap growth from ${SMALL} to ${BIG} rows, carried to 1M rows, ≤ ${MAX_HEAP_MB_AT_1M} MB per service`, () => {
  let db: TestDatabase;
  let env: BenchEnv;
  let work: string;
  const runs: Record<'small' | 'big', SyncMeasurement> = {} as never;
  const live: Record<'small' | 'big', Record<string, number>> = { small: {}, big: {} };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'roster-memory-'));
    db = await createBenchDatabase();
    const root = repoRoot(__dirname);
    env = await startBenchEnv(db, root, probeEnv(root, { liveHeapDir: work }));
    for (const [name, rows] of [['small', SMALL], ['big', BIG]] as const) {
      const file = await writeUsersFile(join(work, `users-${rows}.csv`), rows, 'base');
      const run = await syncFile(env, await createDirectory(env, `rows${rows}`), file, 300_000); // a loaded CI machine with the heap probe's GC every second is slow; the bound is memory, not time
      runs[name] = run;
      live[name] = liveHeapPeaksMB(work, env.services, run.window.fromMs, run.window.toMs);
    }
    const line = (svc: string) => `${svc} ${live.small[svc]?.toFixed(0)} → ${live.big[svc]?.toFixed(0)} MB (${atMillion(svc).toFixed(0)} MB at 1M)`;
    console.info(`peak live heap, ${SMALL} → ${BIG} rows: ${SERVICES.map(line).join('; ')}`);
  }, 420_000);

  /**
   * The live heap at 1M rows if it keeps growing as it did from SMALL to BIG. Growth within NOISE_MB is sampling,
   * not the file: the small run lasts a few probe seconds and can miss a batch's transient peak the big run catches
   * (the reconciler measured 46 → 41 and 40 → 46 MB on two runs of the same build). A service keeping ~700 bytes a
   * row, the leak this test was written for, grows 18 MB here and still fails.
   */
  const atMillion = (svc: string) => {
    const [small, big] = [live.small[svc] ?? 0, live.big[svc] ?? 0];
    const growth = Math.max(0, big - small - NOISE_MB);
    return small + (growth * (AT_ROWS - SMALL)) / (BIG - SMALL);
  };

  afterAll(async () => {
    await env?.stop();
    await db?.drop();
    if (work) await rm(work, { recursive: true, force: true });
  }, 60_000);

  it('both runs complete', () => {
    // The failure (a crashed service's last output) is part of what is compared, so a red test says why.
    const outcome = (run: SyncMeasurement) => ({ status: run.status, failure: run.failure });
    expect([outcome(runs.small), outcome(runs.big)]).toEqual([
      { status: 'partially-succeeded', failure: null },
      { status: 'partially-succeeded', failure: null },
    ]);
    expect(runs.big.counts?.['created']).toBeGreaterThan(BIG * 0.99);
  });

  for (const service of SERVICES) {
    const test = KNOWN_GROWING.includes(service) ? it.failing : it;
    test(`${service}: live heap carried to 1M rows ≤ ${MAX_HEAP_MB_AT_1M} MB`, () => {
      expect(live.small[service]).toBeGreaterThan(0);
      expect(atMillion(service)).toBeLessThanOrEqual(MAX_HEAP_MB_AT_1M);
    });
  }
});
