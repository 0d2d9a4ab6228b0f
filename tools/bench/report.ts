// The bench's verdicts (the targets of issue 4) and the printed tables.
import type { ProfileSummary } from './cpu-profile';
import type { FloorResult } from './floor';
import type { InboundMeasurement } from './inbound-run';
import { type PeakMemory, POSTGRES_BACKGROUND } from './probes';
import type { SyncMeasurement } from './sync-run';

export const TARGETS = {
  fullPerFloor: 3,
  unchangedPerFloor: 2,
  /** "10 % changed costs clearly less than full": at most half of the full sync's wall time. */
  changedPerFull: 0.5,
  peakRssMB: 300,
  /** Flat memory: the big run's peak heap at most this many times the size-N run's (file 10× larger by default). */
  heapGrowth: 1.5,
  /** R-EVT-02 (issue 7): inbound employee events applied end to end per second, sustained. */
  inboundEventsPerSecond: 5000,
} as const;

export type RunName = 'full' | 'unchanged' | 'changed10' | 'big';

export interface MemoryGrowth {
  rowsRatio: number;
  perService: Record<string, { heapMB: number; heapBigMB: number; heapRatio: number; rssMB: number; rssBigMB: number; rssRatio: number }>;
}

export interface Verdict {
  target: string;
  actual: string;
  met: boolean;
}

export interface BenchResult {
  startedAt: string;
  finishedAt: string;
  machine: { cpus: number; memoryGB: number; node: string; postgres: string };
  options: {
    size: number;
    big: number;
    inbound?: number;
    batchSize: number;
    maxFileBytes: number;
    analyze: boolean;
    /** The services' V8 old-space bound in MiB (--max-old-space-size; 0: Node's default, from the machine's memory). */
    maxOldSpaceMB?: number;
    /** NODE_OPTIONS as each service process had it (read from /proc/<pid>/environ). */
    nodeOptions?: Record<string, string>;
  };
  floor: FloorResult;
  floorBig?: FloorResult;
  idle: Record<string, PeakMemory>;
  runs: Partial<Record<RunName, SyncMeasurement>>;
  /** R-EVT-02: inbound employee events through an event directory (absent when skipped). */
  inbound?: InboundMeasurement;
  /** Wall time ÷ the floor of the same file size. */
  ratios: Partial<Record<RunName, number>>;
  /** CPU of all services and the database's backends ÷ the floor's CPU (process + backend): steadier on a busy machine. */
  cpuRatios: Partial<Record<RunName, number>>;
  memoryGrowth?: MemoryGrowth;
  verdicts: Verdict[];
  profiles?: Record<string, ProfileSummary & { file: string }>;
}

const FINAL_OK = ['succeeded', 'partially-succeeded'];

export function ratiosOf(r: Pick<BenchResult, 'floor' | 'floorBig' | 'runs'>): Partial<Record<RunName, number>> {
  const out: Partial<Record<RunName, number>> = {};
  for (const name of ['full', 'unchanged', 'changed10'] as const) {
    const run = r.runs[name];
    if (run) out[name] = run.wallMs / r.floor.ms;
  }
  if (r.runs.big && r.floorBig) out.big = r.runs.big.wallMs / r.floorBig.ms;
  return out;
}

export const totalCpuMs = (run: SyncMeasurement) => Object.values(run.cpuMs).reduce((a, b) => a + b, 0);

export function cpuRatiosOf(r: Pick<BenchResult, 'floor' | 'floorBig' | 'runs'>): Partial<Record<RunName, number>> {
  const out: Partial<Record<RunName, number>> = {};
  for (const name of ['full', 'unchanged', 'changed10'] as const) {
    const run = r.runs[name];
    if (run && r.floor.cpuMs) out[name] = totalCpuMs(run) / r.floor.cpuMs;
  }
  if (r.runs.big && r.floorBig?.cpuMs) out.big = totalCpuMs(r.runs.big) / r.floorBig.cpuMs;
  return out;
}

