// Loaded into each service with NODE_OPTIONS="--expose-gc --require …" by the memory test: every second, a full
// GC and then the heap in use, appended to HEAP.<pid>.log in ROSTER_BENCH_HEAP_DIR as "<epoch ms> <bytes>".
// After a full collection only live objects remain, so this is what the service retains, not garbage that a
// lazy collector has not reclaimed yet (which is what makes peak heap-used noisy).
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env['ROSTER_BENCH_HEAP_DIR'];
const collect = (globalThis as { gc?: () => void }).gc;
if (dir && collect) {
  const file = join(dir, `HEAP.${process.pid}.log`);
  setInterval(() => {
    collect();
    appendFileSync(file, `${Date.now()} ${process.memoryUsage().heapUsed}\n`);
  }, 1000).unref();
}
