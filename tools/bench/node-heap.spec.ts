import { join } from 'node:path';
import { probeEnv } from './bench-env';
import { chartMaxOldSpaceMB, nodeOptionsOf } from './node-heap';
import { parseBenchArgs, repoRoot } from './options';

const root = repoRoot(__dirname);

describe('the services\' V8 heap bound in the bench', () => {
  it('defaults to the Helm chart\'s node.maxOldSpaceMB; --max-old-space-mb overrides it, 0 turns it off', () => {
    const chart = chartMaxOldSpaceMB(root);
    expect(chart).toBeGreaterThan(0);
    expect(parseBenchArgs([], root).maxOldSpaceMB).toBe(chart);
    expect(parseBenchArgs(['--max-old-space-mb', '256'], root).maxOldSpaceMB).toBe(256);
    expect(parseBenchArgs(['--max-old-space-mb', '0'], root).maxOldSpaceMB).toBe(0);
    expect(() => parseBenchArgs(['--max-old-space-mb=-1'], root)).toThrow(/--max-old-space-mb must be an integer of at least 0/);
  });

  it('passes the bound in NODE_OPTIONS beside the probes, and nothing for 0', () => {
    expect(probeEnv(root, { maxOldSpaceMB: 192 })).toEqual({ NODE_OPTIONS: '--max-old-space-size=192' });
    expect(probeEnv(root, { maxOldSpaceMB: 0 })).toEqual({});
    const withProbe = probeEnv(root, { maxOldSpaceMB: 192, liveHeapDir: '/tmp/heap' });
    expect(withProbe['NODE_OPTIONS']).toBe(`--max-old-space-size=192 --expose-gc --require ${join(root, 'dist/tools/bench/heap-probe-preload.js')}`);
    expect(withProbe['ROSTER_BENCH_HEAP_DIR']).toBe('/tmp/heap');
  });

  it('reads NODE_OPTIONS from a running process\'s environment', () => {
    expect(nodeOptionsOf(process.pid)).toBe(process.env['NODE_OPTIONS'] ?? '');
    expect(nodeOptionsOf(2 ** 30)).toBe('');
  });
});
