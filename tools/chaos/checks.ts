// What a finished sync left behind, and how a faulted round's compares with the clean reference's.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Stage, Tenant } from './chaos-env';
import { DirectoryDump, diffDumps, dumpDirectory, stableJson, type DumpDiff } from './directory-dump';
import { EventComparison, EventTally, compareEvents, drainLedger, storedEvents } from './event-ledger';
import type { RunView, SyncObservation } from './round';

export interface SyncFacts {
  dump: DirectoryDump;
  events: EventTally;
  /** The tenant's messages on ROSTER_DIRECTORY (what the consumer should have received, by id). */
  storedEvents: number;
  /** The directory's SFTP folder, recursively, timestamps stripped (`archive/users.csv`). */
  files: string[];
  runs: Pick<RunView, 'id' | 'status'>[];
  /** The notifier's log rows of the tenant: one per run.finished (R-NOT-01; recipients none: `skipped`). */
  notifications: { runId: string | null; eventId: string; kind: string; status: string }[];
  /** The reconciler's per-run state: staged batches left, run_states by status. */
  reconciler: { stagedBatches: number; runStates: Record<string, number> };
  deadLettersLeft: number;
}

export interface Check {
  name: string;
  ok: boolean;
  detail?: string;
}

export interface Evaluation {
  checks: Check[];
  directory: DumpDiff;
  events: EventComparison;
}

const FINAL = ['succeeded', 'partially-succeeded', 'failed'];

export async function collectFacts(stage: Stage, tenant: Tenant, obs: SyncObservation, durable: string, timeoutMs: number): Promise<SyncFacts> {
  const { pool, platform, nc } = stage;
  const runsRes = await platform.api<RunView[]>('GET', `/v1/tenants/${tenant.tenantId}/directories/${tenant.directoryId}/runs?limit=100`);
  const runs = runsRes.status === 200 ? runsRes.body.map((r) => ({ id: r.id, status: r.status })) : [];
  const runIds = [...new Set([...obs.runIds, ...runs.map((r) => r.id)])];
  const dump = await dumpDirectory(pool, tenant.tenantId, { directoryIds: [tenant.directoryId], runIds });
  const events = await drainLedger(nc, durable, dump.ids, timeoutMs);
  const { rows: notifications } = await pool.query<{ runId: string | null; eventId: string; kind: string; status: string }>(
    `select run_id as "runId", event_id as "eventId", kind, status from notifier.notifications where tenant_id = $1 order by created_at`,
    [tenant.tenantId],
  );
  const { rows: staged } = await pool.query<{ n: string }>(`select count(*) as n from reconciler.staged_batches where run_id = any($1::uuid[])`, [runIds]);
  const { rows: states } = await pool.query<{ status: string; n: string }>(
    `select status, count(*) as n from reconciler.run_states where run_id = any($1::uuid[]) group by status`,
    [runIds],
  );
  const dlq = await platform.api<{ items: unknown[] }>('GET', `/v1/tenants/${tenant.tenantId}/dead-letters?limit=500`);
  return {
    dump,
    events,
    storedEvents: await storedEvents(nc, tenant.tenantId),
    files: await listFiles(tenant.folder),
    runs,
    notifications,
    reconciler: { stagedBatches: Number(staged[0]?.n ?? 0), runStates: Object.fromEntries(states.map((s) => [s.status, Number(s.n)])) },
    deadLettersLeft: dlq.status === 200 ? dlq.body.items.length : -1,
  };
}

/** The folder's files, recursively, with file-ingest's `<ISO stamp>-` prefix removed, sorted. */
export async function listFiles(folder: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(folder, prefix), { withFileTypes: true })) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(folder, path)));
    else out.push(path.replace(/(^|\/)\d{4}-\d{2}-\d{2}T[\d-]+Z-/, '$1'));
  }
  return out.sort();
}

