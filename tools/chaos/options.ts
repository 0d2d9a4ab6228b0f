// `npm run chaos -- [--rows N] [--rounds N] [--seed N] …`: the options of the fault-injection driver.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_FAULTS, EVENT_DEFAULT_FAULTS, FaultSpec, HRIS_DEFAULT_FAULTS, REFUSED_AT, faultLabel, parseFaultSpec } from './faults';

export type PostgresMode = 'terminate' | 'restart';
/**
 * `csv`: a users and a teams file on SFTP (sftp-csv); `hris`: the HRIS emulator's employees (hris-api); `event`:
 * employee events published on ROSTER_INBOUND for an `event` directory (R-EVT-02).
 */
export type ChaosSource = 'csv' | 'hris' | 'event';
export type Isolation = 'tenant' | 'database';

export interface ChaosOptions {
  /** Where the run's records come from (default csv). */
  source?: ChaosSource;
  /** Data rows of the users file (the bench generator's; a teams file comes with it), the source's employees, or the inbound events. */
  rows: number;
  /** `--source event`: inbound events published per second (in order, one at a time, each retried until acked). */
  eventRate?: number;
  /** Faulted rounds; round i injects faults[i % faults.length]. */
  rounds: number;
  /** Seeds the kill moments, the down times and the file's row order: the same seed replays the same plan. */
  seed: number;
  /** Rotated through, one per round. */
  faults: FaultSpec[];
  /**
   * `restart`: the driver runs its own PostgreSQL cluster (initdb in a temp dir, its own port) and stops it
   * immediate-mode (SIGQUIT: no checkpoint, crash recovery at the next start) and starts it again.
   * `terminate`: the shared server at ROSTER_TEST_PG_URL; the chaos database refuses connections
   * (ALLOW_CONNECTIONS false) and every connection of the services is terminated (pg_terminate_backend) for the
   * down time: what a restart looks like to the services, without disturbing the server's other users.
   */
  postgres: PostgresMode;
  /** `tenant`: one platform, a new tenant per round; `database`: a new database, nats-server and platform per round. */
  isolation: Isolation;
  /** ROSTER_BATCH_SIZE of the services (default theirs, 1000). */
  batchSize?: number;
  /** ROSTER_ACK_WAIT_MS of the services: how soon a killed consumer's message is redelivered. */
  ackWaitMs: number;
  /** The longest a faulted service, nats-server or PostgreSQL stays down (each round draws 0..this). */
  maxDownMs: number;
  /** Deadline of one round, POST → final status (operator re-drives included); default by size. */
  roundTimeoutMs?: number;
  /** Where chaos-<ISO date>.json goes. */
  resultsDir: string;
  root: string;
}

export const USAGE = `usage: npm run chaos -- [--source csv|hris|event] [--rows N] [--rounds N] [--seed N] [--faults LIST] [--postgres restart|terminate]
                          [--isolation database|tenant] [--batch-size N] [--ack-wait-ms N] [--max-down-ms N] [--event-rate N]
                          [--round-timeout-s N] [--results-dir DIR]
  --source S        csv: a users and a teams file on SFTP (default); hris: an hris-api directory on the HRIS
                    emulator (its employees, managers and groups, 100 a page); event: employee events
                    (upserts, updates, terminations) published on ROSTER_INBOUND for an event directory
  --rows N          rows of the users file, employees of the HR system, or inbound events (default 100000)
  --event-rate N    --source event: events published per second, in order, each retried until acked (default 1000)
  --rounds N        faulted rounds after the clean reference run (default 20 per fault of the list: 240)
  --seed N          seeds the kill moments, down times and row order (default 1)
  --faults LIST     comma-separated, rotated through in order: a service name (SIGKILL + restart), nats or
                    postgres, at a random moment of the run, or @fetching (the file read and staged),
                    @publishing (the outbox relay publishing the run's events), @archived (the instant
                    file-ingest has moved the first file to archive/, its ledger committed, its completion
                    not yet out), @completed (the instant the run's records.complete is on the bus) or
                    @batch (the instant its second records.batch is); --source event: @accepting (while
                    directory-config's micro-batcher holds published events), @batch/@completed the tenant's
                    second micro-batch run's (@fetching and @archived refused)
                    (default: ${DEFAULT_FAULTS.map(faultLabel).join(',')};
                    with --source hris: ${HRIS_DEFAULT_FAULTS.map(faultLabel).join(',')};
                    with --source event: ${EVENT_DEFAULT_FAULTS.map(faultLabel).join(',')})
  --postgres MODE   restart: a private PostgreSQL cluster stopped immediate-mode and started again (default);
                    terminate: the shared server, the chaos database's connections refused and terminated
  --isolation I     database: a fresh database, nats-server and services per round (default);
                    tenant: one platform, a fresh tenant per round (quicker, for small files)
  --batch-size N    ROSTER_BATCH_SIZE of the services (default theirs: 1000)
  --ack-wait-ms N   ROSTER_ACK_WAIT_MS of the services (default 5000)
  --max-down-ms N   longest down time of a faulted process (default 3000)
  --round-timeout-s N  deadline of one round (default 180 s + 2 ms per row)
  --results-dir D   where chaos-<ISO date>.json is written (default reports)`;

