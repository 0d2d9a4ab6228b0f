import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import {
  MAX_RECORD_BYTES,
  RECORDS_BATCH_MAX_BYTES,
  RowProblemCode,
  cutRecordBatches,
  failedCompletionOf,
  recordsBatchId,
  recordsCompleteId,
  type CanonicalEmployee,
  type CloudEvent,
  type FetchMode,
  type PayloadOf,
  type RowProblem,
  type RunFailure,
} from '@roster/contracts';
import { EventPublisher, PermanentError, gaveUpFailure } from '@roster/messaging';
import { qualified, sql } from '@roster/persistence';
import { SecretBox, SecretBoxError, directorySecretOwner } from '@roster/security';
import { ConnectorException, ConnectorExceptionCode } from '../connectors/connector.exception';
import { CONNECTOR_REGISTRY, ConnectorRegistry } from '../connectors/connector.registry';
import { FetchRunEntity, FetchWatermarkEntity } from './fetch-watermark.entity';
import { type FetchPlan, planFetch } from './fetch-plan';

export const GATEWAY_SETTINGS = Symbol('GATEWAY_SETTINGS');
export interface GatewaySettings {
  secrets: SecretBox;
  batchSize: number;
  /** R-API-02: an `auto` run fetches in full when the last full fetch is older than this. */
  fullFetchEveryMs: number;
}

type SyncRequested = CloudEvent<PayloadOf<'sync.requested'>>;

/** What a record batch carries: employees, and problems, which count toward a batch's size as records do. */
type BatchEntry = CanonicalEmployee | RowProblem;
const isProblem = (entry: BatchEntry): entry is RowProblem => 'code' in entry;
const jsonBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));

/**
 * An employee whose JSON is over `MAX_RECORD_BYTES` (a lot of custom fields or groups): the events announcing it would
 * not fit on the bus (a `user.updated` carries up to three copies of it). It becomes the run's problem instead of
 * failing the whole run.
 */
function tooLargeProblem(employee: CanonicalEmployee, bytes: number): RowProblem {
  return {
    ...(employee.externalId ? { externalId: employee.externalId } : {}),
    code: RowProblemCode.RECORD_TOO_LARGE,
    message: `employee ${employee.externalId ?? '(no id)'} (${employee.email}): the record is ${bytes} bytes of JSON, over the ${MAX_RECORD_BYTES} a record may have (the events announcing it must fit on the bus); skipped`,
  };
}

/**
 * A fetch's entries not yet published — at most one batch still filling plus the page just read — cut into batches
 * of at most `maxCount` entries and `RECORDS_BATCH_MAX_BYTES` (`cutRecordBatches`: a batch over NATS's max_payload
 * could never be published). Their bytes are counted as they come, as the cut counts them, so the cut runs only
 * once a batch can close, not over every held entry again at each page.
 */
export class PendingBatches {
  private entries: BatchEntry[] = [];
  private bytes = 1; // '['

  constructor(private readonly maxCount: number) {}

  add(entry: BatchEntry, bytes = jsonBytes(entry)): void {
    this.entries.push(entry);
    this.bytes += bytes + 1; // and the ',' or ']' after it
  }

  /** The batches that are closed: every one but the last, and the last too once it holds `maxCount` entries. */
  takeClosed(): BatchEntry[][] {
    if (this.entries.length < this.maxCount && this.bytes <= RECORDS_BATCH_MAX_BYTES) return [];
    const batches = cutRecordBatches(this.entries, this.maxCount, RECORDS_BATCH_MAX_BYTES);
    const last = batches.at(-1) ?? [];
    const filling = last.length < this.maxCount;
    if (filling) batches.pop();
    this.entries = filling ? last : [];
    this.bytes = this.entries.reduce((sum, entry) => sum + jsonBytes(entry) + 1, 1);
    return batches;
  }

  /** The rest, at the end of the fetch. */
  takeRest(): BatchEntry[] {
    const rest = this.entries;
    this.entries = [];
    this.bytes = 1;
    return rest;
  }
}

/** Failures that say the settings are wrong, not that the source stopped part-way. */
const SETTINGS_FAILURES: readonly string[] = [
  ConnectorExceptionCode.BAD_API_KEY,
  ConnectorExceptionCode.BAD_ACCOUNT_TOKEN,
  ConnectorExceptionCode.BAD_BASE_URL,
  ConnectorExceptionCode.NOT_CONFIGURED,
];

/**
 * Fetches an hris-api run through its provider's connector and publishes it as record batches plus a
 * completion (the same messages file-ingest publishes for a CSV run). The batches are cut by count and by bytes
 * as the pages arrive; an employee too large for any batch is the run's `RECORD_TOO_LARGE` problem, not sent.
 * The HR system can change between two deliveries of one request (a crash, then the redelivery): each delivery is
 * its own fetch, its batches carry its fetch id (`<run>:batch:<n>:<fetch>`), and the completion names the fetch
 * it closes. Its id is the run's alone, so the first completion published is the run's, and the reconciler applies
 * that fetch's batches and no other's: a run is never made of two fetches (whose pages would overlap or leave a
 * gap where records moved).
 * R-API-02: a fetch that did not reach the source's last page is `incomplete` (nothing is applied from it, and
 * so no orphan is acted on, R-API-06); bad credentials or settings are `failed`.
 */
