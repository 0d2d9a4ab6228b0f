// Issue 7, the short chaos suite for an `event` directory (CI): 2 000 inbound employee events (upserts with
// managers and teams, updates, terminations) published on ROSTER_INBOUND by a publisher that retries each event
// with the same Nats-Msg-Id until acked, once cleanly, then while directory-config is SIGKILLed with events in its
// micro-batcher, the reconciler the instant a micro-batch's completion is out, nats-server while events are
// published and Postgres at a random moment. After each round every event is applied once: every id claimed by the
// inbox, every micro-batch run succeeded, the directory equal to the clean run's, and a durable consumer of the
// directory events ends with the clean consumer's view, no change twice.
// `npm run chaos -- --source event` is the long version. Needs dist/ (node tools/build.mjs), PostgreSQL and nats-server.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FaultSpec } from './faults';
import { repoRoot } from '../bench/options';
import type { ChaosResult } from './report';
import { runChaos } from './run-chaos';

const EVENTS = 2000;
const FAULTS: FaultSpec[] = [
  { kind: 'directory-config', at: 'accepting' },
  { kind: 'reconciler', at: 'completed' },
  { kind: 'nats', at: 'accepting' },
  { kind: 'postgres', at: 'random' },
];

describe('chaos (short, event directory): directory-config while it holds events, the reconciler at a completion, nats-server while events arrive, Postgres', () => {
  let resultsDir: string;
  let result: ChaosResult;
  let report: string;

  beforeAll(async () => {
    resultsDir = await mkdtemp(join(tmpdir(), 'roster-chaos-event-spec-'));
    ({ result, report } = await runChaos({
      source: 'event',
      rows: EVENTS,
      // Four seconds of events: several micro-batches (500 ms windows), a kill lands among them.
      eventRate: 500,
      rounds: FAULTS.length,
      seed: Number(process.env['ROSTER_CHAOS_SEED'] ?? 7),
      faults: FAULTS,
      postgres: 'terminate',
      isolation: 'tenant',
      ackWaitMs: 3000,
      maxDownMs: 1000,
      roundTimeoutMs: 60_000,
      // A guard against a hung suite, not a speed bound (CI shares two cores with the other suites).
      signal: AbortSignal.timeout(300_000),
      resultsDir,
      root: repoRoot(__dirname),
      outputLimit: 512 * 1024,
    }));
    process.stdout.write(`\n${report}\n`);
  }, 360_000);

  afterAll(async () => {
    if (resultsDir && result?.summary.failed === 0) await rm(resultsDir, { recursive: true, force: true });
  });

  it('the clean reference is a real one: several succeeded micro-batch runs, users with managers and teams, terminations applied', () => {
    const ref = result.reference;
    expect(ref.final?.status).toBe('succeeded');
    expect(ref.runIds.length).toBeGreaterThan(2);
    expect(ref.inbound).toMatchObject({ events: EVENTS, acked: EVENTS, accepted: EVENTS });
    expect(ref.directory?.counts['users']).toBeGreaterThan(1500);
    expect(ref.directory?.counts['memberships']).toBeGreaterThan(1500);
    expect(ref.events?.uniqueIds).toBe(ref.events?.stored);
    expect(ref.events?.byType?.['user.created']).toBe(ref.directory?.counts['users']);
  });

  it('ran every planned round, struck as planned', () => {
    expect(result.interrupted).toBeUndefined();
    expect(result.rounds.map((r) => ({ kind: r.fault.kind, at: r.fault.at }))).toEqual(FAULTS);
    for (const r of result.rounds) expect(r.fault.error).toBeUndefined();
    // directory-config killed with events acked by the stream and not yet in a committed run.
    expect(result.rounds[0]?.fault.atStatus).toMatch(/^accepting/);
    expect(result.rounds[1]?.fault.atStatus).toBe('completed');
    // nats-server down while the publisher still had events to send: it retried them.
    expect(result.rounds[2]?.inbound?.retries).toBeGreaterThan(0);
  });

  it('R-EVT-02 after every fault every event is applied once: all accepted, every run succeeded, the directory equals the clean one', () => {
    for (const r of result.rounds) {
      expect({ round: r.round, status: r.final?.status, accepted: r.inbound?.accepted, equal: r.directoryDiff.equal, samples: r.directoryDiff.samples }).toEqual({
        round: r.round,
        status: 'succeeded',
        accepted: EVENTS,
        equal: true,
        samples: [],
      });
    }
  });

  it('R-EVT-01 the downstream consumer ends with the clean consumer’s directory, no change twice, and every other check of every round holds', () => {
    const wrong = result.rounds.filter((r) => r.eventDiff.gaps || r.eventDiff.duplicates || r.eventDiff.unexpected).map((r) => ({ round: r.round, ...r.eventDiff }));
    expect(wrong).toEqual([]);
    const failed = result.rounds.flatMap((r) => r.checks.filter((c) => !c.ok).map((c) => `round ${r.round} (${r.fault.kind}): ${c.name}: ${c.detail ?? ''}`));
    expect(failed).toEqual([]);
  });
});
