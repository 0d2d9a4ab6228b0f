import { Command, Option } from 'commander';
import type { CommandContext } from '../context';
import { positiveInt, uuidArg } from '../context';
import { ExitCode } from '../exit-codes';
import { details, table } from '../output';
import { Run, countsText, exitCodeOf, followRun, runText, waitForRun, withFollowOptions } from './follow';

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

interface Problem {
  code: string;
  message: string;
}

const STATUSES = ['queued', 'fetching', 'reconciling', 'awaiting-approval', 'succeeded', 'partially-succeeded', 'failed'];

/** `runs show` as text: the run as sync prints it (with the approve hint of a held run), then where it came from and its lists. */
const runShowText = (v: Run & { allProblems?: ProblemsPage; heldRemovals?: HeldPage }) => {
  const problems = (v.allProblems?.problems ?? v.problems ?? []) as Problem[];
  const listed = (total: number, shown: number, more: string) => (total > shown ? [`  … ${total - shown} more (${more})`] : []);
  return [
    runText(v),
    `directory: ${v.directoryId}  trigger: ${v.trigger}${v.fileName ? `  file: ${v.fileName}` : ''}${v.rerunOf ? `  re-run of: ${v.rerunOf}` : ''}`,
    `created: ${v.createdAt}  started: ${v.startedAt ?? '-'}  finished: ${v.finishedAt ?? '-'}`,
    ...(problems.length ? [v.allProblems ? 'every problem:' : 'first problems:', ...problems.map((p) => `  ${p.code}: ${p.message}`)] : []),
    ...(v.allProblems ? listed(v.allProblems.total, problems.length, 'the API pages them: …/problems?offset=') : listed(v.problemCount, problems.length, '--problems lists them')),
    ...(v.heldRemovals
      ? [
          `held users: ${v.heldRemovals.total}`,
          ...v.heldRemovals.users.map((u) => `  ${u.action} ${u.email} (${u.userId})`),
          ...listed(v.heldRemovals.total, v.heldRemovals.users.length, 'the API pages them: …/held-removals?offset='),
        ]
      : []),
  ].join('\n');
};

/** `roster runs list|show|rerun|approve|reject`. */
export function runsCommand(ctx: CommandContext): Command {
  const cmd = new Command('runs').description('runs (syncs) of a directory');

  cmd
    .command('list')
    .description('recent runs of a directory, newest first')
    .requiredOption('-d, --directory <directoryId>', 'the directory')
    .addOption(new Option('--status <status>', 'only runs of this status').choices(STATUSES))
    .option('--limit <n>', 'at most this many runs (1..200, default 50)', positiveInt('--limit', 200))
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
    .description('a run: status, counts, failure, first problems; with --follow, wait until it ends and exit like sync')
    .option('--problems', 'also every problem of the run (first 1000)')
    .option('--held', 'a run awaiting approval: also every user it would deactivate or delete (first 1000)')
    .option('--follow', 'follow the run live until it ends (or is held for approval); exits like sync (0, 3 failed, 4 partial, 5 awaiting approval)')
    .option('--interval <ms>', 'with --follow: how often to poll the run', positiveInt('--interval'), 1000)
    .option('--timeout <seconds>', 'with --follow: stop following after this long (exit 1); the run itself goes on', positiveInt('--timeout'))
    .action(async (id: string, o: { problems?: boolean; held?: boolean; follow?: boolean; interval: number; timeout?: number }, c: Command) => {
      const api = ctx.api(c);
      const out = ctx.out(c);
      const tenant = ctx.tenant(c);
      const base = `/v1/tenants/${tenant}/runs/${uuidArg('runId', id)}`;
      let run = await api.get<Run>(base);
      if (o.follow) {
        run = await waitForRun(api, out, tenant, run, o);
        ctx.exitCode = exitCodeOf(run);
      }
      const value = {
        ...run,
        ...(o.problems ? { allProblems: await api.get<ProblemsPage>(`${base}/problems`, { limit: 1000 }) } : {}),
        ...(o.held ? { heldRemovals: await api.get<HeldPage>(`${base}/held-removals`, { limit: 1000 }) } : {}),
      };
      out.result(value, runShowText);
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
    withFollowOptions(
      cmd
        .command(`${decision} <runId>`)
        .description(
          decision === 'approve'
            ? 'R-SAFE-01: approve a run held in awaiting-approval (its removals are applied) and follow it to the end; exits like sync (0, 3 failed, 4 partial)'
            : 'R-SAFE-01: reject a run held in awaiting-approval (nothing of it is applied) and wait until it has failed as rejected; exits 0 then',
        ),
      'return once the decision is recorded, without waiting for the reconciler to act on it',
    ).action(async (id: string, o: { follow: boolean; interval: number; timeout?: number }, c: Command) => {
      const api = ctx.api(c);
      const out = ctx.out(c);
      const tenant = ctx.tenant(c);
      const decided = await api.post<Run>(`/v1/tenants/${tenant}/runs/${uuidArg('runId', id)}/${decision}`);
      const verb = decision === 'approve' ? 'approved' : 'rejected';
      out.progress({ runId: decided.id, decision, status: decided.status }, `run ${decided.id} ${verb}${o.follow ? '; waiting for the reconciler …' : ''}`);
      if (!o.follow) return out.result(decided, (r) => `run ${r.id}: ${verb}; the reconciler applies the decision (roster runs show ${r.id} --follow)`);
      const run = await waitForRun(api, out, tenant, decided, { ...o, decided: true });
      // Rejecting fails the run on purpose: that is the command succeeding, not the run's work failing.
      const rejected = decision === 'reject' && run.status === 'failed' && run.failure?.code === 'SAFEGUARD_REJECTED';
      ctx.exitCode = rejected ? ExitCode.OK : exitCodeOf(run);
      out.result(run, (r) =>
        rejected ? `run ${r.id} rejected: nothing of it was applied (${r.failure?.code})` : `run ${r.id} ${verb}\n${runText(r)}`,
      );
    });
  }

  return cmd;
}
