import { NatsConnection, StoredMsg } from 'nats';
import { CloudEvent, PayloadOf, RetainedRunRecords, Streams, isEvent, parseEvent, recordsCompleteId } from '@roster/contracts';
import { isNotFound } from '@roster/messaging';
import { scanHeaders } from './stream-scan';

export const RECORDS_STREAM = 'ROSTER_RECORDS';
export const RETAINED_RUNS = Symbol('RETAINED_RUNS');

/** What ROSTER_RECORDS still holds of a run. */
export interface RetainedRun {
  /** Batch number → stream sequence, for every batch found of the completion's fetch (see FetchId). */
  batches: Map<number, number>;
  complete?: { sequence: number; data: PayloadOf<'records.complete'> };
  /** When the stream's oldest message was stored (null when the stream is empty). */
  oldestRetained: Date | null;
}

/** Clocks of the service and the server may differ: start the scan a little before the run was created. */
const CLOCK_MARGIN_MS = 60_000;

/**
 * Reads a past run's retained source messages in ROSTER_RECORDS (R-OPS-01): the tenant's records subjects are
 * scanned (headers only) from the run's creation on, until its `records.complete`; then every batch is read by
 * sequence. Ids are `<run>:batch:<n>` (or `<run>:batch:<n>:<fetch>` for a source that fetches again on a
 * redelivery: the run is the batches of its completion's fetch) and `<run>:complete`, for every source.
 */
export class RetainedRuns {
  constructor(private readonly nc: NatsConnection) {}

  async locate(tenantId: string, runId: string, createdAt: Date): Promise<RetainedRun> {
    /** `<fetch id or ''>` → batch number → sequence. */
    const fetches = new Map<string, Map<number, number>>();
    const batchId = new RegExp(`^${runId}:batch:(\\d+)(?::([A-Za-z0-9-]{1,64}))?$`);
    let completeSequence: number | undefined;
    const start = new Date(createdAt.getTime() - CLOCK_MARGIN_MS);
    await scanHeaders(this.nc, RECORDS_STREAM, `roster.records.${tenantId}.>`, { time: start }, (msg) => {
      const id = msg.headers?.get('Nats-Msg-Id') ?? '';
      if (id === recordsCompleteId(runId)) {
        completeSequence = msg.seq;
        return true;
      }
      const found = batchId.exec(id);
      if (found) {
        const batchNo = Number(found[1]);
        const fetchId = found[2] ?? '';
        let batches = fetches.get(fetchId);
        if (!batches) fetches.set(fetchId, (batches = new Map()));
        if (Number.isSafeInteger(batchNo) && !batches.has(batchNo)) batches.set(batchNo, msg.seq);
      }
      return false;
    });
    const jsm = await this.nc.jetstreamManager();
    const { state } = await jsm.streams.info(RECORDS_STREAM);
    const oldestRetained = state.messages > 0 ? new Date(state.first_ts) : null;
    const complete = completeSequence === undefined ? undefined : await this.read(completeSequence, tenantId, 'records.complete', recordsCompleteId(runId));
    const batches = fetches.get(complete?.data.fetchId ?? '') ?? new Map<number, number>();
    return { batches, oldestRetained, complete: complete && completeSequence !== undefined ? { sequence: completeSequence, data: complete.data } : undefined };
  }

  /**
   * One retained message of a run by stream sequence, checked to be the expected one (same id, tenant and
   * type), or undefined when it is gone (expired, or the sequence now holds nothing).
   */
  async read<N extends 'records.batch' | 'records.complete'>(
    sequence: number,
    tenantId: string,
    name: N,
    messageId: string,
  ): Promise<CloudEvent<PayloadOf<N>> | undefined> {
    const jsm = await this.nc.jetstreamManager();
    let stored: StoredMsg;
    try {
      stored = await jsm.streams.getMessage(RECORDS_STREAM, { seq: sequence });
    } catch (e) {
      if (isNotFound(e) || /no message found/i.test(String((e as Error)?.message ?? e))) return undefined;
      throw e;
    }
    if (stored.header.get('Nats-Msg-Id') !== messageId) return undefined;
    let parsed: ReturnType<typeof parseEvent>;
    try {
      parsed = parseEvent(stored.data);
    } catch {
      return undefined; // not the message a source published under this id
    }
    if (!isEvent(name, parsed) || parsed.event.tenantid !== tenantId) return undefined;
    return parsed.event;
  }
}

/**
 * The sequences a re-run copies, or why it cannot: `missing` lists the batch numbers of `0..batchCount-1` that are
 * no longer retained.
 */
export function retainedSources(run: RetainedRun): { sources: RetainedRunRecords; missing: number[] } | undefined {
  if (!run.complete) return undefined;
  const missing: number[] = [];
  const batches: RetainedRunRecords['batches'] = [];
  for (let batchNo = 0; batchNo < run.complete.data.batchCount; batchNo++) {
    const sequence = run.batches.get(batchNo);
    if (sequence === undefined) missing.push(batchNo);
    else batches.push({ batchNo, sequence });
  }
  return { sources: { batches, complete: run.complete.sequence }, missing };
}

/** How long ROSTER_RECORDS keeps messages, for messages to operators. */
export const RECORDS_RETENTION_DAYS = Streams[RECORDS_STREAM].maxAgeDays;
