import { Injectable } from '@nestjs/common';
import type { Counter } from 'prom-client';
import type { RunCounts } from '@roster/contracts';
import { Metrics } from '@roster/observability';

/**
 * R-OPS-03: runs by final status and their rows by outcome, counted once a run's transaction has committed; and
 * where the applies spend their time, by phase (`PhaseClock`), so an operator (and `npm run bench`) can tell a
 * slow match from a slow write.
 */
@Injectable()
export class RunMetrics {
  private readonly runs: Counter<'status'>;
  private readonly rows: Counter<'outcome'>;
  private readonly phases: Counter<'phase'>;

  constructor(metrics: Metrics) {
    this.runs = metrics.counter({ name: 'roster_runs_finished_total', help: 'Runs that ended (or were held), by status', labelNames: ['status'] });
    this.rows = metrics.counter({ name: 'roster_run_rows_total', help: 'Rows of ended runs, by outcome (the run counts)', labelNames: ['outcome'] });
    this.phases = metrics.counter({
      name: 'roster_apply_phase_seconds_total',
      help: 'Wall time of run applies by phase (committed or rolled back)',
      labelNames: ['phase'],
    });
  }

  finished(status: string, counts: RunCounts): void {
    this.runs.inc({ status });
    for (const [outcome, n] of Object.entries(counts)) if (n > 0) this.rows.inc({ outcome }, n);
  }

  timed(clock: PhaseClock): void {
    for (const [phase, ms] of clock.entries()) this.phases.inc({ phase }, ms / 1000);
  }
}

/** Wall time of an apply by phase: `lap(phase)` charges the time since the previous lap to `phase`. */
export class PhaseClock {
  private last = performance.now();
  private readonly ms = new Map<string, number>();

  lap(phase: string): void {
    const now = performance.now();
    this.ms.set(phase, (this.ms.get(phase) ?? 0) + (now - this.last));
    this.last = now;
  }

  entries(): [string, number][] {
    return [...this.ms];
  }

  /** Milliseconds by phase, rounded, for a log line. */
  summary(): Record<string, number> {
    return Object.fromEntries([...this.ms].map(([phase, ms]) => [phase, Math.round(ms)]));
  }
}