/** Every check of a faulted round against the reference; the round passes when all are ok. */
export function evaluate(reference: { obs: SyncObservation; facts: SyncFacts }, round: { obs: SyncObservation; facts?: SyncFacts }): Evaluation {
  const checks: Check[] = [];
  const check = (name: string, ok: boolean, detail?: string) => checks.push(ok ? { name, ok } : { name, ok, detail });
  const { obs, facts } = round;
  const ref = reference.facts;
  const noDiff: DumpDiff = { equal: false, missing: {}, extra: {}, samples: [] };
  const noEvents: EventComparison = { gaps: 0, duplicates: 0, unexpected: 0, samples: [] };

  check('fault injected and healed', !obs.fault?.error, obs.fault?.error);
  check('run final (by itself or re-driven)', !!obs.final && !obs.stuck, obs.stuck ?? (obs.final ? undefined : 'no final status'));
  const final = obs.final;
  const refFinal = reference.obs.final;
  check(
    'status, counts and problem count as the reference',
    !!final && !!refFinal && final.status === refFinal.status && stableJson(final.counts) === stableJson(refFinal.counts) && final.problemCount === refFinal.problemCount,
    final ? `${final.status} ${stableJson(final.counts)} ${final.problemCount} problems vs ${refFinal?.status} ${stableJson(refFinal?.counts)} ${refFinal?.problemCount}` : undefined,
  );
  if (!facts) return { checks, directory: noDiff, events: noEvents };

  const directory = diffDumps(ref.dump, facts.dump);
  check('directory equals the reference', directory.equal, `missing ${stableJson(directory.missing)}, extra ${stableJson(directory.extra)}`);
  const events = compareEvents(ref.events, facts.events);
  check('events: no gap', events.gaps === 0, `${events.gaps} changes of the reference never published`);
  check('events: no duplicate, nothing unexpected', events.duplicates === 0 && events.unexpected === 0, `${events.duplicates} published twice, ${events.unexpected} the reference has not`);
  check(
    'events: the consumer got every stored event, by id, in the contract',
    facts.events.uniqueIds === facts.storedEvents && facts.events.violations === 0,
    `${facts.events.uniqueIds} ids received, ${facts.storedEvents} stored, ${facts.events.violations} outside the contract`,
  );
  check('events: as many as the reference', facts.events.uniqueIds === ref.events.uniqueIds, `${facts.events.uniqueIds} vs ${ref.events.uniqueIds}`);
  check('no dead letter left', facts.deadLettersLeft === 0, `${facts.deadLettersLeft} left`);
  const active = facts.runs.filter((r) => !FINAL.includes(r.status));
  check('no run left active (R-DIR-04 slot free)', active.length === 0, active.map((r) => `${r.id} ${r.status}`).join(', '));
  // Redriving dead letters and re-running a run are the operator commands the issue allows; putting the files back on
  // the SFTP server by hand for a new sync means the fault lost the run (it failed with nothing applied).
  const restaged = obs.operator.some((a) => a.command.startsWith('roster sync'));
  check('recovered with Roster’s own commands (no files put back by hand)', !restaged, 'the run failed and only a new sync of files restored from archive/ recovered it');
  check('files archived as in the reference', restaged || stableJson(facts.files) === stableJson(ref.files), `${facts.files.join(', ')} vs ${ref.files.join(', ')}`);
  const finished = facts.runs.filter((r) => FINAL.includes(r.status)).map((r) => r.id).sort();
  const reported = facts.notifications.map((n) => n.runId ?? '?').sort();
  check('one run report per finished run (notifier)', stableJson(finished) === stableJson(reported), `runs ${finished.join(', ')}; reports for ${reported.join(', ')}`);
  const states = Object.keys(facts.reconciler.runStates).filter((s) => s !== 'applied' && s !== 'failed');
  check(
    'reconciler run state clean (nothing staged, every run applied or failed)',
    facts.reconciler.stagedBatches === 0 && states.length === 0,
    `${facts.reconciler.stagedBatches} staged batches left, run_states ${stableJson(facts.reconciler.runStates)}`,
  );
  return { checks, directory, events };
}
