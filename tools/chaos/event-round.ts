// `--source event`: one round of an event directory under one fault. A publisher sends the round's employee events
// on ROSTER_INBOUND (in order, each retried until acked) while the fault strikes; the round ends once every event
// is claimed by directory-config's inbox, every micro-batch run is final and every outbox is empty. Its checks are
// about the end state, not the runs: micro-batches cut the same events differently from round to round.
import type { Pool } from 'pg';
import { subjectOf } from '@roster/contracts';
import type { Shared, Stage, Tenant } from './chaos-env';
import { inject } from './chaos-env';
import type { Check, Evaluation, SyncFacts } from './checks';
import { diffDumps, dumpDirectory, stableJson, type DumpDiff } from './directory-dump';
import { compareProjections, drainLedger, storedEvents, type ProjectionComparison } from './event-ledger';
import { faultLabel, type PlannedFault } from './faults';
import { type InboundEvent, type PublishProgress, publishInbound } from './inbound-events';
import { type FaultRecord, type RunView, type SyncObservation, consumersState, redriveDeadLetters, runMessagePublished, waitDrained } from './round';

const FINAL = ['succeeded', 'partially-succeeded', 'failed'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface EventSyncObservation extends SyncObservation {
  publisher: PublishProgress & { events: number };
  /** Event ids directory-config's inbox claimed for the tenant at the end. */
  accepted: number;
}

export interface EventRoundContext {
  stage: Stage;
  shared: Shared;
  root: string;
  tenant: Tenant;
  events: InboundEvent[];
  ratePerSecond: number;
  fault?: PlannedFault;
  timeoutMs: number;
  log: (line: string) => void;
}

interface Progress {
  accepted: number;
  runs: { id: string; status: string; counts: Record<string, number> | null; problemCount: number; failure: RunView['failure'] }[];
  open: number;
}

/** The directory's event runs and the event ids its inbox claimed, from directory-config's tables. */
async function progress(pool: Pool, tenant: Tenant): Promise<Progress> {
  const { rows: runs } = await pool.query<Progress['runs'][number]>(
    `select id, status, counts, coalesce(problem_count, 0)::int as "problemCount", failure
       from directory_config.runs where tenant_id = $1 and directory_id = $2 order by created_at`,
    [tenant.tenantId, tenant.directoryId],
  );
  const { rows } = await pool.query<{ n: number }>(
    `select count(*)::int as n from directory_config.inbox where consumer = 'directory-config-inbound' and event_id like $1`,
    [`${tenant.tenantId}:%`],
  );
  return { accepted: rows[0]?.n ?? 0, runs, open: runs.filter((r) => !FINAL.includes(r.status)).length };
}

/** The micro-batch runs as one view: succeeded when every one did, their counts and problems summed. */
function aggregate(p: Progress): RunView {
  const counts: Record<string, number> = {};
  for (const r of p.runs) for (const [k, v] of Object.entries(r.counts ?? {})) counts[k] = (counts[k] ?? 0) + v;
  const notSucceeded = p.runs.filter((r) => r.status !== 'succeeded');
  return {
    id: `${p.runs.length} event runs`,
    status: p.open ? 'running' : notSucceeded.length === 0 ? 'succeeded' : (notSucceeded.find((r) => r.status === 'failed')?.status ?? 'partially-succeeded'),
    counts,
    problemCount: p.runs.reduce((n, r) => n + r.problemCount, 0),
    failure: notSucceeded.find((r) => r.failure)?.failure ?? null,
  };
}

export async function eventsUnderFault(ctx: EventRoundContext): Promise<EventSyncObservation> {
  const { stage, tenant } = ctx;
  const started = performance.now();
  const since = () => Math.round(performance.now() - started);
  const deadline = started + ctx.timeoutMs;
  const publisher: EventSyncObservation['publisher'] = { events: ctx.events.length, acked: 0, retries: 0, duplicates: 0 };
  const obs: EventSyncObservation = { runIds: [], statusAt: {}, wallMs: 0, drainedMs: 0, operator: [], deadLetters: [], pollErrors: 0, publisher, accepted: 0 };
  const stopPublishing = new AbortController();
  const publishing = publishInbound(stage.nc, {
    tenantId: tenant.tenantId,
    directoryId: tenant.directoryId,
    events: ctx.events,
    ratePerSecond: ctx.ratePerSecond,
    since,
    progress: publisher,
    signal: stopPublishing.signal,
  }).then(() => {
    if (!stopPublishing.signal.aborted) obs.statusAt['published'] ??= since();
  });
  obs.statusAt['accepting'] = 0;

  let last: Progress | undefined;
  const poll = async () => {
    try {
      last = await progress(stage.pool, tenant);
      return last;
    } catch {
      obs.pollErrors++;
      return undefined;
    }
  };
  let healed = !ctx.fault;
  const strike = ctx.fault
    ? eventFaultTask(ctx, ctx.fault, since, publisher, () => last).then((record) => {
        obs.fault = record;
        healed = true;
      })
    : Promise.resolve();
  const operatorDeps = {
    ctx: { stage, shared: ctx.shared, root: ctx.root, tenant, timeoutMs: ctx.timeoutMs, restage: () => Promise.resolve(), log: ctx.log },
    obs,
    since,
  };
  let lastDlqCheck = 0;
  for (;;) {
    const p = await poll();
    if (obs.firstEventAtMs === undefined && (await storedEvents(stage.nc, tenant.tenantId).catch(() => 0)) > 0) obs.firstEventAtMs = since();
    if (p && p.accepted >= ctx.events.length) obs.statusAt['accepted'] ??= since();
    const done = p !== undefined && publisher.acked === ctx.events.length && p.accepted >= ctx.events.length && p.open === 0;
    if (healed && done) {
      obs.statusAt['final'] = since();
      break;
    }
    if (healed && performance.now() - lastDlqCheck > 5000) {
      lastDlqCheck = performance.now();
      await redriveDeadLetters(operatorDeps);
    }
    if (performance.now() > deadline) {
      stopPublishing.abort();
      await strike;
      obs.stuck =
        `${publisher.acked}/${ctx.events.length} events acked, ${p?.accepted ?? '?'} accepted, ${p?.open ?? '?'} of ${p?.runs.length ?? '?'} runs open ` +
        `after ${ctx.timeoutMs} ms; ${await consumersState(stage)}`;
      break;
    }
    await sleep(250);
  }
  await publishing;
  await strike;
  obs.wallMs = obs.statusAt['final'] ?? since();
  if (last) {
    obs.runIds = last.runs.map((r) => r.id);
    obs.accepted = last.accepted;
    if (!obs.stuck) obs.final = aggregate(last);
  }
  if (obs.stuck) return obs;

  for (let pass = 0; ; pass++) {
    const drained = await waitDrained(stage, deadline);
    obs.drainedMs = since();
    if (!drained) {
      obs.stuck = `outboxes not empty after ${ctx.timeoutMs} ms; ${await consumersState(stage)}`;
      break;
    }
    if (pass >= 2 || !(await redriveDeadLetters(operatorDeps))) break;
  }
  // A redriven dead letter may have made a run after the first read.
  const after = await poll();
  if (after) {
    obs.runIds = after.runs.map((r) => r.id);
    obs.accepted = after.accepted;
    obs.final = aggregate(after);
  }
  return obs;
}

/**
 * Strikes at the planned moment: `random` after the first publish; `accepting` once the first event is acked, a
 * moment drawn over the reference's publishing span but before the last tenth of the events is acked
 * (directory-config's micro-batcher holds events between their ack and their run's commit: how many it held is
 * recorded); `publishing` once the first directory event is out;
 * `batch`/`completed` the instant the tenant's second records.batch / records.complete is on the bus.
 */
async function eventFaultTask(
  ctx: EventRoundContext,
  fault: PlannedFault,
  since: () => number,
  publisher: PublishProgress,
  last: () => Progress | undefined,
): Promise<FaultRecord> {
  const remaining = () => Math.max(0, ctx.timeoutMs - since());
  const events = () => storedEvents(ctx.stage.nc, ctx.tenant.tenantId).catch(() => null);
  if (fault.at === 'accepting') {
    while (publisher.acked === 0 && since() < ctx.timeoutMs) await sleep(10);
  } else if (fault.at === 'publishing') {
    while (!((await events()) ?? 0) && since() < ctx.timeoutMs) await sleep(25);
  } else if (fault.at === 'batch' || fault.at === 'completed') {
    const subject = subjectOf(fault.at === 'batch' ? 'records.batch' : 'records.complete', { tenant: ctx.tenant.tenantId });
    await runMessagePublished(ctx.stage.nc, subject, undefined, 2, remaining());
  }
  if (fault.at === 'accepting') {
    // The drawn moment, but never after the publisher's last tenth: on a loaded machine the reference published more
    // slowly than this round does, and a moment drawn over its span could land once everything was accepted (seen:
    // nats-server down after the last ack, nothing to retry).
    const until = since() + fault.delayMs;
    while (since() < until && publisher.acked < ctx.events.length * 0.9) await sleep(10);
  } else if (fault.delayMs > 0) await sleep(fault.delayMs);
  const instant = fault.at === 'batch' || fault.at === 'completed';
  let atStatus: string = fault.at;
  let eventsAtFault: number | null = null;
  if (!instant) {
    const accepted = await progress(ctx.stage.pool, ctx.tenant).then(
      (p) => p.accepted,
      () => last()?.accepted,
    );
    eventsAtFault = await events();
    const held = accepted === undefined ? '?' : Math.max(0, publisher.acked - accepted);
    atStatus =
      publisher.acked < ctx.events.length
        ? `accepting (${publisher.acked} acked, ${held} held)`
        : accepted !== undefined && accepted < ctx.events.length
          ? `accepting (all acked, ${held} held)`
          : eventsAtFault
            ? 'publishing'
            : 'applying';
  }
  const record: FaultRecord = { kind: fault.kind, at: fault.at, delayMs: fault.delayMs, downMs: fault.downMs, atMs: since(), atStatus, eventsAtFault, healedAtMs: 0 };
  try {
    await inject(ctx.stage, ctx.shared, fault.kind, fault.downMs);
  } catch (e) {
    record.error = (e as Error).message;
  }
  record.healedAtMs = since();
  ctx.log(`  ${faultLabel(fault)} down at +${record.atMs} ms (${record.atStatus}, ${eventsAtFault ?? '?'} events out) for ${fault.downMs} ms, back at +${record.healedAtMs} ms${record.error ? `: ${record.error}` : ''}`);
  return record;
}

/** What the rounds of an event directory left behind (the files list stays empty: no folder is read). */
export async function collectEventFacts(stage: Stage, tenant: Tenant, obs: EventSyncObservation, durable: string, timeoutMs: number): Promise<SyncFacts> {
  const { pool, platform, nc } = stage;
  const runIds = obs.runIds;
  const dump = await dumpDirectory(pool, tenant.tenantId, { directoryIds: [tenant.directoryId], runIds });
  const events = await drainLedger(nc, durable, dump.ids, timeoutMs);
  const { rows: runs } = await pool.query<{ id: string; status: string }>(`select id, status from directory_config.runs where tenant_id = $1 and directory_id = $2`, [
    tenant.tenantId,
    tenant.directoryId,
  ]);
  const { rows: notifications } = await pool.query<{ runId: string | null; eventId: string; kind: string; status: string }>(
    `select run_id as "runId", event_id as "eventId", kind, status from notifier.notifications where tenant_id = $1 order by created_at`,
    [tenant.tenantId],
  );
  const { rows: staged } = await pool.query<{ n: string }>(`select count(*) as n from reconciler.staged_batches where run_id = any($1::uuid[])`, [runIds]);
  const { rows: states } = await pool.query<{ status: string; n: string }>(`select status, count(*) as n from reconciler.run_states where run_id = any($1::uuid[]) group by status`, [
    runIds,
  ]);
  const dlq = await platform.api<{ items: unknown[] }>('GET', `/v1/tenants/${tenant.tenantId}/dead-letters?limit=500`);
  return {
    dump,
    events,
    storedEvents: await storedEvents(nc, tenant.tenantId),
    files: [],
    runs,
    notifications,
    reconciler: { stagedBatches: Number(staged[0]?.n ?? 0), runStates: Object.fromEntries(states.map((s) => [s.status, Number(s.n)])) },
    deadLettersLeft: dlq.status === 200 ? dlq.body.items.length : -1,
  };
}

/**
 * A round of an event directory against the reference: every event published, accepted once and applied (every
 * run final and succeeded), the directory equal, and the consumer's view of it built from the directory events
 * equal to the reference consumer's, with no change published twice.
 */
export function evaluateEvents(reference: { obs: EventSyncObservation; facts: SyncFacts }, round: { obs: EventSyncObservation; facts?: SyncFacts }): Evaluation {
  const checks: Check[] = [];
  const check = (name: string, ok: boolean, detail?: string) => checks.push(ok ? { name, ok } : { name, ok, detail });
  const { obs, facts } = round;
  const ref = reference.facts;
  const noDiff: DumpDiff = { equal: false, missing: {}, extra: {}, samples: [] };
  const none: ProjectionComparison = { gaps: 0, duplicates: 0, unexpected: 0, samples: [] };

  check('fault injected and healed', !obs.fault?.error, obs.fault?.error);
  const { publisher } = obs;
  check('every event published (acked by the stream)', publisher.acked === publisher.events, `${publisher.acked} of ${publisher.events} acked`);
  check('every event accepted once (directory-config inbox)', obs.accepted === publisher.events, `${obs.accepted} event ids claimed of ${publisher.events}`);
  check('every micro-batch run final (by itself or re-driven)', !!obs.final && !obs.stuck, obs.stuck ?? (obs.final ? undefined : 'no final status'));
  const notOk = (facts?.runs ?? []).filter((r) => r.status !== 'succeeded');
  check('every micro-batch run succeeded', !!facts && notOk.length === 0, notOk.map((r) => `${r.id} ${r.status}`).join(', '));
  check('problem count as the reference', obs.final?.problemCount === reference.obs.final?.problemCount, `${obs.final?.problemCount} vs ${reference.obs.final?.problemCount}`);
  if (!facts) return { checks, directory: noDiff, events: none };

  const directory = diffDumps(ref.dump, facts.dump);
  check('directory equals the reference', directory.equal, `missing ${stableJson(directory.missing)}, extra ${stableJson(directory.extra)}`);
  check('users as the reference', facts.dump.counts.users === ref.dump.counts.users, `${facts.dump.counts.users} vs ${ref.dump.counts.users}`);
  const events = ref.events.projection && facts.events.projection ? compareProjections(ref.events.projection, facts.events.projection) : none;
  check('events: the consumer ends with the reference consumer’s directory (no gap)', events.gaps === 0, `${events.gaps} entities whose last change differs or is missing`);
  check('events: no change published twice, nothing unexpected', events.duplicates === 0 && events.unexpected === 0, `${events.duplicates} repeated, ${events.unexpected} unexpected`);
  check(
    'events: the consumer got every stored event, by id, in the contract',
    facts.events.uniqueIds === facts.storedEvents && facts.events.violations === 0,
    `${facts.events.uniqueIds} ids received, ${facts.storedEvents} stored, ${facts.events.violations} outside the contract`,
  );
  check('no dead letter left', facts.deadLettersLeft === 0, `${facts.deadLettersLeft} left`);
  // Event runs mail nobody; the notifier logs each run.finished as it does for the reference.
  const finished = facts.runs.filter((r) => FINAL.includes(r.status)).length;
  const expected = ref.notifications.length === 0 ? 0 : finished;
  check('run reports as the reference (notifier)', facts.notifications.length === expected, `${facts.notifications.length} notifier rows for ${finished} finished runs (reference: ${ref.notifications.length} for ${ref.runs.length})`);
  const states = Object.keys(facts.reconciler.runStates).filter((s) => s !== 'applied' && s !== 'failed');
  check(
    'reconciler run state clean (nothing staged, every run applied or failed)',
    facts.reconciler.stagedBatches === 0 && states.length === 0,
    `${facts.reconciler.stagedBatches} staged batches left, run_states ${stableJson(facts.reconciler.runStates)}`,
  );
  return { checks, directory, events };
}
