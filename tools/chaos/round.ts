// One sync under one fault: POST the run, strike at the planned moment, follow the run to its final status —
// re-driving it the way an operator would (the `roster` CLI) when it is stuck on dead letters or failed because of
// the fault — and wait until every event has left the outboxes.
import { execFile } from 'node:child_process';
import { existsSync, watch } from 'node:fs';
import { join } from 'node:path';
import type { NatsConnection } from 'nats';
import { subjectOf } from '@roster/contracts';
import type { Stage, Shared, Tenant } from './chaos-env';
import { inject } from './chaos-env';
import { storedEvents } from './event-ledger';
import { faultLabel, type PlannedFault } from './faults';

export interface RunView {
  id: string;
  status: string;
  trigger?: string;
  counts: Record<string, number> | null;
  problemCount: number;
  failure: { code: string; message: string } | null;
  rerunOf?: string | null;
}

export interface DeadLetterSummary {
  sequence: number;
  consumer: string;
  code: string;
  reason: string;
  deliveries: number;
  original: { subject: string; stream: string; sequence: number };
}

export interface OperatorAction {
  /** ms after the POST. */
  atMs: number;
  /** The `roster` command line (without the API settings). */
  command: string;
  exitCode: number;
  output: string;
}

export interface FaultRecord extends Omit<PlannedFault, 'round'> {
  /** ms after the POST at which it struck (the plan's delay, give or take the event loop). */
  atMs: number;
  /** The run's status as last polled when it struck: `publishing` once events are out, `finished` once final. */
  atStatus: string;
  /** The tenant's directory events on the stream when it struck. */
  eventsAtFault: number | null;
  /** ms after the POST at which the process was back (a service ready, nats-server accepting, Postgres answering). */
  healedAtMs: number;
  error?: string;
}

export interface SyncObservation {
  /** The first run, then any run an operator started to re-drive it. */
  runIds: string[];
  final?: RunView;
  /** ms after the POST at which each status was first seen (polled every 250 ms). */
  statusAt: Record<string, number>;
  /** POST → final status of the last run. */
  wallMs: number;
  /** POST → every outbox empty: the last directory event on the bus. */
  drainedMs: number;
  /** POST → the run's first directory event seen on the bus (polled every 250 ms). */
  firstEventAtMs?: number;
  fault?: FaultRecord;
  operator: OperatorAction[];
  /** Dead letters of the tenant seen during the round (before they were redriven). */
  deadLetters: DeadLetterSummary[];
  /** Why the round could not end (a run not final by the deadline), with the consumers' state. */
  stuck?: string;
  /** API polls that failed (directory-config down, Postgres down): expected during a fault. */
  pollErrors: number;
}

