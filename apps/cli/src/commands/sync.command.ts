import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import type { CommandContext } from '../context';
import { positiveInt, uuidArg } from '../context';
import { CliError, ExitCode } from '../exit-codes';
import { details } from '../output';
import { Run, countsText } from './runs.command';

const FINAL: Record<string, ExitCode> = {
  succeeded: ExitCode.OK,
  'partially-succeeded': ExitCode.RUN_PARTIAL,
  failed: ExitCode.RUN_FAILED,
  // Not final, but nothing happens until someone decides: stop following and say so.
  'awaiting-approval': ExitCode.AWAITING_APPROVAL,
};

/** `roster sync <directoryId>`: starts a manual run and follows it live until it ends. */
export function syncCommand(ctx: CommandContext): Command {
  return new Command('sync')
    .description(
      'start a manual run of a directory and follow it until it ends; exits 0 succeeded, 3 failed, 4 partially-succeeded, 5 awaiting approval',
    )
    .argument('<directoryId>', 'the directory to sync')
    .option('--no-follow', 'print the queued run and return at once')
    .option('--interval <ms>', 'how often to poll the run', positiveInt('--interval'), 1000)
    .option('--timeout <seconds>', 'stop following after this long (exit 1); the run itself goes on', positiveInt('--timeout'))
    .action(async (id: string, o: { follow: boolean; interval: number; timeout?: number }, c: Command) => {
      const api = ctx.api(c);
      const out = ctx.out(c);
      const tenant = ctx.tenant(c);
      let run = await api.post<Run>(`/v1/tenants/${tenant}/directories/${uuidArg('directoryId', id)}/runs`, {});
      out.progress({ runId: run.id, status: run.status }, `run ${run.id} ${run.status}`);
      if (!o.follow) return out.result(run, details);
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
    });
}
