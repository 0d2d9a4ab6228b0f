// The bench at a tiny size, so it cannot rot: every measurement is present and sane. Timings are not asserted.
// Needs dist/ (node tools/build.mjs) like the other tests that start the services.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chartMaxOldSpaceMB } from './node-heap';
import { repoRoot } from './options';
import type { BenchResult } from './report';
import { runBench } from './run-bench';

const SIZE = 300;

describe('npm run bench (smoke, --size 300 --big 0 --inbound 300)', () => {
  let resultsDir: string;
  let result: BenchResult;
  let jsonPath: string;
  let report: string;
  let workDir: string;

  beforeAll(async () => {
    resultsDir = await mkdtemp(join(tmpdir(), 'roster-bench-smoke-'));
    ({ jsonPath, report, workDir } = await runBench({ size: SIZE, big: 0, inbound: SIZE, resultsDir, root: repoRoot(__dirname) }));
    result = JSON.parse(readFileSync(jsonPath, 'utf8')) as BenchResult;
  }, 70_000);

  afterAll(async () => {
    if (resultsDir) await rm(resultsDir, { recursive: true, force: true });
  });

  it('writes <ISO date>.json with the floor and the three sized runs', () => {
    expect(jsonPath).toMatch(/\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}Z\.json$/);
    expect(result.floor).toMatchObject({ rowsStaged: SIZE });
    expect(result.floor.ms).toBeGreaterThan(0);
    expect(result.floor.usersUpserted).toBeGreaterThan(SIZE * 0.98);
    expect(Object.keys(result.runs).sort()).toEqual(['changed10', 'full', 'unchanged']);
    expect(result.ratios).toEqual({ full: expect.any(Number), unchanged: expect.any(Number), changed10: expect.any(Number) });
  });

  it('every run ends partially-succeeded: the bad rows are reported, the rest applied', () => {
    for (const run of Object.values(result.runs)) {
      expect(run.status).toBe('partially-succeeded');
      expect(run.failure).toBeNull();
      expect(run.problemCount).toBeGreaterThan(0);
      expect(run.wallMs).toBeGreaterThan(0);
      expect(run.bus['ROSTER_RECORDS']?.messages).toBeGreaterThanOrEqual(2); // batches + completion
    }
  });

  it('the full sync creates every valid user and publishes a directory event for each', () => {
    const full = result.runs.full!;
    expect(full.counts?.['created']).toBeGreaterThanOrEqual(SIZE - full.file.badRows);
    expect(full.usersRowsTouched).toBe(full.counts?.['created']);
    expect(full.usersWrites.inserted).toBe(full.counts?.['created']);
    expect(full.bus['ROSTER_DIRECTORY']?.messages).toBeGreaterThanOrEqual(full.counts!['created']!);
  });

  it('R-OPS-03 each run reports where its apply spent its time, by phase, from the reconciler\'s metrics', () => {
    for (const run of Object.values(result.runs)) {
      expect(Object.keys(run.applyPhasesS)).toEqual(expect.arrayContaining(['prepare', 'read', 'match', 'plan', 'managers', 'finish']));
      expect(Object.values(run.applyPhasesS).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(run.wallMs / 1000);
    }
    expect(result.runs.full!.applyPhasesS['write users']).toBeGreaterThan(0);
    expect(report).toMatch(/apply by phase/);
  });

  it('the unchanged re-sync (rows reordered) writes 0 rows to reconciler.users and publishes no directory event', () => {
    const unchanged = result.runs.unchanged!;
    expect(unchanged.usersWrites.total).toBe(0);
    expect(unchanged.usersRowsTouched).toBe(0);
    expect(unchanged.counts).toMatchObject({ created: 0, updated: 0 });
    expect(unchanged.bus['ROSTER_DIRECTORY']?.messages).toBe(0);
    expect(unchanged.walBytes).toBeGreaterThanOrEqual(0);
  });

  it('the 10% changed sync updates about a tenth of the users', () => {
    const changed = result.runs.changed10!;
    expect(changed.counts?.['updated']).toBe(changed.file.changedRows);
    expect(changed.usersRowsTouched).toBe(changed.file.changedRows);
  });

  it('reports memory, CPU and verdicts for every service', () => {
    for (const run of Object.values(result.runs)) {
      for (const svc of ['directory-config', 'file-ingest', 'reconciler', 'notifier', 'connector-gateway']) {
        expect(run.memory[svc]?.rssMB).toBeGreaterThan(10);
        expect(run.memory[svc]?.heapMB).toBeGreaterThan(1);
        expect(run.cpuMs[svc]).toBeGreaterThanOrEqual(0);
      }
    }
    expect(result.verdicts.map((v) => v.target)).toEqual(
      expect.arrayContaining([expect.stringMatching(/full sync ≤ 3× floor/), expect.stringMatching(/writes 0 rows/), expect.stringMatching(/10% changed/)]),
    );
    expect(report).toMatch(/Targets \(issue 4\)/);
  });

  it('reports PostgreSQL\'s own work beside each run (checkpoints, writers, autovacuum), outside the runs\' CPU', () => {
    for (const m of [...Object.values(result.runs), result.inbound!]) {
      expect(m.postgresBackground.checkpoints).toEqual(expect.any(Number));
      expect(m.postgresBackground.cpuMs).toBeGreaterThanOrEqual(0);
      expect(m.cpuMs).not.toHaveProperty('postgres background');
    }
    expect(report).toMatch(/PostgreSQL's own work during each run \(checkpointer, background writer, walwriter/);
  });

  it('R-EVT-02 measures inbound employee events end to end: every event a user, through micro-batch runs', () => {
    const inbound = result.inbound!;
    expect(inbound).toMatchObject({ events: SIZE, status: 'finished' });
    expect(inbound.counts['created']).toBe(SIZE);
    expect(inbound.runs).toBeGreaterThanOrEqual(1);
    expect(Object.keys(inbound.statuses)).toEqual(['succeeded']);
    expect(inbound.eventsPerSecond).toBeGreaterThan(0);
    // Where the time went: the services' CPU over the measurement, and the micro-batch runs' apply by phase.
    expect(inbound.cpuMs['directory-config']).toBeGreaterThan(0);
    expect(inbound.cpuMs['reconciler']).toBeGreaterThan(0);
    expect(inbound.applyPhasesS['write users']).toBeGreaterThan(0);
    expect(Object.values(inbound.applyPhasesS).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(inbound.wallMs / 1000);
    expect(report).toMatch(/apply total/);
    expect(result.verdicts.map((v) => v.target)).toEqual(expect.arrayContaining([expect.stringMatching(/inbound events ≥ 5000\/s/)]));
    expect(report).toMatch(/Inbound employee events \(R-EVT-02\)/);
  });

  it('runs every service with the Helm chart\'s V8 heap bound (as deployed) and records what each process had', () => {
    const mb = chartMaxOldSpaceMB(repoRoot(__dirname));
    expect(result.options.maxOldSpaceMB).toBe(mb);
    const nodeOptions = result.options.nodeOptions ?? {};
    expect(Object.keys(nodeOptions).sort()).toEqual(['connector-gateway', 'directory-config', 'file-ingest', 'notifier', 'reconciler']);
    // The bound as deployed, and the bench's full GC on SIGUSR2 before each measured run (settleHeaps).
    const gcPreload = join(repoRoot(__dirname), 'dist/tools/bench/gc-on-signal-preload.js');
    for (const options of Object.values(nodeOptions)) expect(options).toBe(`--max-old-space-size=${mb} --expose-gc --require ${gcPreload}`);
    expect(report).toContain(`services ran with --max-old-space-size=${mb}`);
    expect(report).toContain('each run starts after a full GC in every service');
  });

  it('removes its generated files', () => {
    expect(existsSync(workDir)).toBe(false);
  });
});
