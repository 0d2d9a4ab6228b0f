import { Command, Option } from 'commander';
import type { CommandContext } from '../context';
import { uuidArg } from '../context';
import { details } from '../output';
import { Run, followRun, withFollowOptions } from './follow';

/** `roster sync <directoryId>`: starts a manual run and follows it live until it ends. */
export function syncCommand(ctx: CommandContext): Command {
  return withFollowOptions(
    new Command('sync')
      .description(
        'start a manual run of a directory and follow it until it ends; exits 0 succeeded, 3 failed, 4 partially-succeeded, 5 awaiting approval',
      )
      .argument('<directoryId>', 'the directory to sync')
      .addOption(
        new Option('--fetch <mode>', 'hris-api: full (every employee), incremental (only those modified since the last fetch) or auto').choices([
          'full',
          'incremental',
          'auto',
        ]),
      ),
  ).action(async (id: string, o: { follow: boolean; interval: number; timeout?: number; fetch?: string }, c: Command) => {
    const api = ctx.api(c);
    const out = ctx.out(c);
    const tenant = ctx.tenant(c);
    const run = await api.post<Run>(`/v1/tenants/${tenant}/directories/${uuidArg('directoryId', id)}/runs`, o.fetch ? { fetch: o.fetch } : {});
    out.progress({ runId: run.id, status: run.status }, `run ${run.id} ${run.status}`);
    if (!o.follow) return out.result(run, details);
    await followRun(ctx, api, out, tenant, run, o);
  });
}
