// R-EVT-02 throughput: N employee upserts published on ROSTER_INBOUND for an `event` directory, measured from the
// first publish until every employee is a user and every micro-batch run is final (end to end through
// directory-config's micro-batcher, the outbox, the reconciler's apply and run.finished back in directory-config).
import { Events, createEnvelope, subjectOf } from '@roster/contracts';
import { PubAckPipeline } from '@roster/messaging';
import { waitFor } from '@roster/testing';
import type { BenchEnv } from './bench-env';
import {
  type PeakMemory,
  type PostgresBackground,
  type QueryShare,
  counterByLabel,
  cpuSnapshot,
  sampleActiveQueries,
  sampleBackendCpu,
  samplePeaks,
  watchPostgresBackground,
} from './probes';
import { APPLY_PHASES, counterDelta, reconcilerPort } from './sync-run';

/** PubAcks in flight at once (as the services' publisher does for bulk work). */
const IN_FLIGHT = 256;
/** Events built and handed to the publisher at a time. */
const PUBLISH_CHUNK = 1000;

export interface InboundMeasurement {
  events: number;
  /** First publish → last PubAck. */
  publishMs: number;
  /** First publish → every event claimed by directory-config (its micro-batch runs committed, records in the outbox). */
  acceptedMs?: number;
  /** First publish → every employee stored and every event run final: the number the target is about. */
  wallMs: number;
  eventsPerSecond: number;
  /** Micro-batch runs (trigger `event`) and their summed counts. */
  runs: number;
  statuses: Record<string, number>;
  counts: Record<string, number>;
  memory: Record<string, PeakMemory>;
  /** CPU per service process and of the database's backends over the measurement, ms. */
  cpuMs: Record<string, number>;
  /** PostgreSQL's own work meanwhile (checkpoints, writers, autovacuum): not in `cpuMs`. */
  postgresBackground: PostgresBackground;
  /** The reconciler's apply by phase over every micro-batch run, s (`roster_apply_phase_seconds_total`). */
  applyPhasesS: Record<string, number>;
  /** Which statements the services' backends were running, sampled every 200 ms. */
  dbSamples: QueryShare[];
  status: 'finished' | 'timed-out' | 'aborted';
}

async function createEventDirectory(env: BenchEnv): Promise<{ tenantId: string; directoryId: string }> {
  const tenant = await env.platform.api<{ id: string }>('POST', '/v1/tenants', { name: 'Bench inbound' });
  if (tenant.status !== 201) throw new Error(`POST /v1/tenants answered ${tenant.status}: ${JSON.stringify(tenant.body)}`);
  const directory = await env.platform.api<{ id: string }>('POST', `/v1/tenants/${tenant.body.id}/directories`, { name: 'Bench events', type: 'event' });
  if (directory.status !== 201) throw new Error(`POST directories answered ${directory.status}: ${JSON.stringify(directory.body)}`);
  return { tenantId: tenant.body.id, directoryId: directory.body.id };
}

/** The state of the directory's event runs and users, read from the services' tables. */
async function progress(env: BenchEnv, tenantId: string, directoryId: string) {
  const runs = await env.pg.query<{ status: string; n: number; created: number; updated: number; unchanged: number; failed: number; skipped: number }>(
    `select status, count(*)::int as n,
            coalesce(sum((counts->>'created')::int), 0)::int as created, coalesce(sum((counts->>'updated')::int), 0)::int as updated,
            coalesce(sum((counts->>'unchanged')::int), 0)::int as unchanged, coalesce(sum((counts->>'failed')::int), 0)::int as failed,
            coalesce(sum((counts->>'skipped')::int), 0)::int as skipped
       from directory_config.runs where tenant_id = $1 and directory_id = $2 group by status`,
    [tenantId, directoryId],
  );
  const users = await env.pg.query<{ n: number }>('select count(*)::int as n from reconciler.users where tenant_id = $1', [tenantId]);
  const accepted = await env.pg.query<{ n: number }>(
    "select count(*)::int as n from directory_config.inbox where consumer = 'directory-config-inbound' and event_id like $1",
    [`${tenantId}:%`],
  );
  const statuses = Object.fromEntries(runs.rows.map((r) => [r.status, r.n]));
  const counts: Record<string, number> = { created: 0, updated: 0, unchanged: 0, failed: 0, skipped: 0 };
  for (const r of runs.rows) for (const k of Object.keys(counts)) counts[k] = (counts[k] ?? 0) + Number(r[k as keyof typeof r]);
  const open = runs.rows.filter((r) => !['succeeded', 'partially-succeeded', 'failed'].includes(r.status)).reduce((n, r) => n + r.n, 0);
  return { accepted: accepted.rows[0]?.n ?? 0, users: users.rows[0]?.n ?? 0, runs: runs.rows.reduce((n, r) => n + r.n, 0), open, statuses, counts };
}