const FINAL = ['succeeded', 'partially-succeeded', 'failed'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface SyncContext {
  stage: Stage;
  shared: Shared;
  root: string;
  tenant: Tenant;
  fault?: PlannedFault;
  timeoutMs: number;
  /** The clean run's final status: a run that ends `failed` when the reference did not is re-driven. */
  referenceStatus?: string;
  /** Puts the run's files in the directory's folder again (an operator's step before a new sync). */
  restage: () => Promise<void>;
  log: (line: string) => void;
}

export async function syncUnderFault(ctx: SyncContext): Promise<SyncObservation> {
  const { stage, tenant } = ctx;
  const base = `/v1/tenants/${tenant.tenantId}`;
  const started = performance.now();
  const since = () => Math.round(performance.now() - started);
  const deadline = started + ctx.timeoutMs;
  const obs: SyncObservation = { runIds: [], statusAt: {}, wallMs: 0, drainedMs: 0, operator: [], deadLetters: [], pollErrors: 0 };

  const post = await stage.platform.api<RunView>('POST', `${base}/directories/${tenant.directoryId}/runs`, {});
  if (post.status !== 202) throw new Error(`POST runs answered ${post.status}: ${JSON.stringify(post.body)}`);
  obs.runIds.push(post.body.id);
  let view: RunView | undefined = post.body;

  const poll = async (): Promise<RunView | undefined> => {
    const runId = obs.runIds[obs.runIds.length - 1];
    try {
      const res = await stage.platform.api<RunView>('GET', `${base}/runs/${runId}`);
      if (res.status !== 200) throw new Error(`GET run answered ${res.status}`);
      view = res.body;
      obs.statusAt[view.status] ??= since();
      return view;
    } catch {
      obs.pollErrors++;
      return undefined;
    }
  };

  // Runs beside the polling below; the operator acts only once the fault is over (the process is back).
  let healed = !ctx.fault;
  const strike = ctx.fault
    ? faultTask(ctx, ctx.fault, post.body.id, since, () => view).then((record) => {
        obs.fault = record;
        healed = true;
      })
    : Promise.resolve();
  const operatorDeps = { ctx, obs, since };
  let lastDlqCheck = 0;
  let redrives = 0;
  for (;;) {
    const current = await poll();
    if (obs.firstEventAtMs === undefined && (await storedEvents(stage.nc, tenant.tenantId).catch(() => 0)) > 0) obs.firstEventAtMs = since();
    const isFinal = current !== undefined && FINAL.includes(current.status);
    if (healed && isFinal) {
      if (current.status === 'failed' && ctx.referenceStatus !== 'failed' && redrives < 2) {
        // The fault failed a run the clean one did not: an operator re-drives it (re-run, or a new sync).
        redrives++;
        const newRun = await redriveFailedRun(operatorDeps, current);
        if (newRun) {
          obs.runIds.push(newRun);
          continue;
        }
      }
      obs.final = current;
      obs.wallMs = obs.statusAt[current.status] ?? since();
      break;
    }
    if (healed && performance.now() - lastDlqCheck > 5000) {
      lastDlqCheck = performance.now();
      await redriveDeadLetters(operatorDeps);
    }
    if (performance.now() > deadline) {
      await strike;
      obs.stuck = `run ${obs.runIds[obs.runIds.length - 1]} still ${view?.status ?? '?'} after ${ctx.timeoutMs} ms; ${await consumersState(stage)}`;
      obs.wallMs = since();
      return obs;
    }
    await sleep(250);
  }
  await strike;

  // Every event out of the outboxes; dead letters now would be work the run left undone (a report, a status).
  for (let pass = 0; ; pass++) {
    const drained = await waitDrained(stage, deadline);
    obs.drainedMs = since();
    if (!drained) {
      obs.stuck = `outboxes not empty after ${ctx.timeoutMs} ms; ${await consumersState(stage)}`;
      break;
    }
    if (pass >= 2 || !(await redriveDeadLetters(operatorDeps))) break;
  }
  return obs;
}

async function faultTask(ctx: SyncContext, fault: PlannedFault, runId: string, since: () => number, view: () => RunView | undefined): Promise<FaultRecord> {
  const events = () => storedEvents(ctx.stage.nc, ctx.tenant.tenantId).catch(() => null);
  // The run's status now (the main loop's view is up to 250 ms old); the last one seen if the API does not answer.
  const status = async () => {
    const res = await ctx.stage.platform.api<RunView>('GET', `/v1/tenants/${ctx.tenant.tenantId}/runs/${runId}`).catch(() => undefined);
    return res?.status === 200 ? res.body.status : (view()?.status ?? 'queued');
  };
  // A phase the run has passed before it was seen is struck at once, late.
  const past = (s: string, statuses: string[]) => FINAL.includes(s) || statuses.includes(s) || since() > ctx.timeoutMs;
  if (fault.at === 'fetching') {
    while (!past(await status(), ['fetching', 'reconciling'])) await sleep(25);
  } else if (fault.at === 'publishing') {
    // The apply has committed once the run's first directory event is out: struck that instant (a core
    // subscription), since the relay now publishes a 3k-row run's 6 000 events in a few hundred milliseconds — a
    // status poll and a drawn delay landed after the last one (seen in CI).
    await runMessagePublished(ctx.stage.nc, `roster.directory.${ctx.tenant.tenantId}.>`, runId, 1, Math.max(0, ctx.timeoutMs - since()));
  } else if (fault.at === 'completed') {
    await runMessagePublished(ctx.stage.nc, subjectOf('records.complete', { tenant: ctx.tenant.tenantId }), runId, 1, Math.max(0, ctx.timeoutMs - since()));
  } else if (fault.at === 'batch') {
    await runMessagePublished(ctx.stage.nc, subjectOf('records.batch', { tenant: ctx.tenant.tenantId }), runId, 2, Math.max(0, ctx.timeoutMs - since()));
  } else if (fault.at === 'archived') {
    await firstFileMoved(ctx.tenant.folder, Math.max(0, ctx.timeoutMs - since()));
  }
  // `completed`, `archived`, `batch` and `publishing` strike at once: the windows they aim at (files moving,
  // completion not yet out; completion out, request not yet acknowledged; events leaving) are milliseconds.
  const instant = fault.at === 'completed' || fault.at === 'archived' || fault.at === 'batch' || fault.at === 'publishing';
  if (fault.delayMs > 0 && !instant) await sleep(fault.delayMs);
  const [statusAtFault, eventsAtFault] = instant ? [fault.at, fault.at === 'publishing' ? 1 : null] : await Promise.all([status(), events()]);
  const record: FaultRecord = {
    kind: fault.kind,
    at: fault.at,
    delayMs: fault.delayMs,
    downMs: fault.downMs,
    atMs: since(),
    atStatus: FINAL.includes(statusAtFault) ? 'finished' : eventsAtFault ? 'publishing' : statusAtFault,
    eventsAtFault,
    healedAtMs: 0,
  };
  try {
    await inject(ctx.stage, ctx.shared, fault.kind, fault.downMs);
  } catch (e) {
    record.error = (e as Error).message;
  }
  record.healedAtMs = since();
  ctx.log(`  ${faultLabel(fault)} down at +${record.atMs} ms (${record.atStatus}, ${eventsAtFault ?? '?'} events out) for ${fault.downMs} ms, back at +${record.healedAtMs} ms${record.error ? `: ${record.error}` : ''}`);
  return record;
}

/**
 * Resolves the instant the `count`-th message of the run on `subject` is on the bus (its records.complete, its
 * second records.batch): a JetStream publish is a NATS message on its subject, so a core subscription sees it as
 * the stream stores it, before the source has gone on (acknowledged its request, read the next page).
 */
export function runMessagePublished(nc: NatsConnection, subject: string, runId: string | undefined, count: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const sub = nc.subscribe(subject);
    const timer = setTimeout(() => sub.unsubscribe(), timeoutMs);
    void (async () => {
      let seen = 0;
      for await (const msg of sub) {
        const event = JSON.parse(new TextDecoder().decode(msg.data)) as { data?: { runId?: string } };
        // No run id: any run of the subject's tenant (an event directory's micro-batch runs).
        if ((runId === undefined || event.data?.runId === runId) && ++seen >= count) break;
      }
      clearTimeout(timer);
      sub.unsubscribe();
      resolve();
    })();
  });
}

