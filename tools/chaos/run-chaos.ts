// The whole chaos run: generate the files, sync them once cleanly (the reference: final directory, events, span),
// then one round per planned fault — a fresh tenant (or database) syncing the same files while the fault strikes —
// each compared with the reference; the JSON result and the table at the end.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { HrisEmulator, hrisEmulatorEnv, startHrisEmulator } from '@roster/testing';
import { ChaosSourceOf, Shared, Stage, Tenant, createTenant, stageFiles, startShared, startStage } from './chaos-env';
import { Evaluation, SyncFacts, collectFacts, evaluate } from './checks';
import { EventSyncObservation, collectEventFacts, evaluateEvents, eventsUnderFault } from './event-round';
import { inboundEvents } from './inbound-events';
import { createLedgerConsumer, deleteLedgerConsumer } from './event-ledger';
import { PlannedFault, faultLabel, planFaults } from './faults';
import { writeChaosFiles } from './files';
import { ChaosOptions, defaultRoundTimeoutMs } from './options';
import { ChaosResult, ROUND_HEAD, RoundResult, SyncSummary, renderReport, roundRow, summarize } from './report';
import { SyncObservation, syncUnderFault } from './round';

export interface ChaosRunOptions extends ChaosOptions {
  log?: (line: string) => void;
  /** Aborting ends the run after the current round (still cleaned up and reported). */
  signal?: AbortSignal;
  /** Output kept per service process, for the logs of a failed round (default 2 MiB). */
  outputLimit?: number;
}

export interface ChaosOutput {
  result: ChaosResult;
  jsonPath: string;
  report: string;
}