export async function measureInbound(env: BenchEnv, events: number, timeoutMs: number, signal?: AbortSignal): Promise<InboundMeasurement> {
  const { tenantId, directoryId } = await createEventDirectory(env);
  const publisher = new PubAckPipeline(env.nc);
  const subject = subjectOf('inbound.employee.upserted', { tenant: tenantId });
  const sampler = samplePeaks(env.services);
  const cpuBefore = cpuSnapshot(env.services);
  const phasesBefore = await counterByLabel(reconcilerPort(env), APPLY_PHASES, 'phase');
  const backends = sampleBackendCpu(env.samplerPg, env.db.name);
  const background = await watchPostgresBackground(env.samplerPg);
  const queries = sampleActiveQueries(env.samplerPg, env.db.name);
  const started = Date.now();
  let status: InboundMeasurement['status'] = 'finished';
  let publishMs = 0;
  let acceptedMs: number | undefined;
  let last = await progress(env, tenantId, directoryId);
  try {
    // Published as a service publishing in bulk would (PubAckPipeline: a window of PubAcks in flight, not one
    // awaited request per event), a chunk at a time so the bench never holds every message.
    const encoder = new TextEncoder();
    for (let from = 0; from < events && !signal?.aborted; from += PUBLISH_CHUNK) {
      const chunk = [];
      for (let i = from; i < Math.min(events, from + PUBLISH_CHUNK); i++) {
        const envelope = createEnvelope({
          type: Events['inbound.employee.upserted'].type,
          source: 'bench',
          tenantId,
          id: `bench-inbound-${i}`,
          data: {
            directoryId,
            employee: { email: `inbound-${i}@bench.test`, externalId: `B-${i}`, firstName: `First${i}`, lastName: `Last${i}`, jobTitle: 'Engineer', department: `D${i % 50}` },
          },
        });
        // Nats-Msg-Id is deduplicated stream-wide: scope it by tenant, as the inbox scopes event ids.
        chunk.push({ subject, id: `${tenantId}:${envelope.id}`, payload: encoder.encode(JSON.stringify(envelope)) });
      }
      await publisher.publish(chunk, IN_FLIGHT);
    }
    publishMs = Date.now() - started;
    await waitFor(
      async () => {
        if (signal?.aborted) return 'aborted';
        last = await progress(env, tenantId, directoryId);
        if (acceptedMs === undefined && last.accepted >= events) acceptedMs = Date.now() - started;
        return last.users >= events && last.open === 0 ? 'done' : undefined;
      },
      { timeoutMs, intervalMs: 100, description: `${events} inbound events applied` },
    ).then(
      (r) => (status = r === 'aborted' ? 'aborted' : 'finished'),
      () => (status = 'timed-out'),
    );
  } finally {
    publisher.close();
    await sampler.stop();
  }
  const wallMs = Date.now() - started;
  const cpuAfter = cpuSnapshot(env.services);
  const backendsMs = await backends.stop();
  const postgresBackground = await background.stop();
  const dbSamples = await queries.stop();
  const applyPhasesS = counterDelta(phasesBefore, await counterByLabel(reconcilerPort(env), APPLY_PHASES, 'phase'));
  return {
    events,
    publishMs,
    ...(acceptedMs === undefined ? {} : { acceptedMs }),
    wallMs,
    eventsPerSecond: status === 'finished' ? events / (wallMs / 1000) : 0,
    runs: last.runs,
    statuses: last.statuses,
    counts: last.counts,
    memory: sampler.read(),
    cpuMs: { ...Object.fromEntries(Object.entries(cpuAfter).map(([name, ms]) => [name, ms - (cpuBefore[name] ?? 0)])), 'postgres backends': backendsMs },
    postgresBackground,
    applyPhasesS,
    dbSamples,
    status,
  };
}
