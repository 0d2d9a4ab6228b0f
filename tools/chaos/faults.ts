// What the chaos suite breaks and when: one fault per round, rotating through the kinds, at a seeded moment of
// the run (uniform over the clean reference run's span, POST → last directory event on the bus).
import type { ServiceName } from '@roster/testing';

export const SERVICE_FAULTS = ['file-ingest', 'reconciler', 'directory-config', 'notifier', 'connector-gateway'] as const satisfies readonly ServiceName[];
/** A service name: SIGKILL it, restart it. `nats`: SIGKILL nats-server, restart it on its store. `postgres`: see ChaosOptions. */
export const FAULT_KINDS = [...SERVICE_FAULTS, 'nats', 'postgres'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export function isServiceFault(kind: FaultKind): kind is (typeof SERVICE_FAULTS)[number] {
  return (SERVICE_FAULTS as readonly string[]).includes(kind);
}

/**
 * When in the run a fault strikes: `random`, a moment drawn over the reference run's whole span (POST → last
 * directory event on the bus); `fetching`, once the run is fetching (file-ingest reading the files and publishing
 * record batches, the reconciler staging them), a moment drawn over the reference's fetching span; `publishing`,
 * the instant the run's first directory event is on the bus (the apply has committed and the outbox relay is
 * publishing the rest: a core subscription, no delay — the relay publishes thousands of events a second); `archived`, the instant the first file of the run leaves
 * the folder (file-ingest has committed its ledger and moves the files, then publishes records.complete: a watch
 * on the folder, no delay); `completed`, the instant the run's records.complete is on the bus (before file-ingest
 * acknowledges the request: a core subscription to the subject, no delay); `batch`, the instant the run's second
 * records.batch is on the bus (the source mid-way through its records, whatever the machine's load: no delay);
 * `accepting` (event directories), a moment drawn over the reference's span of publishing inbound events, struck
 * while directory-config's micro-batcher holds events it has not committed as a run yet.
 * An event directory has no single run: `completed` and `batch` are then the tenant's second micro-batch run's.
 */
export const STRIKE_AT = ['random', 'fetching', 'publishing', 'completed', 'archived', 'batch', 'accepting'] as const;
export type StrikeAt = (typeof STRIKE_AT)[number];

export interface FaultSpec {
  kind: FaultKind;
  at: StrikeAt;
}

/**
 * The long version's rotation: every kind at a random moment (most of a first sync's time is the reconciler's
 * apply), then the moments a random draw rarely hits: file-ingest and Postgres while the file is read and staged,
 * file-ingest the instant it moves the files and the instant its completion is out, the reconciler and
 * nats-server while the outbox relay publishes the run's events.
 */
export const DEFAULT_FAULTS: readonly FaultSpec[] = [
  ...FAULT_KINDS.map((kind) => ({ kind, at: 'random' as const })),
  { kind: 'file-ingest', at: 'fetching' },
  { kind: 'postgres', at: 'fetching' },
  { kind: 'file-ingest', at: 'completed' },
  { kind: 'file-ingest', at: 'archived' },
  { kind: 'reconciler', at: 'publishing' },
  { kind: 'nats', at: 'publishing' },
];

/**
 * The rotation of an HR-API run (`--source hris`): every kind at a random moment, then connector-gateway and
 * Postgres while the pages are fetched and staged, connector-gateway the instant its second batch is out and the
 * instant its completion is out, the
 * reconciler and nats-server while the relay publishes. (No file moves: `@archived` is a file source's.)
 */
export const HRIS_DEFAULT_FAULTS: readonly FaultSpec[] = [
  ...FAULT_KINDS.map((kind) => ({ kind, at: 'random' as const })),
  { kind: 'connector-gateway', at: 'fetching' },
  { kind: 'connector-gateway', at: 'batch' },
  { kind: 'postgres', at: 'fetching' },
  { kind: 'connector-gateway', at: 'completed' },
  { kind: 'reconciler', at: 'publishing' },
  { kind: 'nats', at: 'publishing' },
];

/**
 * The rotation of an event directory (`--source event`): inbound employee events published while directory-config
 * is SIGKILLed at a random moment and while its micro-batcher holds events, the reconciler at a random moment, the
 * instant a micro-batch's second record batch is out (staging), the instant its completion is out (the apply
 * starts) and while its relay publishes, nats-server and Postgres at random and while the events are accepted.
 */
export const EVENT_DEFAULT_FAULTS: readonly FaultSpec[] = [
  { kind: 'directory-config', at: 'random' },
  { kind: 'directory-config', at: 'accepting' },
  { kind: 'reconciler', at: 'random' },
  { kind: 'reconciler', at: 'batch' },
  { kind: 'reconciler', at: 'completed' },
  { kind: 'reconciler', at: 'publishing' },
  { kind: 'nats', at: 'random' },
  { kind: 'nats', at: 'accepting' },
  { kind: 'postgres', at: 'random' },
  { kind: 'postgres', at: 'accepting' },
];

/** Moments that have no meaning for a source: a file source's moves, one run's fetch, an event source's accepting. */
export const REFUSED_AT: Record<'csv' | 'hris' | 'event', Partial<Record<StrikeAt, string>>> = {
  csv: { accepting: 'strikes an event directory\'s micro-batcher, not a file run' },
  hris: { archived: 'strikes a file source\'s moves, not an hris run', accepting: 'strikes an event directory\'s micro-batcher, not an hris run' },
  event: {
    archived: 'strikes a file source\'s moves; an event directory has no files',
    fetching: 'strikes one run\'s fetch; an event directory\'s runs are micro-batches of accepted events (use @accepting)',
  },
};

/** `reconciler` or `reconciler@publishing`. */
export function parseFaultSpec(text: string): FaultSpec {
  const [kind, at = 'random', ...rest] = text.trim().split('@');
  if (!FAULT_KINDS.includes(kind as FaultKind) || !STRIKE_AT.includes(at as StrikeAt) || rest.length) {
    throw new Error(`unknown fault ${text}: one of ${FAULT_KINDS.join(', ')}, optionally @${STRIKE_AT.join(', @')}`);
  }
  return { kind: kind as FaultKind, at: at as StrikeAt };
}

export function faultLabel(f: FaultSpec): string {
  return f.at === 'random' ? f.kind : `${f.kind}@${f.at}`;
}

export interface PlannedFault extends FaultSpec {
  /** 1-based. */
  round: number;
  /** ms after the run's POST (`random`), after it was seen fetching, or after its first directory event, at which the fault strikes. */
  delayMs: number;
  /** How long the process stays down before it is started again. */
  downMs: number;
}

/** A small seeded PRNG (mulberry32): the same seed gives the same plan on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Round i (1-based) injects faults[(i - 1) % faults.length] at a moment drawn uniformly from its window — the
 * reference run's span for each StrikeAt — down for [0, maxDownMs]. Drawn once, up front, so a plan does not
 * depend on how the rounds went.
 */
export function planFaults(o: { rounds: number; faults: readonly FaultSpec[]; seed: number; windowsMs: Record<StrikeAt, number>; maxDownMs: number }): PlannedFault[] {
  const random = seededRandom(o.seed);
  return Array.from({ length: o.rounds }, (_, i) => {
    const spec = o.faults[i % o.faults.length] as FaultSpec;
    return {
      round: i + 1,
      ...spec,
      delayMs: Math.floor(random() * o.windowsMs[spec.at]),
      downMs: Math.floor(random() * (o.maxDownMs + 1)),
    };
  });
}
