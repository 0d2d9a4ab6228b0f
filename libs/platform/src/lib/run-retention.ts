import { type DynamicModule, Inject, Injectable, Logger, Module, type Type } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { z } from 'zod';
import { Streams } from '@roster/contracts';
import { Metrics, envField } from '@roster/observability';
import { type PruneTotals, pruneInBatches } from '@roster/persistence';
import { IntervalJob } from './interval-loop';

/**
 * The fewest days a finished run's history may be kept: the longest any stream keeps a message, and a day. Within it a
 * message about the run (its `run.finished`, a dead letter of its completion) can still be delivered, redriven or
 * replayed, and finds the run it is about.
 */
export const MIN_RUN_RETENTION_DAYS = Math.max(...Object.values(Streams).map((s) => s.maxAgeDays)) + 1;

/**
 * Run history retention, in the services that keep per-run rows (directory-config: the runs; the reconciler: their
 * states, problems and held removals; the notifier: its mail log). Spread into a service's config.
 */
export const RunRetentionConfig = {
  /** Days a finished run's history is kept after it finished; 0 keeps it forever. */
  ROSTER_RUN_RETENTION_DAYS: z
    .string()
    .trim()
    .refine((v) => /^\d+$/.test(v) && (Number(v) === 0 || (Number(v) >= MIN_RUN_RETENTION_DAYS && Number.isSafeInteger(Number(v)))), {
      error: `expected 0 (keep every run) or at least ${MIN_RUN_RETENTION_DAYS} days (the longest stream retention and a day: a message about a run can come until then)`,
    })
    .transform(Number)
    .default(90),
  /** Milliseconds between prunes of run history older than that, in each replica (and one at start); 0 disables the loop. */
  ROSTER_RUN_PRUNE_INTERVAL_MS: envField.loopIntervalMs().default(3_600_000),
};

const DAY_MS = 24 * 60 * 60 * 1000;

/** How the services that keep run history prune it (from RunRetentionConfig; `now` injectable for tests). */
export interface RunRetentionSettings {
  /** Days a finished run is kept; 0 keeps every run (the loop does not start). */
  days: number;
  intervalMs: number;
  /** Runs per delete statement at most. */
  batchSize: number;
  now: () => Date;
}
export const RUN_RETENTION = Symbol('RUN_RETENTION');

/** Runs per delete: each statement a few milliseconds of row locks. */
export const RUN_PRUNE_BATCH = 500;

export function runRetentionSettings(config: { ROSTER_RUN_RETENTION_DAYS: number; ROSTER_RUN_PRUNE_INTERVAL_MS: number }): RunRetentionSettings {
  return {
    days: config.ROSTER_RUN_RETENTION_DAYS,
    // Keeping every run needs no loop.
    intervalMs: config.ROSTER_RUN_RETENTION_DAYS === 0 ? 0 : config.ROSTER_RUN_PRUNE_INTERVAL_MS,
    batchSize: RUN_PRUNE_BATCH,
    now: () => new Date(),
  };
}

/** Runs that finished before this are past retention: `days` before `now`, and `extraDays` more. */
export function runRetentionCutoff(now: Date, days: number, extraDays = 0): Date {
  return new Date(now.getTime() - (days + extraDays) * DAY_MS);
}

/** What a run history prune deleted. */
export interface RunHistoryPruned extends PruneTotals {
  /** Runs that finished before this time were deleted. */
  before: string;
  /** Rows deleted, by table (`pruned` counts the runs' own table). */
  deleted: Record<string, number>;
}

/**
 * A service's prune of its own run history (directory-config: runs; the reconciler: states, problems, removals; the
 * notifier: mails): `batch` deletes at most `limit` runs (mails) older than `before` — oldest first, locked
 * `for update skip locked` so replicas share them — with their rows, and says how many rows of each table went;
 * `table` is the runs' own. The batches go on until one comes back short; each is counted in
 * `roster_run_history_pruned_total{table}` as it commits.
 */
export abstract class RunHistoryPrune {
  protected readonly logger = new Logger(this.constructor.name);
  private readonly pruned: Counter<'table'>;

  protected constructor(
    private readonly settings: Pick<RunRetentionSettings, 'days' | 'batchSize'>,
    metrics: Metrics,
    private readonly table: string,
    /** Days kept past the retention (the reconciler outlives directory-config's run rows by one). */
    private readonly extraDays = 0,
  ) {
    this.pruned = metrics.counter({
      name: 'roster_run_history_pruned_total',
      help: 'Rows of finished runs deleted because they are past ROSTER_RUN_RETENTION_DAYS, by table',
      labelNames: ['table'],
    });
  }

  protected abstract batch(before: Date, limit: number): Promise<Record<string, number>>;

  async execute(now: Date): Promise<RunHistoryPruned | null> {
    if (this.settings.days === 0) return null;
    const before = runRetentionCutoff(now, this.settings.days, this.extraDays);
    const started = Date.now();
    const deleted: Record<string, number> = {};
    const totals = await pruneInBatches(async () => {
      const rows = await this.batch(before, this.settings.batchSize);
      for (const [table, n] of Object.entries(rows)) {
        deleted[table] = (deleted[table] ?? 0) + n;
        this.pruned.inc({ table }, n);
      }
      return rows[this.table] ?? 0;
    }, this.settings.batchSize);
    const result = { before: before.toISOString(), ...totals, deleted };
    this.logger.log({ ...result, ms: Date.now() - started }, 'run history pruned');
    return result;
  }
}

const RUN_HISTORY_PRUNE = Symbol('RUN_HISTORY_PRUNE');

/** Prunes run history every ROSTER_RUN_PRUNE_INTERVAL_MS (and once at start) in each replica. */
@Injectable()
export class RunHistoryPruner extends IntervalJob {
  constructor(
    @Inject(RUN_HISTORY_PRUNE) private readonly prune: RunHistoryPrune,
    @Inject(RUN_RETENTION) private readonly settings: RunRetentionSettings,
  ) {
    super('run history pruning', settings.intervalMs, 'run history pruning off (ROSTER_RUN_RETENTION_DAYS=0 or ROSTER_RUN_PRUNE_INTERVAL_MS=0); every run is kept');
  }

  protected work(): Promise<unknown> {
    return this.prune.execute(this.settings.now());
  }
}

/** Run history retention (ROSTER_RUN_RETENTION_DAYS) in a service, with its own prune. */
@Module({})
export class RunHistoryModule {
  static register(prune: Type<RunHistoryPrune>, settings: RunRetentionSettings): DynamicModule {
    return {
      module: RunHistoryModule,
      providers: [{ provide: RUN_RETENTION, useValue: settings }, prune, { provide: RUN_HISTORY_PRUNE, useExisting: prune }, RunHistoryPruner],
    };
  }
}