@Injectable()
export class SyncHrisUseCase {
  private readonly logger = new Logger(SyncHrisUseCase.name);

  constructor(
    private readonly orm: MikroORM,
    private readonly publisher: EventPublisher,
    @Inject(CONNECTOR_REGISTRY) private readonly registry: ConnectorRegistry,
    @Inject(GATEWAY_SETTINGS) private readonly settings: GatewaySettings,
  ) {}

  /**
   * The request failed for good (a permanent error, or the transport's last delivery; it is dead-lettered next):
   * the run gets a `failed` completion, so the reconciler ends it `failed` and the directory is free, instead of the
   * run staying `fetching` and the directory refusing every later run until an operator redrives the request. When a
   * completion of the run is out already, this one is the same message id: the stream drops it within its duplicate
   * window, and the reconciler applies a run once. If this fails too (the bus is what is down), the run stays as it
   * was, to be redriven.
   */
  async failForGood(event: SyncRequested, error: unknown, deliveries: number): Promise<void> {
    const { data, tenantid: tenantId } = event;
    const log = { tenantId, directoryId: data.directoryId, runId: data.runId };
    const failure = gaveUpFailure('connector-gateway', error, deliveries, {
      code: 'FETCH_FAILED',
      next: `start a run again once the cause is fixed (roster sync ${data.directoryId})`,
    });
    try {
      await this.publisher.publish('records.complete', failedCompletionOf(data, failure), { tenantId, runId: data.runId, id: recordsCompleteId(data.runId) });
      this.logger.error({ ...log, code: failure.code, reason: failure.message }, 'gave up on the run; its completion says failed, the request goes to the dead letters');
    } catch (e) {
      this.logger.error({ ...log, code: failure.code, error: (e as Error).message }, 'gave up on the run and could not fail it; it stays as it was until its dead letter is redriven');
    }
  }

  async execute(event: SyncRequested): Promise<void> {
    const { data, tenantid: tenantId } = event;
    const hris = data.hris;
    if (!hris) throw new PermanentError(`run ${data.runId}: sync.requested for hris-api carries no hris settings`, 'BAD_COMMAND');
    const ctx = { tenantId, runId: data.runId };
    const fetchId = randomUUID();
    const log = { tenantId, directoryId: data.directoryId, runId: data.runId, provider: hris.provider, fetchId };
    await this.publisher.publish('run.progress', { runId: data.runId, directoryId: data.directoryId, status: 'fetching' }, { ...ctx, id: `${data.runId}:fetching` });

    let batchNo = 0;
    const totals = { rows: 0, records: 0, problems: 0 };
    const flush = async (entries: readonly BatchEntry[]) => {
      const employees: CanonicalEmployee[] = [];
      const problems: RowProblem[] = [];
      for (const entry of entries) {
        if (isProblem(entry)) problems.push(entry);
        else employees.push(entry);
      }
      await this.publisher.publish(
        'records.batch',
        { runId: data.runId, directoryId: data.directoryId, batchNo, fetchId, employees, problems },
        { ...ctx, id: recordsBatchId(data.runId, batchNo, fetchId) },
      );
      batchNo++;
    };
    const pending = new PendingBatches(this.settings.batchSize);

    let outcome: 'complete' | 'incomplete' | 'failed' = 'complete';
    let failure: RunFailure | undefined;
    let pages = 0;
    let plan: FetchPlan = { fetch: 'full' };
    try {
      const connector = this.registry.get(hris.provider);
      plan = await this.planOf(tenantId, data, connector.capabilities.incremental);
      const accountToken = this.settings.secrets.open(hris.accountToken, directorySecretOwner(tenantId, data.directoryId));
      const source = connector.fetchEmployees(
        { baseUrl: hris.baseUrl, accountToken, pageSize: hris.pageSize, fieldMappings: hris.fieldMappings, usernameAttribute: data.policy?.usernameAttribute },
        plan.modifiedAfter ? { modifiedAfter: plan.modifiedAfter } : {},
      );
      for await (const page of source) {
        pages++;
        totals.rows += page.rows;
        for (const employee of page.employees) {
          const bytes = jsonBytes(employee);
          if (bytes <= MAX_RECORD_BYTES) {
            pending.add(employee, bytes);
            totals.records++;
          } else {
            pending.add(tooLargeProblem(employee, bytes));
            totals.problems++;
          }
        }
        for (const problem of page.problems) pending.add(problem);
        totals.problems += page.problems.length;
        for (const batch of pending.takeClosed()) await flush(batch);
      }
      const rest = pending.takeRest();
      if (rest.length > 0) await flush(rest);
    } catch (e) {
      if (e instanceof SecretBoxError) {
        // R-SEC-01: sealed under a master key this service does not hold (or tampered): a settings failure.
        outcome = 'failed';
        failure = { code: e.code, message: e.message };
      } else {
        if (!(e instanceof ConnectorException)) throw e;
        outcome = SETTINGS_FAILURES.includes(e.code) ? 'failed' : 'incomplete';
        failure = {
          code: outcome === 'failed' ? e.code : 'INCOMPLETE_FETCH',
          message: outcome === 'failed' ? e.message : `the fetch stopped after ${pages} page(s) and ${totals.rows} employee(s): ${e.code}: ${e.message}; nothing of this run was applied`,
        };
      }
    }
    const ack = await this.publisher.publish(
      'records.complete',
      {
        runId: data.runId,
        directoryId: data.directoryId,
        directoryType: data.directoryType,
        trigger: data.trigger,
        outcome,
        batchCount: batchNo,
        totals,
        failure,
        notify: data.notify,
        tenantOwnerEmail: data.tenantOwnerEmail,
        // The directory's sync policy travels to the reconciler as the date format does for files (R-API-04..07).
        policy: data.policy,
        fetch: plan.fetch,
        fetchId,
      },
      { ...ctx, id: recordsCompleteId(data.runId) },
    );
    if (ack.duplicate) {
      // An earlier delivery's completion is the run's: its fetch is applied, this one's batches are dropped.
      this.logger.warn({ ...log, outcome, pages, batches: batchNo }, 'an earlier fetch of this run completed first; this fetch is discarded');
      return;
    }
    if (outcome === 'complete') {
      await sql(this.orm.em.fork(), `update ${qualified(this.orm.em, 'fetch_runs')} set complete = true where run_id = ?`, [data.runId]);
    }
    this.logger.log({ ...log, outcome, fetch: plan.fetch, modifiedAfter: plan.modifiedAfter, pages, batches: batchNo, ...totals, failure: failure?.code }, 'hris fetch finished');
  }

