import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import type { AdminApi } from '../api-client';
import type { CommandContext } from '../context';
import { positiveInt } from '../context';
import { CliError, ExitCode } from '../exit-codes';
import type { Output } from '../output';

export interface Run {
  id: string;
  directoryId: string;
  trigger: string;
  status: string;
  counts: Record<string, number> | null;
  problemCount: number;
  failure: { code: string; message: string } | null;
  pendingRemovals: unknown;
  createdAt: string;
  finishedAt?: string | null;
  [key: string]: unknown;
}

export const countsText = (counts: Record<string, number> | null) =>
  counts ? Object.entries(counts).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ') || 'no changes' : '-';

/** `--no-follow`, `--interval`, `--timeout`: how a command that starts a run follows it. */
export const withFollowOptions = (c: Command) =>
  c
    .option('--no-follow', 'print the queued run and return at once')
    .option('--interval <ms>', 'how often to poll the run', positiveInt('--interval'), 1000)
    .option('--timeout <seconds>', 'stop following after this long (exit 1); the run itself goes on', positiveInt('--timeout'));

const FINAL: Record<string, ExitCode> = {
  succeeded: ExitCode.OK,
  'partially-succeeded': ExitCode.RUN_PARTIAL,
  failed: ExitCode.RUN_FAILED,
  // Not final, but nothing happens until someone decides: stop following and say so.
  'awaiting-approval': ExitCode.AWAITING_APPROVAL,
};

export interface FollowOptions {
  interval: number;
  timeout?: number;
}

/**
 * Follows a started run (`sync`, `runs rerun`) until it ends: prints each status or count change as progress,
 * then the run, and sets the exit code from its final status (0, 3 failed, 4 partial, 5 awaiting approval).
 */
export async function followRun(ctx: CommandContext, api: AdminApi, out: Output, tenant: string, started: Run, o: FollowOptions): Promise<void> {
  let run = started;
  const deadline = o.timeout === undefined ? Infinity : Date.now() + o.timeout * 1000;
  let last = `${run.status}|${countsText(run.counts)}`;
  while (!(run.status in FINAL)) {
    if (Date.now() > deadline) {
      throw new CliError(ExitCode.FAILURE, 'FOLLOW_TIMEOUT', `run ${run.id} is still ${run.status} after ${o.timeout} s; follow it with roster runs show ${run.id}`, { runId: run.id, status: run.status });
    }
    await sleep(o.interval);
    run = await api.get<Run>(`/v1/tenants/${tenant}/runs/${run.id}`);
    const now = `${run.status}|${countsText(run.counts)}`;
    if (now !== last) {
      out.progress({ runId: run.id, status: run.status, counts: run.counts }, `run ${run.id} ${run.status}${run.counts ? `: ${countsText(run.counts)}` : ''}`);
      last = now;
    }
  }
  ctx.exitCode = FINAL[run.status];
  out.result(run, (r) =>
    [
      `run ${r.id} ${r.status}`,
      `counts: ${countsText(r.counts)}`,
      `problems: ${r.problemCount}`,
      ...(r.failure ? [`failure: ${r.failure.code}: ${r.failure.message}`] : []),
      ...(r.status === 'awaiting-approval' ? [`held for approval: roster runs approve ${r.id}  (or reject)`] : []),
    ].join('\n'),
  );
}
