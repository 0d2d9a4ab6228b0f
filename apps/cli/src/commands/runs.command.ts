import { Command } from 'commander';
import type { CommandContext } from '../context';
import { positiveInt, uuidArg } from '../context';
import { details, table } from '../output';
import { Run, countsText, followRun, withFollowOptions } from './follow';

interface ProblemsPage {
  problems: unknown[];
  total: number;
  [key: string]: unknown;
}

interface HeldPage {
  users: { userId: string; email: string; action: string }[];
  total: number;
  [key: string]: unknown;
}

const STATUSES = ['queued', 'fetching', 'reconciling', 'awaiting-approval', 'succeeded', 'partially-succeeded', 'failed'];

/** `roster runs list|show|rerun|approve|reject`. */
export function runsCommand(ctx: CommandContext): Command {
  const cmd = new Command('runs').description('runs (syncs) of a directory');

  cmd
    .command('list')
    .description('recent runs of a directory, newest first')
    .requiredOption('-d, --directory <directoryId>', 'the directory')
    .option('--status <status>', `only runs of this status (${STATUSES.join(', ')})`)
    .option('--limit <n>', 'at most this many runs', positiveInt('--limit'))
    .action(async (o: { directory: string; status?: string; limit?: number }, c: Command) => {
      const runs = await ctx
        .api(c)
        .get<Run[]>(`/v1/tenants/${ctx.tenant(c)}/directories/${uuidArg('--directory', o.directory)}/runs`, { status: o.status, limit: o.limit });
      ctx.out(c).result(runs, (v) =>
        v.length
          ? table(['ID', 'STATUS', 'TRIGGER', 'CREATED', 'PROBLEMS', 'COUNTS'], v.map((r) => [r.id, r.status, r.trigger, r.createdAt, r.problemCount, countsText(r.counts)]))
          : 'no runs',
      );
    });

  cmd
    .command('show <runId>')
    .description('a run: status, counts, failure, first problems')
    .option('--problems', 'also every problem of the run (first 1000)')
    .option('--held', 'a run awaiting approval: also every user it would deactivate or delete (first 1000)')
    .action(async (id: string, o: { problems?: boolean; held?: boolean }, c: Command) => {
      const api = ctx.api(c);
      const base = `/v1/tenants/${ctx.tenant(c)}/runs/${uuidArg('runId', id)}`;
      const run = await api.get<Run>(base);
      const value = {
        ...run,
        ...(o.problems ? { allProblems: await api.get<ProblemsPage>(`${base}/problems`, { limit: 1000 }) } : {}),
        ...(o.held ? { heldRemovals: await api.get<HeldPage>(`${base}/held-removals`, { limit: 1000 }) } : {}),
      };
      ctx.out(c).result(value, details);
    });

  withFollowOptions(
    cmd
      .command('rerun <runId>')
      .description(
        'R-OPS-01: re-run a finished run from its retained source records (a new run, trigger replay) and follow it; exits like sync (0, 3 failed, 4 partial, 5 awaiting approval)',
      ),
  ).action(async (id: string, o: { follow: boolean; interval: number; timeout?: number }, c: Command) => {
    const api = ctx.api(c);
    const out = ctx.out(c);
    const tenant = ctx.tenant(c);
    const run = await api.post<Run>(`/v1/tenants/${tenant}/runs/${uuidArg('runId', id)}/rerun`);
    out.progress({ runId: run.id, rerunOf: id, status: run.status }, `run ${run.id} ${run.status} (re-run of ${id})`);
    if (!o.follow) return out.result(run, details);
    await followRun(ctx, api, out, tenant, run, o);
  });

  for (const decision of ['approve', 'reject'] as const) {
    cmd
      .command(`${decision} <runId>`)
      .description(
        decision === 'approve'
          ? 'R-SAFE-01: approve a run held in awaiting-approval (its removals are applied)'
          : 'R-SAFE-01: reject a run held in awaiting-approval (nothing of it is applied)',
      )
      .action(async (id: string, _o, c: Command) => {
        const run = await ctx.api(c).post<Run>(`/v1/tenants/${ctx.tenant(c)}/runs/${uuidArg('runId', id)}/${decision}`);
        ctx.out(c).result(run, (r) => `run ${r.id}: ${decision === 'approve' ? 'approved' : 'rejected'} (status ${r.status})`);
      });
  }

  return cmd;
}
