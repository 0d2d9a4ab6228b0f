// `npm run bench -- --size 100000 --big 1000000 [--batch-size 1000] [--cpu-prof] [--results-dir bench/results]`
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chartMaxOldSpaceMB } from './node-heap';
import type { BenchOptions } from './run-bench';

export const USAGE = `usage: npm run bench -- [--size N] [--big N] [--inbound N] [--batch-size N] [--cpu-prof] [--max-old-space-mb N] [--analyze] [--run-timeout-s N] [--results-dir DIR]
  --size N         rows of the full, unchanged and 10%-changed runs and of the floor (default 100000)
  --big N          rows of the big run (default 1000000; 0 skips it)
  --inbound N      employee events published for an event directory, end to end (default 100000; 0 skips it)
  --batch-size N   ROSTER_BATCH_SIZE for the services (default theirs: 1000)
  --cpu-prof       run the services with node --cpu-prof; profiles and their summary go beside the JSON
  --max-old-space-mb N  the services' V8 old-space bound, NODE_OPTIONS=--max-old-space-size=N (default: the Helm
                   chart's node.maxOldSpaceMB, as deployed; 0: Node's own default, sized from this machine's memory)
  --analyze        ANALYZE the database before each run after the first (as autovacuum would between syncs)
  --run-timeout-s  stop following a run after N s (reported as timed-out); default 120 s + 3 ms per row
  --results-dir D  where <ISO date>.json is written (default bench/results)`;

/** The repository root: the nearest folder up from `from` whose package.json is Roster's. */
export function repoRoot(from: string): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'roster') return dir;
  }
  throw new Error(`no Roster package.json above ${from}`);
}

export function parseBenchArgs(argv: string[], root: string): Omit<BenchOptions, 'log'> {
  const { values } = parseArgs({
    args: argv,
    options: {
      size: { type: 'string', default: '100000' },
      big: { type: 'string', default: '1000000' },
      inbound: { type: 'string', default: '100000' },
      'batch-size': { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      'max-old-space-mb': { type: 'string' },
      'run-timeout-s': { type: 'string' },
      analyze: { type: 'boolean', default: false },
      'results-dir': { type: 'string', default: join(root, 'bench', 'results') },
    },
    strict: true,
  });
  const count = (name: string, raw: string | undefined, min: number): number => {
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < min) throw new Error(`--${name} must be an integer of at least ${min}, got ${raw}\n${USAGE}`);
    return n;
  };
  const big = count('big', values.big, 0);
  return {
    size: count('size', values.size, 100),
    big: big > 0 ? count('big', values.big, 100) : 0,
    inbound: count('inbound', values.inbound, 0),
    batchSize: values['batch-size'] === undefined ? undefined : count('batch-size', values['batch-size'], 1),
    cpuProf: values['cpu-prof'],
    maxOldSpaceMB: values['max-old-space-mb'] === undefined ? chartMaxOldSpaceMB(root) : count('max-old-space-mb', values['max-old-space-mb'], 0),
    analyze: values.analyze,
    runTimeoutMs: values['run-timeout-s'] === undefined ? undefined : count('run-timeout-s', values['run-timeout-s'], 1) * 1000,
    resultsDir: resolve(values['results-dir'] as string),
    root,
  };
}