export function memoryGrowthOf(full: SyncMeasurement, big: SyncMeasurement): MemoryGrowth {
  const perService: MemoryGrowth['perService'] = {};
  for (const [name, m] of Object.entries(full.memory)) {
    const b = big.memory[name] as PeakMemory;
    perService[name] = {
      heapMB: m.heapMB,
      heapBigMB: b.heapMB,
      heapRatio: m.heapMB ? b.heapMB / m.heapMB : 0,
      rssMB: m.rssMB,
      rssBigMB: b.rssMB,
      rssRatio: m.rssMB ? b.rssMB / m.rssMB : 0,
    };
  }
  return { rowsRatio: big.file.rows / full.file.rows, perService };
}

export function verdictsOf(r: Omit<BenchResult, 'verdicts' | 'finishedAt'>): Verdict[] {
  const v: Verdict[] = [];
  const x = (n: number | undefined) => (n === undefined ? 'n/a' : `${n.toFixed(2)}×`);
  for (const [name, run] of Object.entries(r.runs)) {
    v.push({ target: `${name}: run succeeds (or partially, for the bad rows)`, actual: run.status, met: FINAL_OK.includes(run.status) });
  }
  const { full, unchanged, changed10, big } = r.runs;
  if (full) v.push({ target: `full sync ≤ ${TARGETS.fullPerFloor}× floor`, actual: x(r.ratios.full), met: (r.ratios.full ?? Infinity) <= TARGETS.fullPerFloor });
  if (unchanged) {
    v.push({ target: `unchanged re-sync ≤ ${TARGETS.unchangedPerFloor}× floor`, actual: x(r.ratios.unchanged), met: (r.ratios.unchanged ?? Infinity) <= TARGETS.unchangedPerFloor });
    const written = unchanged.usersWrites.total;
    v.push({
      target: 'unchanged re-sync writes 0 rows to reconciler.users',
      actual: `${written} (stats), ${unchanged.usersRowsTouched} (xmin)`,
      met: written === 0 && unchanged.usersRowsTouched === 0,
    });
  }
  if (changed10 && full) {
    const share = changed10.wallMs / full.wallMs;
    v.push({ target: `10% changed ≤ ${TARGETS.changedPerFull}× full sync`, actual: x(share), met: share <= TARGETS.changedPerFull });
  }
  // Memory verdicts count only for a big run that completed: a run refused or stopped early proves nothing.
  const bigDone = big !== undefined && FINAL_OK.includes(big.status);
  const unless = (text: string) => (bigDone ? text : `${text} (big run ${big?.status}: not comparable)`);
  if (big) {
    const worst = Object.entries(big.memory).sort((a, b) => b[1].rssMB - a[1].rssMB)[0];
    v.push({
      target: `big run: every service's peak RSS ≤ ${TARGETS.peakRssMB} MB`,
      actual: unless(worst ? `${worst[0]} ${worst[1].rssMB.toFixed(0)} MB` : 'n/a'),
      met: bigDone && Object.values(big.memory).every((m) => m.rssMB <= TARGETS.peakRssMB),
    });
  }
  if (r.memoryGrowth) {
    const worst = Object.entries(r.memoryGrowth.perService).sort((a, b) => b[1].heapRatio - a[1].heapRatio)[0];
    v.push({
      target: `flat memory: peak heap at ${r.memoryGrowth.rowsRatio.toFixed(0)}× the rows ≤ ${TARGETS.heapGrowth}×`,
      actual: unless(worst ? `${worst[0]} ${worst[1].heapRatio.toFixed(2)}×` : 'n/a'),
      met: bigDone && Object.values(r.memoryGrowth.perService).every((s) => s.heapRatio <= TARGETS.heapGrowth),
    });
  }
  if (r.inbound) {
    v.push({
      target: `inbound events ≥ ${TARGETS.inboundEventsPerSecond}/s end to end (issue 7)`,
      actual: `${r.inbound.eventsPerSecond.toFixed(0)}/s (${r.inbound.events} events, ${r.inbound.status})`,
      met: r.inbound.status === 'finished' && r.inbound.eventsPerSecond >= TARGETS.inboundEventsPerSecond,
    });
  }
  return v;
}

function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

const s = (ms: number) => (ms / 1000).toFixed(1);
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