/**
 * Resolves the instant file-ingest renames the first of the run's files out of the folder (into archive/ or
 * error/): the SFTP folder is on this machine, so inotify (fs.watch) tells at once; a 100 ms poll backs it up.
 */
function firstFileMoved(folder: string, timeoutMs: number): Promise<void> {
  const moved = () => ['teams.csv', 'users.csv'].some((name) => !existsSync(join(folder, name)));
  return new Promise((resolve) => {
    const done = () => {
      watcher.close();
      clearInterval(poll);
      clearTimeout(timer);
      resolve();
    };
    const watcher = watch(folder, () => moved() && done());
    const poll = setInterval(() => moved() && done(), 100);
    const timer = setTimeout(done, timeoutMs);
    if (moved()) done();
  });
}

export interface OperatorDeps {
  ctx: SyncContext;
  obs: SyncObservation;
  since: () => number;
}

/** `roster <args> --json` against the stage's admin API, for the tenant; never throws. */
function roster(ctx: SyncContext, args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const cli = join(ctx.root, 'dist', 'apps', 'cli', 'src', 'main.js');
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cli, '--json', ...args],
      {
        env: { ...process.env, ROSTER_API_URL: ctx.stage.platform.apiUrl, ROSTER_API_KEY: ctx.stage.platform.apiKey, ROSTER_TENANT_ID: ctx.tenant.tenantId },
        timeout: 120_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => resolve({ exitCode: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

async function operate(d: OperatorDeps, args: string[]): Promise<{ exitCode: number; stdout: string }> {
  const atMs = d.since();
  const result = await roster(d.ctx, args);
  const output = `${result.stdout}${result.stderr}`.trim();
  d.obs.operator.push({ atMs, command: `roster ${args.join(' ')}`, exitCode: result.exitCode, output: output.length > 2000 ? `${output.slice(0, 2000)}…` : output });
  d.ctx.log(`  operator at +${atMs} ms: roster ${args.join(' ')} → exit ${result.exitCode}`);
  return result;
}

/** The tenant's dead letters, if any, recorded and redriven with `roster dlq redrive --all`; whether there were any. */
export async function redriveDeadLetters(d: OperatorDeps): Promise<boolean> {
  const { stage, tenant } = d.ctx;
  const res = await stage.platform
    .api<{ items: DeadLetterSummary[] }>('GET', `/v1/tenants/${tenant.tenantId}/dead-letters?limit=500`)
    .catch(() => undefined);
  const items = res?.status === 200 ? res.body.items : [];
  if (items.length === 0) return false;
  for (const item of items) {
    if (!d.obs.deadLetters.some((x) => x.sequence === item.sequence)) {
      d.obs.deadLetters.push({
        sequence: item.sequence,
        consumer: item.consumer,
        code: item.code,
        reason: item.reason.slice(0, 500),
        deliveries: item.deliveries,
        original: item.original,
      });
    }
  }
  await operate(d, ['dlq', 'redrive', '--all']);
  return true;
}

/**
 * A run the fault failed: `roster runs rerun` when its records were fetched whole (R-OPS-01), else the files are
 * put back in the folder (from archive/ or error/: the copies the run was given) and `roster sync` starts a new run.
 */
async function redriveFailedRun(d: OperatorDeps, failed: RunView): Promise<string | undefined> {
  const rerun = await operate(d, ['runs', 'rerun', failed.id, '--no-follow']);
  const parsed = parseJson<{ id?: string }>(rerun.stdout);
  if (rerun.exitCode === 0 && parsed?.id) return parsed.id;
  await d.ctx.restage();
  const sync = await operate(d, ['sync', d.ctx.tenant.directoryId, '--no-follow']);
  const started = parseJson<{ id?: string }>(sync.stdout);
  return sync.exitCode === 0 ? started?.id : undefined;
}

function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** Every service schema's outbox empty (polled until the deadline; false if it never was). */
export async function waitDrained(stage: Stage, deadline: number): Promise<boolean> {
  for (;;) {
    try {
      const { rows: schemas } = await stage.pool.query<{ schema: string }>(`select table_schema as schema from information_schema.tables where table_name = 'outbox'`);
      const counts = await Promise.all(schemas.map(async ({ schema }) => Number((await stage.pool.query<{ n: string }>(`select count(*) as n from "${schema}".outbox`)).rows[0]?.n)));
      if (counts.every((n) => n === 0)) return true;
    } catch {
      // Postgres restarting: try again.
    }
    if (performance.now() > deadline) return false;
    await sleep(250);
  }
}

/** The services' durable consumers on the run streams: what is pending, unacknowledged, redelivered. */
export async function consumersState(stage: Stage): Promise<string> {
  try {
    const jsm = await stage.nc.jetstreamManager();
    const parts: string[] = [];
    for (const stream of ['ROSTER_RUNS', 'ROSTER_RECORDS', 'ROSTER_INBOUND', 'ROSTER_DLQ']) {
      for await (const c of jsm.consumers.list(stream)) {
        if (c.num_pending || c.num_ack_pending || c.num_redelivered) {
          parts.push(`${c.name}: ${c.num_pending} pending, ${c.num_ack_pending} unacked, ${c.num_redelivered} redelivered`);
        }
      }
      const info = await jsm.streams.info(stream);
      parts.push(`${stream}: ${info.state.messages} messages`);
    }
    return parts.join('; ');
  } catch (e) {
    return `consumers unreadable: ${(e as Error).message}`;
  }
}
