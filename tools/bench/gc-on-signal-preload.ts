// Loaded into each service by the bench (NODE_OPTIONS="--expose-gc --require …"): on SIGUSR2, one full GC. The bench
// signals every service before each measured run, so a run's peak heap starts from what the services retain, not
// from the garbage of the run before it (V8 may leave an idle process's garbage uncollected for minutes).
const collect = (globalThis as { gc?: () => void }).gc;
if (collect) process.on('SIGUSR2', () => collect());
