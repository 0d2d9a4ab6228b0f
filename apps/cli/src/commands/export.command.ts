import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import type { AdminApi } from '../api-client';
import type { CommandContext } from '../context';
import { positiveInt, uuidArg } from '../context';
import { CliError, ExitCode } from '../exit-codes';
import type { Output } from '../output';
import { stillGoingOn, withFollowOptions } from './follow';

/** An export's status, as `GET /v1/tenants/{tenantId}/exports/{exportId}` answers it (R-EXP-01). */
export interface ExportStatus {
  exportId: string;
  status: 'requested' | 'building' | 'ready' | 'mailed' | 'failed' | string;
  email: string;
  rowCount: number | null;
  size: number | null;
  fileName: string | null;
  failure: { stage: string; code: string; message: string } | null;
  requestedAt: string;
  mailedAt?: string | null;
  failedAt?: string | null;
  [key: string]: unknown;
}

interface FollowOptions {
  interval: number;
  timeout?: number;
}

/** Where following ends: mailed (exit 0) or failed (exit 3); `ready` still waits for the mail. */
const FINAL: Record<string, ExitCode> = { mailed: ExitCode.OK, failed: ExitCode.RUN_FAILED };

export const exportExitCode = (e: ExportStatus): ExitCode => FINAL[e.status] ?? ExitCode.FAILURE;

const rowsText = (e: ExportStatus) => (e.rowCount === null ? '' : `: ${e.rowCount} users`);

export const exportText = (e: ExportStatus) =>
  [
    `export ${e.exportId} ${e.status}${rowsText(e)}`,
    `recipient: ${e.email}`,
    `requested: ${e.requestedAt}`,
    ...(e.fileName ? [`file: ${e.fileName}${e.size === null ? '' : ` (${e.size} bytes)`}`] : []),
    ...(e.mailedAt ? [`mailed: ${e.mailedAt}`] : []),
    ...(e.failure ? [`failure (${e.failure.stage}): ${e.failure.code}: ${e.failure.message}`, `see roster dlq list --code ${e.failure.code}`] : []),
  ].join('\n');

/**
 * Polls an export until it is mailed or failed, printing each status change as progress. A `--timeout` stops
 * following (exit 1, the export goes on) — never sleeping past it.
 */
async function waitForExport(api: AdminApi, out: Output, tenant: string, first: ExportStatus, o: FollowOptions): Promise<ExportStatus> {
  let current = first;
  const deadline = o.timeout === undefined ? Infinity : Date.now() + o.timeout * 1000;
  let last = current.status;
  while (!(current.status in FINAL)) {
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new CliError(
        ExitCode.FAILURE,
        'FOLLOW_TIMEOUT',
        `export ${current.exportId} is still ${current.status} after ${o.timeout} s; follow it again with roster export show ${current.exportId} --follow`,
        { exportId: current.exportId, status: current.status },
      );
    }
    await sleep(Math.min(o.interval, left));
    current = await stillGoingOn(
      api.get<ExportStatus>(`/v1/tenants/${tenant}/exports/${current.exportId}`),
      `export ${current.exportId}`,
      `roster export show ${current.exportId} --follow`,
    );
    if (current.status !== last) {
      out.progress({ exportId: current.exportId, status: current.status, rowCount: current.rowCount }, `export ${current.exportId} ${current.status}${rowsText(current)}`);
      last = current.status;
    }
  }
  return current;
}

/**
 * `export show <id> --interval 5` is parsed by `export` first, which has an `--interval` (and `--timeout`) of its
 * own and takes it; a value given on the command line wins wherever commander put it.
 */
function followOptionsOf(show: Command): FollowOptions {
  const given = (key: keyof FollowOptions) =>
    show.getOptionValueSource(key) !== 'cli' && show.parent?.getOptionValueSource(key) === 'cli' ? show.parent.getOptionValue(key) : show.getOptionValue(key);
  return { interval: given('interval') as number, timeout: given('timeout') as number | undefined };
}

/**
 * `roster export --email <address>`: the tenant's users as a users file, mailed (R-EXP-01), followed until it is
 * mailed (exit 0) or failed (exit 3); `roster export show <exportId>` reads (and with --follow follows) one.
 */
export function exportCommand(ctx: CommandContext): Command {
  const cmd = withFollowOptions(
    new Command('export')
      .description(
        "export the tenant's users as a CSV users file, mailed to --email (a user of the tenant), and follow it until it is mailed; exits 0 mailed, 3 failed (export show <exportId> says why), 1 when --timeout ends following",
      )
      .option('--email <address>', 'who gets the file (required)'),
    'print the export id and return at once',
  ).action(async (o: { email?: string } & FollowOptions & { follow: boolean }, c: Command) => {
    if (!o.email) throw new CliError(ExitCode.USAGE, 'USAGE', "required option '--email <address>' not specified");
    const api = ctx.api(c);
    const out = ctx.out(c);
    const tenant = ctx.tenant(c);
    const r = await api.post<{ exportId: string }>(`/v1/tenants/${tenant}/exports`, { email: o.email });
    if (!o.follow) return out.result({ ...r, email: o.email }, (v) => `export ${v.exportId} requested; the file will be mailed to ${v.email}`);
    out.progress({ exportId: r.exportId, status: 'requested' }, `export ${r.exportId} requested; the file will be mailed to ${o.email}`);
    const first = await stillGoingOn(
      api.get<ExportStatus>(`/v1/tenants/${tenant}/exports/${r.exportId}`),
      `export ${r.exportId}`,
      `roster export show ${r.exportId} --follow`,
    );
    if (first.status !== 'requested') out.progress({ exportId: first.exportId, status: first.status, rowCount: first.rowCount }, `export ${first.exportId} ${first.status}${rowsText(first)}`);
    const done = await waitForExport(api, out, tenant, first, o);
    ctx.exitCode = exportExitCode(done);
    out.result(done, exportText);
  });

  cmd
    .command('show <exportId>')
    .description("an export's status: requested, building, ready, mailed or failed (with why), rows, recipient; with --follow, wait until it is mailed or failed and exit like export")
    .option('--follow', 'follow the export until it is mailed (exit 0) or failed (exit 3)')
    .option('--interval <ms>', 'with --follow: how often to poll the export', positiveInt('--interval'), 1000)
    .option('--timeout <seconds>', 'with --follow: stop following after this long (exit 1); the export itself goes on', positiveInt('--timeout'))
    .action(async (id: string, show: { follow?: boolean }, c: Command) => {
      const o = followOptionsOf(c);
      const api = ctx.api(c);
      const out = ctx.out(c);
      const tenant = ctx.tenant(c);
      let current = await api.get<ExportStatus>(`/v1/tenants/${tenant}/exports/${uuidArg('exportId', id)}`);
      if (show.follow) {
        current = await waitForExport(api, out, tenant, current, o);
        ctx.exitCode = exportExitCode(current);
      }
      out.result(current, exportText);
    });

  return cmd;
}
