import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import type { AdminApi } from '../api-client';
import type { CommandContext } from '../context';
import { positiveInt } from '../context';
import { CliError, ExitCode } from '../exit-codes';
import type { Output } from '../output';

export interface PendingRemovals {
  deactivate?: number;
  delete?: number;
  directoryUsers?: number;
  threshold?: { count: number; percent: number };
  users?: unknown[];
}

export interface Run {
  id: string;
  directoryId: string;
  trigger: string;
  status: string;
  counts: Record<string, number> | null;
  problemCount: number;
  failure: { code: string; message: string } | null;
  pendingRemovals: PendingRemovals | null;
  /** R-SAFE-01: an admin's decision on a held run, recorded before the reconciler acts on it. */
  decision?: 'approve' | 'reject' | null;
  createdAt: string;
  finishedAt?: string | null;
  [key: string]: unknown;
}

export const countsText = (counts: Record<string, number> | null) =>
  counts ? Object.entries(counts).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ') || 'no changes' : '-';

/** `--no-follow`, `--interval`, `--timeout`: how a command that starts a run follows it. */
export const withFollowOptions = (c: Command, noFollow = 'print the queued run and return at once') =>
  c
    .option('--no-follow', noFollow)
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
  /** The caller has just approved or rejected the run: awaiting-approval is a step on the way, not an end. */
  decided?: boolean;
}

/** Whether following stops here: a final status, or a hold nobody has decided on yet. */
const settled = (run: Run, o: FollowOptions) =>
  run.status in FINAL && !(run.status === 'awaiting-approval' && (o.decided || Boolean(run.decision)));

/** The exit code a followed run ends with: 0 succeeded, 3 failed, 4 partially-succeeded, 5 awaiting approval. */
export const exitCodeOf = (run: Run): ExitCode => FINAL[run.status] ?? ExitCode.FAILURE;

/** What a held run would remove, in a line (R-SAFE-01). */
export const heldText = (p: PendingRemovals | null) =>
  p
    ? `would deactivate ${p.deactivate ?? 0} and delete ${p.delete ?? 0} of ${p.directoryUsers ?? '?'} active directory users` +
      (p.threshold ? ` (over the safeguard: ${p.threshold.count} users or ${p.threshold.percent} %)` : '')
    : '-';

export const runText = (r: Run) =>
  [
    `run ${r.id} ${r.status}`,
    `counts: ${countsText(r.counts)}`,
    `problems: ${r.problemCount}`,
    ...(r.failure ? [`failure: ${r.failure.code}: ${r.failure.message}`] : []),
    ...(r.status === 'awaiting-approval' && !r.decision
      ? [`held: ${heldText(r.pendingRemovals)}`, `held for approval: roster runs approve ${r.id}  (or reject; roster runs show ${r.id} --held lists the users)`]
      : []),
  ].join('\n');

/**
 * Following lost the API (a network blip, a restart): the work was started and goes on without us. Say so, and how to
 * pick it up again, rather than leave an operator thinking the failure is the run's.
 */
export async function stillGoingOn<T>(poll: Promise<T>, what: string, again: string): Promise<T> {
  try {
    return await poll;
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    throw new CliError(e.exitCode, e.code, `${e.message}; stopped following, ${what} goes on: ${again}`, e.details);
  }
}

/**
 * Polls a run until it settles (a final status, or awaiting approval with no decision yet), printing each status or
 * count change as progress. A `--timeout` stops following (exit 1, the run goes on) — never sleeping past it.
 */
export async function waitForRun(api: AdminApi, out: Output, tenant: string, started: Run, o: FollowOptions): Promise<Run> {
  let run = started;
  const deadline = o.timeout === undefined ? Infinity : Date.now() + o.timeout * 1000;
  let last = `${run.status}|${countsText(run.counts)}`;
  while (!settled(run, o)) {
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new CliError(
        ExitCode.FAILURE,
        'FOLLOW_TIMEOUT',
        `run ${run.id} is still ${run.status} after ${o.timeout} s; follow it again with roster runs show ${run.id} --follow`,
        { runId: run.id, status: run.status },
      );
    }
    await sleep(Math.min(o.interval, left));
    run = await stillGoingOn(api.get<Run>(`/v1/tenants/${tenant}/runs/${run.id}`), `run ${run.id}`, `roster runs show ${run.id} --follow`);
    const now = `${run.status}|${countsText(run.counts)}`;
    if (now !== last) {
      out.progress({ runId: run.id, status: run.status, counts: run.counts }, `run ${run.id} ${run.status}${run.counts ? `: ${countsText(run.counts)}` : ''}`);
      last = now;
    }
  }
  return run;
}

/**
 * Follows a started run (`sync`, `runs rerun`, `runs approve`) until it ends: prints each status or count change as
 * progress, then the run, and sets the exit code from its final status (0, 3 failed, 4 partial, 5 awaiting approval).
 */
export async function followRun(ctx: CommandContext, api: AdminApi, out: Output, tenant: string, started: Run, o: FollowOptions): Promise<Run> {
  const run = await waitForRun(api, out, tenant, started, o);
  ctx.exitCode = exitCodeOf(run);
  out.result(run, runText);
  return run;
}
