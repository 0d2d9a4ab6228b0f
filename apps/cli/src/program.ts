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

const EXIT_CODES_HELP = `
Exit codes (scripts can rely on them):
  0  ok
  1  failure: the API refused or could not be reached, following a run or an export outlived --timeout (the work
     goes on), a bulk redrive or a tenant's key rotation partly failed
  2  usage: unknown command or option, a missing or malformed argument, no API URL or key
  3  the work ended failed: a followed run failed, a followed export failed (its mail or its file gave up; roster
     export show <exportId> says why), a connection test was not ok
  4  a followed run partially succeeded
  5  a followed run is held in awaiting-approval (R-SAFE-01): roster runs approve|reject <runId>

With --json: one JSON document on stdout (an error as { "error": { "code", "message" } }), NDJSON on stderr.`;

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
    // With --json, stderr carries NDJSON only: commander's usage text gives way to the error event runCli writes.
    .configureOutput({ writeOut: (s) => ctx.io.stdout.write(s), writeErr: (s) => (ctx.jsonRequested ? true : ctx.io.stderr.write(s)) })
    .addHelpText('after', EXIT_CODES_HELP);
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
  const json = argv.includes('--json');
  ctx.jsonRequested = json;
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help, --version and `roster help [command]` end "with an error" too, exit code 0; a bare command group
      // prints its help on stderr and is usage (exit code 1 from commander).
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || (e.code === 'commander.help' && e.exitCode === 0)) return ExitCode.OK;
      if (json) new Output(true, io).error(new CliError(ExitCode.USAGE, 'USAGE', usageMessage(program, argv, e)));
      return ExitCode.USAGE;
    }
    // Never a stack trace at an operator: the error in a line, and what likely caused it.
    const error =
      e instanceof CliError
        ? e
        : new CliError(ExitCode.FAILURE, 'INTERNAL', `unexpected error (an answer roster did not expect, or a bug in roster): ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    new Output(json, io).error(error);
    return error.exitCode;
  }
}

/** A commander error as a sentence for `--json`: a bare command group names the commands it has. */
function usageMessage(program: Command, argv: string[], e: CommanderError): string {
  if (e.code !== 'commander.help') return e.message.replace(/^error: /, '');
  let cmd = program;
  for (const word of argv) {
    const sub = cmd.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (sub) cmd = sub;
  }
  const path = [];
  for (let c: Command | null = cmd; c; c = c.parent) path.unshift(c.name());
  return `${path.join(' ')}: give a command: ${cmd.commands.map((c) => c.name()).filter((n) => n !== 'help').join(', ')}`;
}
