// `npm run bench`: builds, then runs this from dist/. See bench/README.md.
import { parseBenchArgs, repoRoot } from './options';
import { runBench } from './run-bench';

async function main(): Promise<void> {
  const options = parseBenchArgs(process.argv.slice(2), repoRoot(__dirname));
  const started = Date.now();
  const log = (line: string) => process.stderr.write(`[bench +${((Date.now() - started) / 1000).toFixed(0)}s] ${line}\n`);
  // Ctrl-C / SIGTERM: stop following the current run, skip the rest, clean up and report; a second signal kills.
  const abort = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping after cleanup (again to kill at once)`);
      abort.abort();
    });
  }
  const { report, jsonPath } = await runBench({ ...options, log, signal: abort.signal });
  process.stdout.write(`\n${report}\n\nresults: ${jsonPath}\n`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
