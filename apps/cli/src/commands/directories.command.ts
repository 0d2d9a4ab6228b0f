import { Command } from 'commander';
import type { CommandContext } from '../context';
import { uuidArg } from '../context';
import { ExitCode } from '../exit-codes';
import { details, table } from '../output';

interface Directory {
  id: string;
  name: string;
  type: string;
  enabled: boolean;
  nextRunAt?: string | null;
  [key: string]: unknown;
}

interface TestResult {
  ok: boolean;
  code?: string;
  message?: string;
  [key: string]: unknown;
}

/** `roster directories list|show|test`. */
export function directoriesCommand(ctx: CommandContext): Command {
  const cmd = new Command('directories').description("a tenant's directories (sync sources)");

  cmd
    .command('list')
    .description('list the directories of the tenant')
    .action(async (_o, c: Command) => {
      const dirs = await ctx.api(c).get<Directory[]>(`/v1/tenants/${ctx.tenant(c)}/directories`);
      ctx.out(c).result(dirs, (v) =>
        v.length ? table(['ID', 'NAME', 'TYPE', 'ENABLED', 'NEXT RUN'], v.map((d) => [d.id, d.name, d.type, d.enabled, d.nextRunAt])) : 'no directories',
      );
    });

  cmd
    .command('show <directoryId>')
    .description('show a directory (secrets are never returned)')
    .action(async (id: string, _o, c: Command) => {
      const d = await ctx.api(c).get<Directory>(`/v1/tenants/${ctx.tenant(c)}/directories/${uuidArg('directoryId', id)}`);
      ctx.out(c).result(d, details);
    });

  cmd
    .command('test <directoryId>')
    .description("test a saved directory's connection; exits 3 when the answer is not ok")
    .action(async (id: string, _o, c: Command) => {
      const r = await ctx.api(c).post<TestResult>(`/v1/tenants/${ctx.tenant(c)}/directories/${uuidArg('directoryId', id)}/test`);
      if (!r.ok) ctx.exitCode = ExitCode.RUN_FAILED;
      ctx.out(c).result(r, (v) => (v.ok ? `ok\n${details(v)}` : `not ok: ${v.code ?? 'UNKNOWN'}: ${v.message ?? ''}`));
    });

  return cmd;
}
