import { Injectable } from '@nestjs/common';
import type { Counter } from 'prom-client';
import type { RunCounts } from '@roster/contracts';
import { Metrics } from '@roster/observability';

/** R-OPS-03: runs by final status and their rows by outcome, counted once a run's transaction has committed. */
@Injectable()
export class RunMetrics {
  private readonly runs: Counter<'status'>;
  private readonly rows: Counter<'outcome'>;

  constructor(metrics: Metrics) {
    this.runs = metrics.counter({ name: 'roster_runs_finished_total', help: 'Runs that ended (or were held), by status', labelNames: ['status'] });
    this.rows = metrics.counter({ name: 'roster_run_rows_total', help: 'Rows of ended runs, by outcome (the run counts)', labelNames: ['outcome'] });
  }

  finished(status: string, counts: RunCounts): void {
    this.runs.inc({ status });
    for (const [outcome, n] of Object.entries(counts)) if (n > 0) this.rows.inc({ outcome }, n);
  }
}
