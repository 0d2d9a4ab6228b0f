// Issue 7, the short chaos suite for an HR-API directory (CI): 2 000 employees of the HRIS emulator (managers,
// teams, departments, cost centres, business units, groups) synced once cleanly, then while connector-gateway is
// SIGKILLed at a random moment, the instant its second record batch is out (mid-fetch), and the instant its
// completion is out, and while the reconciler's relay publishes. A killed fetch is redelivered and fetched again under a new fetch id
// (the run is made of one fetch: records.batch/records.complete carry it); after each round the directory equals
// the clean run's and a durable consumer counting by event id gets every change exactly once.
// `npm run chaos -- --source hris` is the long version. Needs dist/ (node tools/build.mjs), PostgreSQL and nats-server.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FaultSpec } from './faults';
import { repoRoot } from '../bench/options';
import type { ChaosResult } from './report';
import { runChaos } from './run-chaos';

const EMPLOYEES = 2000;
const FAULTS: FaultSpec[] = [
  { kind: 'connector-gateway', at: 'random' },
  { kind: 'connector-gateway', at: 'batch' },
  { kind: 'connector-gateway', at: 'completed' },
  { kind: 'reconciler', at: 'publishing' },
];

describe('chaos (short, HR-API): connector-gateway SIGKILLed while it fetches and once its completion is out, the reconciler while it publishes', () => {
  let resultsDir: string;
  let result: ChaosResult;
  let report: string;

  beforeAll(async () => {
    resultsDir = await mkdtemp(join(tmpdir(), 'roster-chaos-hris-spec-'));
    ({ result, report } = await runChaos({
      source: 'hris',
      rows: EMPLOYEES,
      rounds: FAULTS.length,
      seed: Number(process.env['ROSTER_CHAOS_SEED'] ?? 7),
      faults: FAULTS,
      postgres: 'terminate',
      isolation: 'tenant',
      // 10 record batches of 200 from 20 pages of 100: a kill lands between batches.
      batchSize: 200,
      ackWaitMs: 3000,
      maxDownMs: 1000,
      roundTimeoutMs: 50_000,
      // A guard against a hung suite, not a speed bound (CI shares two cores with the other suites).
      signal: AbortSignal.timeout(240_000),
      resultsDir,
      root: repoRoot(__dirname),
      outputLimit: 512 * 1024,
    }));
    process.stdout.write(`\n${report}\n`);
  }, 300_000);

  afterAll(async () => {
    if (resultsDir && result?.summary.failed === 0) await rm(resultsDir, { recursive: true, force: true });
  });

  it('the clean reference run is a real one: every employee a user, with managers, groups and events', () => {
    const ref = result.reference;
    expect(ref.final?.status).toBe('succeeded');
    expect(ref.final?.counts?.['created']).toBe(EMPLOYEES);
    expect(ref.directory?.counts['users']).toBe(EMPLOYEES);
    expect(ref.directory?.counts['groups']).toBeGreaterThan(0);
    expect(ref.events?.uniqueIds).toBe(ref.events?.stored);
    expect(ref.events?.byType?.['user.created']).toBe(EMPLOYEES);
  });

  it('ran every planned round, struck as planned', () => {
    expect(result.interrupted).toBeUndefined();
    expect(result.rounds.map((r) => ({ kind: r.fault.kind, at: r.fault.at }))).toEqual(FAULTS);
    for (const r of result.rounds) expect(r.fault.error).toBeUndefined();
    expect(result.rounds[1]?.fault.atStatus).toBe('batch');
    // Killed mid-fetch (the second of ten batches out), the fetch is redelivered and done again: not final at once.
    expect(result.rounds[1]?.recoveryMs).toBeGreaterThan(0);
    expect(result.rounds[2]?.fault.atStatus).toBe('completed');
  });

  it('R-API-02 R-API-06 after every fault the run ends as the clean one did and the directory equals it', () => {
    for (const r of result.rounds) {
      expect({ round: r.round, status: r.final?.status, counts: r.final?.counts, equal: r.directoryDiff.equal, samples: r.directoryDiff.samples }).toEqual({
        round: r.round,
        status: result.reference.final?.status,
        counts: result.reference.final?.counts,
        equal: true,
        samples: [],
      });
    }
  });

  it('R-EVT-01 every directory change of the clean run is published exactly once, and every other check of every round holds', () => {
    const wrong = result.rounds.filter((r) => r.eventDiff.gaps || r.eventDiff.duplicates || r.eventDiff.unexpected).map((r) => ({ round: r.round, ...r.eventDiff }));
    expect(wrong).toEqual([]);
    const failed = result.rounds.flatMap((r) => r.checks.filter((c) => !c.ok).map((c) => `round ${r.round} (${r.fault.kind}): ${c.name}: ${c.detail ?? ''}`));
    expect(failed).toEqual([]);
  });
});