export async function runChaos(o: ChaosRunOptions): Promise<ChaosOutput> {
  const log = o.log ?? (() => undefined);
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/:/g, '-');
  await mkdir(o.resultsDir, { recursive: true });
  const work = await mkdtemp(join(tmpdir(), 'roster-chaos-'));
  const timeoutMs = o.roundTimeoutMs ?? defaultRoundTimeoutMs(o.rows);
  let shared: Shared | undefined;
  let stage: Stage | undefined;
  let emulator: HrisEmulator | undefined;
  try {
    let source: ChaosSourceOf;
    if (o.source === 'hris') {
      log(`starting the HRIS emulator with ${o.rows} employees …`);
      emulator = await startHrisEmulator({ employees: o.rows });
      // An HR system answers a page in a few hundred ms; the emulator at once. 100 ms a page gives the fetch
      // the span a kill while fetching needs (20 pages of 100: ~2 s).
      for (let page = 0; page * 100 < o.rows; page++) emulator.slowPage(page, 100);
      source = { kind: 'hris', emulator };
    } else if (o.source === 'event') {
      source = { kind: 'event', events: inboundEvents(o.rows), ratePerSecond: o.eventRate ?? 1000 };
      log(`${o.rows} inbound events (${source.events.filter((e) => e.kind === 'terminated').length} terminations), published at ${source.ratePerSecond}/s …`);
    } else {
      log(`generating ${o.rows} rows in ${work} …`);
      source = { kind: 'csv', files: await writeChaosFiles(work, o.rows, o.seed) };
    }
    log(`starting PostgreSQL (${o.postgres === 'restart' ? 'a private cluster' : 'the shared server'}), sshd and the SMTP sink …`);
    shared = await startShared(o.postgres);
    const env: Record<string, string> = {
      ROSTER_ACK_WAIT_MS: String(o.ackWaitMs),
      // file-ingest refuses files over ROSTER_MAX_FILE_BYTES (200 MiB by default): a product limit, not the pipeline's.
      ...(source.kind === 'csv'
        ? { ROSTER_MAX_FILE_BYTES: String(Math.max(200 * 1024 * 1024, 2 * source.files.users.bytes)) }
        : source.kind === 'hris'
          ? hrisEmulatorEnv(source.emulator)
          : {}),
      ...(o.batchSize ? { ROSTER_BATCH_SIZE: String(o.batchSize) } : {}),
    };
    const s = shared;
    const stageFor = async (label: string): Promise<Stage> => {
      if (stage && o.isolation === 'tenant') return stage;
      await stage?.stop();
      stage = undefined;
      log(`starting ${o.isolation === 'tenant' ? 'the' : 'a fresh'} database, nats-server and the five services (${label}) …`);
      stage = await startStage(s, { label, root: o.root, env, outputLimit: o.outputLimit ?? 2 * 1024 * 1024 });
      return stage;
    };

    // The clean reference.
    const refStage = await stageFor('reference');
    log('reference run (no fault) …');
    const reference = await syncOnce(refStage, s, source, 'reference', undefined, { ...o, timeoutMs, log });
    const refEval = judge(reference, reference);
    const refSummary = summary(refStage, reference);
    log(
      `reference: ${reference.obs.final?.status} in ${reference.obs.wallMs} ms, events out at ${reference.obs.drainedMs} ms; ` +
        `${reference.facts.events.uniqueIds} events, ${reference.facts.dump.counts.users} users`,
    );
    const refFailed = refEval.checks.filter((c) => !c.ok);
    if (refFailed.length) throw new Error(`the reference run itself is not clean: ${refFailed.map((c) => `${c.name} (${c.detail})`).join('; ')}\n${refStage.platform.logs().slice(-8000)}`);

    const at = reference.obs.statusAt;
    const published = (reference.obs as Partial<EventSyncObservation>).publisher;
    const windowsMs = {
      random: reference.obs.drainedMs,
      accepting: Math.max(1, (published?.lastAckMs ?? 0) - (published?.firstAtMs ?? 0)),
      fetching: Math.max(1, (at['reconciling'] ?? 0) - (at['fetching'] ?? 0)),
      publishing: Math.max(1, reference.obs.drainedMs - (reference.obs.firstEventAtMs ?? reference.obs.drainedMs)),
      completed: 0,
      archived: 0,
      batch: 0,
    };
    const plan = planFaults({ rounds: o.rounds, faults: o.faults, seed: o.seed, windowsMs, maxDownMs: o.maxDownMs });
    const rounds: RoundResult[] = [];
    let interrupted = false;
    log(ROUND_HEAD.join(' | '));
    for (const fault of plan) {
      if (o.signal?.aborted) {
        interrupted = true;
        break;
      }
      const roundStage = await stageFor(`round${fault.round}`);
      const label = `round${fault.round}`;
      log(`round ${fault.round}/${plan.length}: ${faultLabel(fault)} at +${fault.delayMs} ms${fault.at === 'random' ? '' : ` into ${fault.at}`}, down ${fault.downMs} ms …`);
      const { obs, facts, error } = await syncOnce(roundStage, s, source, label, fault, { ...o, timeoutMs, log, referenceStatus: reference.obs.final?.status }).then(
        (r) => ({ ...r, error: undefined as string | undefined }),
        (e: Error) => ({ obs: undefined, facts: undefined, error: e.message }),
      );
      const result = roundResult(roundStage, fault, reference, obs, facts, error);
      if (!result.passed) {
        result.logFile = join(o.resultsDir, `chaos-${stamp}-round${fault.round}.log`);
        await writeFile(result.logFile, roundStage.platform.logs());
      }
      rounds.push(result);
      log(roundRow(result).join(' | '));
      if (o.isolation === 'tenant') await forgetTenant(roundStage, obs?.tenantId);
    }

    const result: ChaosResult = {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      options: { source: o.source ?? 'csv', rows: o.rows, rounds: o.rounds, seed: o.seed, faults: o.faults.map(faultLabel), postgres: o.postgres, isolation: o.isolation, batchSize: o.batchSize ?? 'default', ackWaitMs: o.ackWaitMs, maxDownMs: o.maxDownMs, roundTimeoutMs: timeoutMs, ...(source.kind === 'event' ? { eventRate: source.ratePerSecond } : {}) },
      machine: { cpus: cpus().length, memoryGB: Math.round(totalmem() / 2 ** 30), node: process.version, postgres: await s.postgres.version(), postgresMode: o.postgres === 'restart' ? 'private cluster, immediate stop + start' : 'shared server, connections refused + terminated' },
      files:
        source.kind === 'csv'
          ? { rows: source.files.users.rows, bytes: source.files.users.bytes, badRows: source.files.users.badRows, teams: source.files.teams.teams }
          : { rows: o.rows, bytes: 0, badRows: 0, teams: 0 },
      reference: refSummary,
      rounds,
      summary: summarize(rounds),
      ...(interrupted ? { interrupted } : {}),
    };
    const jsonPath = join(o.resultsDir, `chaos-${stamp}.json`);
    await writeFile(jsonPath, `${JSON.stringify(result, null, 2)}\n`);
    return { result, jsonPath, report: renderReport(result) };
  } finally {
    const stopping = stage as Stage | undefined;
    await stopping?.stop();
    await shared?.stop();
    await emulator?.close();
    await rm(work, { recursive: true, force: true });
  }
}

type Observed = { obs: SyncObservation & { tenantId: string }; facts: SyncFacts };

