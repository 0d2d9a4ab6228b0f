// The chaos run's JSON result and its table.
import type { Check } from './checks';
import { faultLabel } from './faults';
import type { DumpDiff } from './directory-dump';
import type { EventComparison } from './event-ledger';
import type { FaultRecord, OperatorAction, RunView, DeadLetterSummary } from './round';

export interface SyncSummary {
  tenantId: string;
  database: string;
  runIds: string[];
  final: Pick<RunView, 'id' | 'status' | 'counts' | 'problemCount' | 'failure'> | null;
  statusAt: Record<string, number>;
  wallMs: number;
  drainedMs: number;
  firstEventAtMs: number | null;
  directory: { digest: string; counts: Record<string, number> } | null;
  events: { delivered: number; uniqueIds: number; repeatedIds: number; stored: number; violations: number; byType: Record<string, number> } | null;
  files: string[];
  pollErrors: number;
  /** `--source event`: the publisher (acked, retried, answered duplicate) and the ids directory-config accepted. */
  inbound?: { events: number; acked: number; retries: number; duplicates: number; accepted: number; publishMs: number | null };
}

export interface RoundResult extends SyncSummary {
  round: number;
  fault: FaultRecord;
  /** Fault healed → final status. */
  recoveryMs: number | null;
  operator: OperatorAction[];
  deadLetters: DeadLetterSummary[];
  stuck?: string;
  directoryDiff: DumpDiff;
  eventDiff: EventComparison;
  checks: Check[];
  passed: boolean;
  /** The services' output, written beside the JSON when the round failed. */
  logFile?: string;
}

export interface ChaosResult {
  startedAt: string;
  finishedAt: string;
  options: Record<string, unknown>;
  machine: { cpus: number; memoryGB: number; node: string; postgres: string; postgresMode: string };
  files: { rows: number; bytes: number; badRows: number; teams: number };
  reference: SyncSummary;
  rounds: RoundResult[];
  summary: {
    rounds: number;
    passed: number;
    failed: number;
    byFault: Record<string, { rounds: number; passed: number; operatorActions: number }>;
    operatorActions: number;
    deadLetters: number;
    gaps: number;
    duplicates: number;
    unexpected: number;
    directoriesDiverged: number;
    stuck: number;
  };
  /** Set when the run was interrupted (a signal) before every planned round. */
  interrupted?: boolean;
}

export function summarize(rounds: RoundResult[]): ChaosResult['summary'] {
  const byFault: ChaosResult['summary']['byFault'] = {};
  for (const r of rounds) {
    const f = (byFault[faultLabel(r.fault)] ??= { rounds: 0, passed: 0, operatorActions: 0 });
    f.rounds++;
    if (r.passed) f.passed++;
    f.operatorActions += r.operator.length;
  }
  const sum = (pick: (r: RoundResult) => number) => rounds.reduce((a, r) => a + pick(r), 0);
  return {
    rounds: rounds.length,
    passed: rounds.filter((r) => r.passed).length,
    failed: rounds.filter((r) => !r.passed).length,
    byFault,
    operatorActions: sum((r) => r.operator.length),
    deadLetters: sum((r) => r.deadLetters.length),
    gaps: sum((r) => r.eventDiff.gaps),
    duplicates: sum((r) => r.eventDiff.duplicates),
    unexpected: sum((r) => r.eventDiff.unexpected),
    directoriesDiverged: rounds.filter((r) => !r.directoryDiff.equal).length,
    stuck: rounds.filter((r) => r.stuck).length,
  };
}

const s = (ms: number | null | undefined) => (ms === null || ms === undefined ? '—' : `${(ms / 1000).toFixed(1)} s`);

function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

export const ROUND_HEAD = ['round', 'fault', 'at', 'run was', 'down', 'final', 'wall', 'recovery', 'operator', 'directory', 'events', 'gaps/dups/unexp', 'retries', 'verdict'];

export function roundRow(r: RoundResult): string[] {
  return [
    String(r.round),
    faultLabel(r.fault),
    `+${s(r.fault.atMs)}`,
    r.fault.atStatus,
    s(r.fault.downMs),
    r.final?.status ?? (r.stuck ? 'STUCK' : '?'),
    s(r.wallMs),
    s(r.recoveryMs),
    r.operator.length ? r.operator.map((a) => a.command.replace(/^roster /, '').split(' ').slice(0, 2).join(' ')).join('; ') : '—',
    r.directoryDiff.equal ? 'equal' : 'DIFFERS',
    r.events ? String(r.events.uniqueIds) : '—',
    `${r.eventDiff.gaps}/${r.eventDiff.duplicates}/${r.eventDiff.unexpected}`,
    r.inbound ? `${r.inbound.retries}/${r.inbound.duplicates}` : '—',
    r.passed ? 'pass' : `FAIL: ${r.checks.filter((c) => !c.ok).map((c) => c.name).join('; ')}`,
  ];
}

export function renderReport(result: ChaosResult): string {
  const ref = result.reference;
  const source = result.options['source'];
  const lines = [
    `Chaos (issue 7): ${
      source === 'hris'
        ? `an HR-API directory of ${result.files.rows} employees`
        : source === 'event'
          ? `an event directory, ${result.files.rows} inbound events at ${String(result.options['eventRate'])}/s`
          : `${result.files.rows} rows + ${result.files.teams} teams`
    }, seed ${String(result.options['seed'])}, Postgres ${result.machine.postgresMode}, isolation ${String(result.options['isolation'])}`,
    `Reference: ${ref.final?.status} ${JSON.stringify(ref.final?.counts)}, ${ref.final?.problemCount} problems, ${ref.events?.uniqueIds} directory events, ` +
      `${ref.directory?.counts['users']} users / ${ref.directory?.counts['teams']} teams / ${ref.directory?.counts['memberships']} memberships; ` +
      `final in ${s(ref.wallMs)}, first event out at ${s(ref.firstEventAtMs)}, last at ${s(ref.drainedMs)} (the windows of random and @publishing faults)`,
    '',
    table(ROUND_HEAD, result.rounds.map(roundRow)),
    '',
  ];
  const m = result.summary;
  lines.push(
    `${m.passed}/${m.rounds} rounds passed; ${m.directoriesDiverged} directories diverged; events: ${m.gaps} gaps, ${m.duplicates} duplicates, ${m.unexpected} unexpected; ` +
      `${m.stuck} stuck; ${m.operatorActions} operator commands; ${m.deadLetters} dead letters`,
  );
  lines.push(table(['fault', 'rounds', 'passed', 'operator commands'], Object.entries(m.byFault).map(([k, v]) => [k, v.rounds, v.passed, v.operatorActions])));
  for (const r of result.rounds.filter((x) => !x.passed)) {
    lines.push('', `round ${r.round} (${faultLabel(r.fault)} at +${s(r.fault.atMs)}, ${r.fault.atStatus}) failed:`);
    for (const c of r.checks.filter((x) => !x.ok)) lines.push(`  ✗ ${c.name}: ${c.detail ?? ''}`);
    for (const line of [...r.directoryDiff.samples, ...r.eventDiff.samples].slice(0, 12)) lines.push(`    ${line}`);
    for (const d of r.deadLetters.slice(0, 5)) lines.push(`    dead letter ${d.consumer} ${d.code} ${d.original.subject}: ${d.reason.slice(0, 200)}`);
    if (r.logFile) lines.push(`  logs: ${r.logFile}`);
  }
  return lines.join('\n');
}