  /**
   * The run's fetch plan: decided once, at the first delivery, and kept in `fetch_runs` (a redelivery after a
   * crash reuses it, so its batches, whose ids are the run's, all come from one fetch).
   */
  private async planOf(tenantId: string, data: SyncRequested['data'], canIncrement: boolean): Promise<FetchPlan> {
    const em = this.orm.em.fork();
    const known = await em.findOne(FetchRunEntity, { runId: data.runId });
    if (known) return { fetch: known.mode, ...(known.modifiedAfter ? { modifiedAfter: known.modifiedAfter } : {}) };
    const mark = await em.findOne(FetchWatermarkEntity, { directoryId: data.directoryId });
    const plan = planFetch(data, mark, { canIncrement, fullFetchEveryMs: this.settings.fullFetchEveryMs, now: new Date() });
    await sql(em,
      `insert into ${qualified(em, 'fetch_runs')} (run_id, directory_id, tenant_id, mode, modified_after, started_at, complete)
       values (?, ?, ?, ?, ?, now(), false) on conflict (run_id) do nothing`,
      [data.runId, data.directoryId, tenantId, plan.fetch, plan.modifiedAfter ?? null],
    );
    return plan;
  }

  /**
   * `run.finished`: a run whose complete fetch was applied (succeeded, or partially with row problems) moves the
   * directory's watermark to its fetch's start; a failed or rejected run (the safeguard's hold refused, the apply
   * failed) moves nothing, so the next incremental fetch still reaches back to the last applied one.
   */
  async runFinished(event: CloudEvent<PayloadOf<'run.finished'>>): Promise<void> {
    const em = this.orm.em.fork();
    const fetchRun = await em.findOne(FetchRunEntity, { runId: event.data.runId });
    if (!fetchRun) return;
    if (fetchRun.complete && (event.data.status === 'succeeded' || event.data.status === 'partially-succeeded')) {
      await this.advanceWatermark(fetchRun.tenantId, fetchRun.directoryId, fetchRun.startedAt, fetchRun.mode);
    }
    await sql(em, `delete from ${qualified(em, 'fetch_runs')} where run_id = ?`, [fetchRun.runId]);
  }

  /** After an applied complete fetch: the next incremental one starts from here (never moves back). */
  private async advanceWatermark(tenantId: string, directoryId: string, startedAt: Date, fetch: FetchMode): Promise<void> {
    const full = fetch === 'full' ? startedAt : null;
    await sql(this.orm.em.fork(),
      `insert into ${qualified(this.orm.em, 'fetch_watermarks')} (directory_id, tenant_id, fetched_from, last_full_at, updated_at)
       values (?, ?, ?, ?, now())
       on conflict (directory_id) do update set fetched_from = greatest(fetch_watermarks.fetched_from, excluded.fetched_from),
         last_full_at = coalesce(greatest(fetch_watermarks.last_full_at, excluded.last_full_at), fetch_watermarks.last_full_at, excluded.last_full_at),
         updated_at = now()`,
      [directoryId, tenantId, startedAt, full],
    );
  }
}
