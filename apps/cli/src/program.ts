import { Command, CommanderError } from 'commander';
import { dlqCommand } from './commands/dlq.command';
import { directoriesCommand } from './commands/directories.command';
import { exportCommand } from './commands/export.command';
import { keysCommand } from './commands/keys.command';
import { replayCommand } from './commands/replay.command';
import { runsCommand } from './commands/runs.command';
import { syncCommand } from './commands/sync.command';
import { usersCommand } from './commands/users.command';
import { whoamiCommand } from './commands/whoami.command';
import { CommandContext } from './context';
import { CliError, ExitCode } from './exit-codes';
import { Output, type Streams } from './output';

/** The `roster` program; every command reads the global options (flags first, then the environment). */
export function buildProgram(ctx: CommandContext): Command {
  const program = new Command('roster')
    .description('Operate Roster through its admin API')
    .option('--api-url <url>', 'the admin API (default: $ROSTER_API_URL)')
    .option('--api-key <key>', 'the admin API key (default: $ROSTER_API_KEY)')
    .option('-t, --tenant <tenantId>', 'the tenant (default: $ROSTER_TENANT_ID)')
    .option('--json', 'print the result as one JSON document on stdout (progress as NDJSON on stderr)')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.io.stdout.write(s), writeErr: (s) => ctx.io.stderr.write(s) });
  // Added after exitOverride/configureOutput so the subcommands inherit both.
  for (const make of [directoriesCommand, syncCommand, runsCommand, replayCommand, dlqCommand, exportCommand, keysCommand, usersCommand, whoamiCommand]) program.addCommand(withInherited(program, make(ctx)));
  return program;
}

/** addCommand() does not copy settings the way command() does: copy them into the whole subtree. */
function withInherited(parent: Command, cmd: Command): Command {
  cmd.copyInheritedSettings(parent);
  for (const sub of cmd.commands) withInherited(cmd, sub);
  return cmd;
}

/** Runs `roster` with `argv` (without node and the script); resolves to the exit code. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv = process.env, io: Streams = process): Promise<number> {
  const ctx = new CommandContext(env, io);
  const program = buildProgram(ctx);
  const json = argv.includes('--json');
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end "with an error" too; a bare command group prints its help and is usage.
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return ExitCode.OK;
      if (json) new Output(true, { stdout: io.stdout, stderr: { write: () => true } }).error(new CliError(ExitCode.USAGE, 'USAGE', e.message));
      return ExitCode.USAGE;
    }
    const error = e instanceof CliError ? e : new CliError(ExitCode.FAILURE, 'INTERNAL', (e as Error)?.stack ?? String(e));
    new Output(json, io).error(error);
    return error.exitCode;
  }
}
