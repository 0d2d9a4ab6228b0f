// `npm run chaos`: builds, then runs this from dist/. Exits 0 when every round passed, 1 otherwise. See the README.
import { repoRoot } from '../bench/options';
import { parseChaosArgs } from './options';
import { runChaos } from './run-chaos';

async function main(): Promise<number> {
  const options = parseChaosArgs(process.argv.slice(2), repoRoot(__dirname));
  const started = Date.now();
  const log = (line: string) => process.stderr.write(`[chaos +${((Date.now() - started) / 1000).toFixed(0)}s] ${line}\n`);
  // Ctrl-C / SIGTERM: finish the current round, skip the rest, clean up and report; a second signal kills.
  const abort = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping after this round (again to kill at once)`);
      abort.abort();
      process.once(signal, () => process.exit(130));
    });
  }
  const { result, report, jsonPath } = await runChaos({ ...options, log, signal: abort.signal });
  process.stdout.write(`\n${report}\n\nresults: ${jsonPath}\n`);
  return result.summary.failed === 0 && !result.interrupted ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(2);
  },
);