export function parseChaosArgs(argv: string[], root: string): ChaosOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      source: { type: 'string', default: 'csv' },
      rows: { type: 'string', default: '100000' },
      rounds: { type: 'string' },
      seed: { type: 'string', default: '1' },
      faults: { type: 'string' },
      postgres: { type: 'string', default: 'restart' },
      isolation: { type: 'string', default: 'database' },
      'batch-size': { type: 'string' },
      'ack-wait-ms': { type: 'string', default: '5000' },
      'max-down-ms': { type: 'string', default: '3000' },
      'round-timeout-s': { type: 'string' },
      'event-rate': { type: 'string', default: '1000' },
      'results-dir': { type: 'string', default: resolve(root, 'reports') },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) throw new Error(USAGE);
  const count = (name: string, raw: string | undefined, min: number): number => {
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < min) throw new Error(`--${name} must be an integer of at least ${min}, got ${raw}\n${USAGE}`);
    return n;
  };
  const oneOf = <T extends string>(name: string, raw: string | undefined, allowed: readonly T[]): T => {
    if (!allowed.includes(raw as T)) throw new Error(`--${name} must be one of ${allowed.join(', ')}, got ${raw}\n${USAGE}`);
    return raw as T;
  };
  const source = oneOf('source', values.source, ['csv', 'hris', 'event'] as const);
  let faults: FaultSpec[];
  try {
    faults =
      values.faults === undefined
        ? [...{ csv: DEFAULT_FAULTS, hris: HRIS_DEFAULT_FAULTS, event: EVENT_DEFAULT_FAULTS }[source]]
        : values.faults.split(',').filter((f) => f.trim()).map(parseFaultSpec);
  } catch (e) {
    throw new Error(`--faults: ${(e as Error).message}\n${USAGE}`);
  }
  if (faults.length === 0) throw new Error(`--faults: none given\n${USAGE}`);
  for (const f of faults) {
    const why = REFUSED_AT[source][f.at];
    if (why) throw new Error(`--faults: ${faultLabel(f)}: @${f.at} ${why}\n${USAGE}`);
  }
  return {
    source,
    rows: count('rows', values.rows, 100),
    ...(source === 'event' ? { eventRate: count('event-rate', values['event-rate'], 10) } : {}),
    rounds: values.rounds === undefined ? 20 * faults.length : count('rounds', values.rounds, 0),
    seed: count('seed', values.seed, 0),
    faults,
    postgres: oneOf('postgres', values.postgres, ['restart', 'terminate'] as const),
    isolation: oneOf('isolation', values.isolation, ['database', 'tenant'] as const),
    batchSize: values['batch-size'] === undefined ? undefined : count('batch-size', values['batch-size'], 1),
    ackWaitMs: count('ack-wait-ms', values['ack-wait-ms'], 500),
    maxDownMs: count('max-down-ms', values['max-down-ms'], 0),
    roundTimeoutMs: values['round-timeout-s'] === undefined ? undefined : count('round-timeout-s', values['round-timeout-s'], 10) * 1000,
    resultsDir: resolve(values['results-dir'] as string),
    root,
  };
}

/** Deadline of one round: a run, its redeliveries after the fault, dead-lettering (~1 min of backoff) and a re-drive. */
export function defaultRoundTimeoutMs(rows: number): number {
  return 180_000 + rows * 2;
}
