import { join } from 'node:path';
import { probeEnv } from './bench-env';
import { repoRoot } from './options';
import { MB, settleHeaps, statementShape } from './probes';

const root = repoRoot(__dirname);

describe('statementShape', () => {
  it('folds literals, placeholders and value lists', () => {
    expect(statementShape(`insert into "x"."t" (a, b) values ($1, $2::uuid), ($3, $4::uuid)`)).toBe('insert into "x"."t" (a, b) values (…)×n');
    expect(statementShape(`select * from t where id = 'abc' and n in (1, 2, 3)`)).toBe('select * from t where id = ? and n in (…)');
  });

  it('stays linear on a statement cut in the middle of a long list (as pg_stat_activity shows it)', () => {
    const cut = `insert into "reconciler"."users" (id, email) values ${Array.from({ length: 400 }, (_, i) => `($${2 * i + 1}::uuid, $${2 * i + 2}`).join(', ')}`.slice(0, 400);
    const started = performance.now();
    statementShape(cut);
    expect(performance.now() - started).toBeLessThan(50);
  });
});

describe('settleHeaps: each measured run starts from the services\' retained heap, not the last run\'s garbage', () => {
  const services = [
    { name: 'directory-config', pid: 101, port: 1 },
    { name: 'reconciler', pid: 102, port: 2 },
  ];
  const idle = { 'directory-config': { rssMB: 130, heapMB: 50, samples: 3 }, reconciler: { rssMB: 130, heapMB: 48, samples: 3 } };

  it('asks every service for a full GC, then waits until each heap is back near idle', async () => {
    const collected: number[] = [];
    // directory-config holds 92 MB until its collection has run (the second reading), the reconciler is at 55.
    const readings = new Map([[1, [92, 58]], [2, [55, 55]]]);
    const heapOf = async (port: number) => ((readings.get(port) as number[]).shift() ?? 58) * MB;
    const state = await settleHeaps(services, idle, { collect: (pid) => collected.push(pid), timeoutMs: 5000, intervalMs: 1, heapOf });
    expect(collected).toEqual([101, 102]);
    expect(state).toEqual({
      'directory-config': { heapMB: 58, boundMB: 62.5, settled: true },
      reconciler: { heapMB: 55, boundMB: 60, settled: true },
    });
  });

  it('gives up after its deadline and says which heap stayed above its bound', async () => {
    const heapOf = async (port: number) => (port === 1 ? 75 : 50) * MB;
    const state = await settleHeaps(services, idle, { collect: () => undefined, timeoutMs: 20, intervalMs: 5, heapOf });
    expect(state['directory-config']).toEqual({ heapMB: 75, boundMB: 62.5, settled: false });
    expect(state['reconciler']?.settled).toBe(true);
  });

  it('the services\' preload collects on SIGUSR2, and only where the bench loads it', () => {
    expect(probeEnv(root, { maxOldSpaceMB: 192, gcOnSignal: true })['NODE_OPTIONS']).toBe(
      `--max-old-space-size=192 --expose-gc --require ${join(root, 'dist/tools/bench/gc-on-signal-preload.js')}`,
    );
    const gc = jest.fn();
    const before = process.listenerCount('SIGUSR2');
    (globalThis as { gc?: () => void }).gc = gc;
    try {
      jest.isolateModules(() => jest.requireActual('./gc-on-signal-preload'));
      expect(process.listenerCount('SIGUSR2')).toBe(before + 1);
      process.emit('SIGUSR2');
      expect(gc).toHaveBeenCalledTimes(1);
    } finally {
      for (const l of process.listeners('SIGUSR2').slice(before)) process.off('SIGUSR2', l as () => void);
      delete (globalThis as { gc?: () => void }).gc;
    }
  });
});
