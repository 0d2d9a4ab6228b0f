// Issue 7, the short chaos suite (CI): a 3 000-row users file and its teams file synced once cleanly, then eleven
// times on fresh tenants while one fault strikes at a seeded moment of the run — SIGKILL and restart of each of
// the five services, a SIGKILL and restart of nats-server, a Postgres outage (the chaos database refuses
// connections and the services' are terminated: the shared server must not restart), file-ingest SIGKILLed while
// it reads the file, the instant it moves the files and the instant its completion is out, and the reconciler
// while its outbox relay publishes the run's events. After each: the run ends
// (by itself, or re-driven with the `roster` CLI), the directory equals the reference's, and a durable consumer
// counting by event id gets every change of the reference exactly once. `npm run chaos` is the long version.
// Needs dist/ (node tools/build.mjs), PostgreSQL, nats-server and sshd, like the end-to-end tests.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAULT_KINDS, FaultSpec } from './faults';
import { repoRoot } from '../bench/options';
import type { ChaosResult } from './report';
import { runChaos } from './run-chaos';

const ROWS = 3000;
/**
 * Every kind once at a random moment; file-ingest while it reads the file, the instant its completion is out and
 * the instant it moves the files (its ledger committed, its completion not yet out); the reconciler while its relay
 * publishes.
 */
const FAULTS: FaultSpec[] = [
  ...FAULT_KINDS.map((kind) => ({ kind, at: 'random' as const })),
  { kind: 'file-ingest', at: 'fetching' },
  { kind: 'file-ingest', at: 'completed' },
  { kind: 'file-ingest', at: 'archived' },
  { kind: 'reconciler', at: 'publishing' },
];

describe('chaos (short): every service SIGKILLed, nats-server and Postgres restarted, during a 3k-row CSV run', () => {
  let resultsDir: string;
  let result: ChaosResult;
  let report: string;

  beforeAll(async () => {
    resultsDir = await mkdtemp(join(tmpdir(), 'roster-chaos-spec-'));
    ({ result, report } = await runChaos({
      rows: ROWS,
      rounds: FAULTS.length,
      seed: Number(process.env['ROSTER_CHAOS_SEED'] ?? 7),
      faults: FAULTS,
      postgres: 'terminate',
      isolation: 'tenant',
      // 15 user batches and a teams batch: a kill lands between batches, not only before or after the file.
      batchSize: 200,
      ackWaitMs: 3000,
      maxDownMs: 1000,
      // A round stuck on dead letters (a minute of backoff, then a redrive) fails here rather than after jest's
      // timeout: later rounds are skipped (result.interrupted) and the report still says what happened.
      roundTimeoutMs: 50_000,
      // A guard against a hung suite, not a speed bound: CI shares two cores with the other suites, and a round
      // there has taken twice as long as on an idle machine (135 s cut the ninth round short once).
      signal: AbortSignal.timeout(330_000),
      resultsDir,
      root: repoRoot(__dirname),
      outputLimit: 512 * 1024,
    }));
    process.stdout.write(`\n${report}\n`);
  }, 420_000);

  afterAll(async () => {
    // A failed round's service logs stay for the CI artefacts; a clean run leaves nothing.
    if (resultsDir && result?.summary.failed === 0) await rm(resultsDir, { recursive: true, force: true });
  });

  it('the clean reference run is a real one: every valid row a user, teams, memberships, custom fields, events', () => {
    const ref = result.reference;
    expect(ref.final?.status).toBe('partially-succeeded'); // the generator's ~0.6 % bad rows, by design
    expect(ref.directory?.counts['users']).toBeGreaterThan(ROWS * 0.98);
    expect(ref.directory?.counts['teams']).toBeGreaterThan(10);
    expect(ref.directory?.counts['memberships']).toBeGreaterThan(ROWS);
    expect(ref.directory?.counts['customFields']).toBe(7);
    expect(ref.events?.uniqueIds).toBe(ref.events?.stored);
    expect(Object.keys(ref.events?.byType ?? {}).sort()).toEqual(['membership.added', 'team.created', 'user.created']);
  });

  it('ran every planned round in the time budget', () => {
    expect(result.interrupted).toBeUndefined();
    expect(result.rounds).toHaveLength(FAULTS.length);
  });

  it('struck once with every fault kind, while file-ingest read the file, published its completion and moved the files, and while the relay published', () => {
    expect(result.rounds.map((r) => ({ kind: r.fault.kind, at: r.fault.at }))).toEqual(FAULTS);
    for (const r of result.rounds) expect(r.fault.error).toBeUndefined();
    const [fetching, completed, archived, publishing] = result.rounds.slice(-4);
    expect(fetching?.fault.atStatus).toBe('fetching');
    expect(completed?.fault.atStatus).toBe('completed');
    expect(archived?.fault.atStatus).toBe('archived');
    expect(publishing?.fault.atStatus).toBe('publishing');
    expect(publishing?.fault.eventsAtFault).toBeGreaterThan(0);
  });

  it('after every fault the run ends (by itself or re-driven by an operator command) as the clean one did', () => {
    const notFinal = result.rounds.filter((r) => !r.final || r.stuck).map((r) => `round ${r.round} (${r.fault.kind}): ${r.stuck ?? 'no final status'}`);
    expect(notFinal).toEqual([]);
    for (const r of result.rounds) {
      expect({ round: r.round, status: r.final?.status, counts: r.final?.counts }).toEqual({ round: r.round, status: result.reference.final?.status, counts: result.reference.final?.counts });
    }
  });

  it('after every fault the final directory equals the clean run’s (users, managers, teams, memberships, custom fields)', () => {
    const diverged = result.rounds.filter((r) => !r.directoryDiff.equal).map((r) => ({ round: r.round, fault: r.fault.kind, samples: r.directoryDiff.samples }));
    expect(diverged).toEqual([]);
  });

  it('a consumer counting by event id gets every directory change of the clean run exactly once: no gap, no duplicate', () => {
    const wrong = result.rounds
      .filter((r) => r.eventDiff.gaps || r.eventDiff.duplicates || r.eventDiff.unexpected || r.events?.uniqueIds !== result.reference.events?.uniqueIds)
      .map((r) => ({ round: r.round, fault: r.fault.kind, ...r.eventDiff, ids: r.events?.uniqueIds }));
    expect(wrong).toEqual([]);
  });

  it('passes every check of every round (no dead letter left, no run left active, files archived, one report per run, nothing staged)', () => {
    const failed = result.rounds.flatMap((r) => r.checks.filter((c) => !c.ok).map((c) => `round ${r.round} (${r.fault.kind}): ${c.name}: ${c.detail ?? ''}`));
    expect(failed).toEqual([]);
  });
});