export function renderReport(r: BenchResult): string {
  const out: string[] = [];
  out.push(`Roster bench ${r.startedAt} — ${r.machine.cpus} CPUs, ${r.machine.memoryGB} GB, node ${r.machine.node}, ${r.machine.postgres}`);
  out.push(`floor = csv-parse (arrays) + ${r.floor.method} into staging + one INSERT … ON CONFLICT\n`);

  const floorRow = (name: string, f: FloorResult) => [name, f.rowsStaged, s(f.ms), '1.00', `${s(f.cpuMs)} (1.00)`, `parse ${s(f.parseOnlyMs)} + load ${s(f.loadMs)} + upsert ${s(f.upsertMs)} s`, '-', '-', '-', '-'];
  const runRows: (string | number)[][] = [floorRow('floor', r.floor)];
  if (r.floorBig) runRows.push(floorRow('floor (big)', r.floorBig));
  for (const [name, run] of Object.entries(r.runs)) {
    const ratio = r.ratios[name as RunName];
    runRows.push([
      name,
      run.file.rows,
      s(run.wallMs),
      ratio === undefined ? '-' : ratio.toFixed(2),
      `${s(totalCpuMs(run))} (${r.cpuRatios[name as RunName]?.toFixed(1) ?? '-'})`,
      run.status,
      `${run.usersWrites.total}/${run.usersRowsTouched}`,
      mb(run.walBytes),
      `${run.bus['ROSTER_RECORDS']?.messages ?? 0}/${run.bus['ROSTER_DIRECTORY']?.messages ?? 0}`,
      s(run.eventsDrainedMs),
    ]);
  }
  out.push(
    table(['measurement', 'rows', 'wall s', '×floor', 'CPU s (×floor)', 'status', 'users rows written (stats/xmin)', 'WAL MB', 'msgs records/directory', 'all events out s'], runRows),
  );

  out.push('\nWhere the time goes: s after POST at which the bus stored each milestone');
  const p = (ms: number | undefined) => (ms === undefined ? '-' : s(ms));
  out.push(
    table(
      ['run', 'first batch', 'records.complete', 'reconciling', 'first event (apply committed)', 'last event', 'run.finished', 'final in API'],
      Object.entries(r.runs).map(([name, run]) => [
        name,
        p(run.phases.firstBatch),
        p(run.phases.recordsComplete),
        p(run.phases.reconciling),
        p(run.phases.firstEvent),
        p(run.phases.lastEvent),
        p(run.phases.runFinished),
        s(run.wallMs),
      ]),
    ),
  );

  const phaseNames = [...new Set(Object.values(r.runs).flatMap((run) => Object.keys(run.applyPhasesS ?? {})))];
  if (phaseNames.length > 0) {
    out.push("\nThe reconciler's apply by phase, s (roster_apply_phase_seconds_total; 'finish' includes the commit)");
    out.push(
      table(
        ['run', ...phaseNames, 'total'],
        Object.entries(r.runs).map(([name, run]) => {
          const phases = run.applyPhasesS ?? {};
          return [name, ...phaseNames.map((p) => (phases[p] ?? 0).toFixed(1)), Object.values(phases).reduce((a, b) => a + b, 0).toFixed(1)];
        }),
      ),
    );
  }

  if (r.inbound) {
    const i = r.inbound;
    out.push('\nInbound employee events (R-EVT-02): published on ROSTER_INBOUND → users stored and every micro-batch run final');
    out.push(
      table(
        ['events', 'publish s', 'accepted s', 'wall s', 'events/s', 'runs', 'run statuses', 'created/updated/unchanged/failed'],
        [[i.events, s(i.publishMs), i.acceptedMs === undefined ? '-' : s(i.acceptedMs), s(i.wallMs), i.eventsPerSecond.toFixed(0), i.runs, JSON.stringify(i.statuses), `${i.counts['created']}/${i.counts['updated']}/${i.counts['unchanged']}/${i.counts['failed']}`]],
      ),
    );
    // Where it went: CPU per process over the measurement, and the reconciler's apply of every micro-batch run by phase.
    const cpu = i.cpuMs ?? {};
    if (Object.keys(cpu).length > 0) out.push(table(Object.keys(cpu).map((n) => `${n} CPU s`), [Object.values(cpu).map((ms) => s(ms))]));
    const phases = i.applyPhasesS ?? {};
    if (Object.keys(phases).length > 0) {
      out.push(table([...Object.keys(phases), 'apply total'], [[...Object.values(phases).map((v) => v.toFixed(1)), Object.values(phases).reduce((a, b) => a + b, 0).toFixed(1)]]));
    }
  }

  out.push('\nTargets (issue 4)');
  out.push(table(['target', 'actual', 'met'], r.verdicts.map((v) => [v.target, v.actual, v.met ? 'MET' : 'NOT MET'])));

  const services = Object.keys(r.idle);
  const bound = r.options.maxOldSpaceMB ? `--max-old-space-size=${r.options.maxOldSpaceMB}` : "Node's default old space (from this machine's memory)";
  out.push(
    `\nPeak memory per service, MB (RSS sampled every 200 ms / V8 heap used from /metrics every 500 ms; each run starts after a full GC in every service); services ran with ${bound}`,
  );
  out.push(
    table(
      ['service', 'idle', ...Object.keys(r.runs), ...(r.inbound ? ['inbound'] : [])],
      services.map((svc) => [
        svc,
        `${r.idle[svc]?.rssMB.toFixed(0)}/${r.idle[svc]?.heapMB.toFixed(0)}`,
        ...Object.values(r.runs).map((run) => `${run.memory[svc]?.rssMB.toFixed(0)}/${run.memory[svc]?.heapMB.toFixed(0)}`),
        ...(r.inbound ? [`${r.inbound.memory[svc]?.rssMB.toFixed(0)}/${r.inbound.memory[svc]?.heapMB.toFixed(0)}`] : []),
      ]),
    ),
  );

  out.push('\nBus and CPU per run');
  out.push(
    table(
      ['run', 'ROSTER_RECORDS msgs/MB', 'ROSTER_DIRECTORY msgs/MB', ...Object.keys(Object.values(r.runs)[0]?.cpuMs ?? {}).map((n) => `${n} CPU s`)],
      Object.entries(r.runs).map(([name, run]) => [
        name,
        `${run.bus['ROSTER_RECORDS']?.messages}/${mb(run.bus['ROSTER_RECORDS']?.bytes ?? 0)}`,
        `${run.bus['ROSTER_DIRECTORY']?.messages}/${mb(run.bus['ROSTER_DIRECTORY']?.bytes ?? 0)}`,
        ...Object.values(run.cpuMs).map((ms) => s(ms)),
      ]),
    ),
  );

  const background = [
    ...Object.entries(r.runs).map(([name, run]) => [name, run.postgresBackground] as const),
    ...(r.inbound ? [['inbound', r.inbound.postgresBackground] as const] : []),
  ];
  out.push(`\nPostgreSQL's own work during each run (${POSTGRES_BACKGROUND.join(', ')}; not in the CPU above, nor in the floor's)`);
  out.push(table(['run', 'checkpoints', 'CPU s'], background.map(([name, b]) => [name, b.checkpoints ?? '-', s(b.cpuMs)])));

  for (const [name, run] of Object.entries(r.runs)) {
    if (run.dbSamples.length === 0) continue;
    out.push(`\nDatabase, ${name}: statements the services' backends were running (share of 200 ms samples)`);
    for (const q of run.dbSamples.slice(0, 6)) out.push(`  ${(q.share * 100).toFixed(0).padStart(3)}%  ${q.statement}`);
  }
  if (r.inbound?.dbSamples?.length) {
    out.push(`\nDatabase, inbound: statements the services' backends were running (share of 200 ms samples)`);
    for (const q of r.inbound.dbSamples.slice(0, 6)) out.push(`  ${(q.share * 100).toFixed(0).padStart(3)}%  ${q.statement}`);
  }
  for (const [svc, p] of Object.entries(r.profiles ?? {})) {
    out.push(`\nCPU profile of ${svc} (${s(p.totalMs)} s sampled, ${p.file}): self time by package, then by function`);
    for (const f of p.packages.slice(0, 8)) out.push(`  ${(f.share * 100).toFixed(1).padStart(5)}%  ${f.name}`);
    for (const f of p.functions.slice(0, 12)) out.push(`  ${(f.share * 100).toFixed(1).padStart(5)}%  ${f.name}`);
  }
  return out.join('\n');
}