async function syncOnce(
  stage: Stage,
  shared: Shared,
  source: ChaosSourceOf,
  label: string,
  fault: PlannedFault | undefined,
  o: { root: string; timeoutMs: number; log: (line: string) => void; referenceStatus?: string },
): Promise<Observed> {
  const tenant: Tenant = await createTenant(stage, shared, label, source);
  const durable = `chaos-${label}`;
  await createLedgerConsumer(stage.nc, durable, tenant.tenantId);
  if (source.kind === 'event') {
    const obs = await eventsUnderFault({ stage, shared, root: o.root, tenant, events: source.events, ratePerSecond: source.ratePerSecond, fault, timeoutMs: o.timeoutMs, log: o.log });
    const facts = await collectEventFacts(stage, tenant, obs, durable, o.timeoutMs);
    await deleteLedgerConsumer(stage.nc, durable);
    return { obs: { ...obs, tenantId: tenant.tenantId }, facts };
  }
  const obs = await syncUnderFault({
    stage,
    shared,
    root: o.root,
    tenant,
    fault,
    timeoutMs: o.timeoutMs,
    referenceStatus: o.referenceStatus,
    // An HR-API run fetches again on a new sync: nothing to put back.
    restage: () => (source.kind === 'csv' ? stageFiles(tenant.folder, source.files) : Promise.resolve()),
    log: o.log,
  });
  const facts = await collectFacts(stage, tenant, obs, durable, o.timeoutMs);
  await deleteLedgerConsumer(stage.nc, durable);
  return { obs: { ...obs, tenantId: tenant.tenantId }, facts };
}

function summary(stage: Stage, r: Partial<Observed>): SyncSummary {
  const { obs, facts } = r;
  return {
    tenantId: obs?.tenantId ?? '',
    database: stage.database.name,
    runIds: obs?.runIds ?? [],
    final: obs?.final ? { id: obs.final.id, status: obs.final.status, counts: obs.final.counts, problemCount: obs.final.problemCount, failure: obs.final.failure } : null,
    statusAt: obs?.statusAt ?? {},
    wallMs: obs?.wallMs ?? 0,
    drainedMs: obs?.drainedMs ?? 0,
    firstEventAtMs: obs?.firstEventAtMs ?? null,
    directory: facts ? { digest: facts.dump.digest, counts: facts.dump.counts } : null,
    events: facts
      ? {
          delivered: facts.events.delivered,
          uniqueIds: facts.events.uniqueIds,
          repeatedIds: facts.events.repeatedIds,
          stored: facts.storedEvents,
          violations: facts.events.violations,
          byType: facts.events.byType,
        }
      : null,
    files: facts?.files ?? [],
    pollErrors: obs?.pollErrors ?? 0,
    ...(obs && isEvents(obs) ? { inbound: inboundSummary(obs) } : {}),
  };
}

function roundResult(stage: Stage, fault: PlannedFault, reference: Observed, obs: Observed['obs'] | undefined, facts: SyncFacts | undefined, error: string | undefined): RoundResult {
  const { round, ...planned } = fault;
  const ev = obs ? judge(reference, { obs, facts }) : undefined;
  const checks = ev?.checks ?? [];
  if (error) checks.unshift({ name: 'round ran to the end', ok: false, detail: error });
  const faultRecord = obs?.fault ?? { ...planned, atMs: -1, atStatus: 'not injected', eventsAtFault: null, healedAtMs: -1, error };
  const finalAt = obs?.final ? obs.wallMs : undefined;
  return {
    ...summary(stage, { obs, facts }),
    round,
    fault: faultRecord,
    recoveryMs: finalAt !== undefined && faultRecord.healedAtMs >= 0 ? Math.max(0, finalAt - faultRecord.healedAtMs) : null,
    operator: obs?.operator ?? [],
    deadLetters: obs?.deadLetters ?? [],
    ...(obs?.stuck ? { stuck: obs.stuck } : {}),
    directoryDiff: ev?.directory ?? { equal: false, missing: {}, extra: {}, samples: [] },
    eventDiff: ev?.events ?? { gaps: 0, duplicates: 0, unexpected: 0, samples: [] },
    checks,
    passed: checks.length > 0 && checks.every((c) => c.ok),
  };
}

function isEvents(obs: SyncObservation): obs is EventSyncObservation {
  return 'publisher' in obs;
}

function inboundSummary({ publisher: p, accepted }: EventSyncObservation): NonNullable<SyncSummary['inbound']> {
  const publishMs = p.lastAckMs !== undefined ? p.lastAckMs - (p.firstAtMs ?? 0) : null;
  return { events: p.events, acked: p.acked, retries: p.retries, duplicates: p.duplicates, accepted, publishMs };
}

/** The checks of a round: an event directory's (end state, micro-batches cut freely) or a run's. */
function judge(reference: Observed, round: { obs: SyncObservation; facts?: SyncFacts }): Evaluation {
  return isEvents(reference.obs) && isEvents(round.obs) ? evaluateEvents({ obs: reference.obs, facts: reference.facts }, { obs: round.obs, facts: round.facts }) : evaluate(reference, round);
}

/** `--isolation tenant`: a finished round's messages leave the streams, so a long run does not fill the disk. */
async function forgetTenant(stage: Stage, tenantId: string | undefined): Promise<void> {
  if (!tenantId) return;
  const jsm = await stage.nc.jetstreamManager();
  for (const [stream, area] of [['ROSTER_DIRECTORY', 'directory'], ['ROSTER_RECORDS', 'records'], ['ROSTER_INBOUND', 'inbound']] as const) {
    await jsm.streams.purge(stream, { filter: `roster.${area}.${tenantId}.>` }).catch(() => undefined);
  }
}
