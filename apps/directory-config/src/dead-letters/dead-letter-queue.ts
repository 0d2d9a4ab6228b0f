import { JetStreamManager, NatsConnection, StoredMsg, headers as natsHeaders } from 'nats';
import { isNotFound } from '@roster/messaging';
import { DLQ_STREAM, DeadLetter, DeadLetterFilter, REDRIVE_HEADER, dlqSubjectFilter, matchesFilter, readDeadLetter } from './dead-letter';

export interface ScanOptions {
  /** Start after this ROSTER_DLQ sequence (the previous page's `nextAfterSequence`). */
  afterSequence?: number;
  /** Stop after this many matches. */
  limit: number;
  /** Stop after reading this many messages, matching or not (a filter on tenant or code is applied here). */
  scanLimit?: number;
  /** Read no further than this ROSTER_DLQ sequence (default: the stream's last sequence when the scan starts). */
  untilSequence?: number;
}

export interface DeadLetterPage {
  items: DeadLetter[];
  /** Pass as `afterSequence` for the next page; null when the scan reached its end (`untilSequence`). */
  nextAfterSequence: number | null;
  scanned: number;
  /** The last ROSTER_DLQ sequence the scan could read: `untilSequence` as asked, or the stream's last one. */
  untilSequence: number;
}

export interface Republished {
  stream: string;
  sequence: number;
  /** The server had this redrive's Nats-Msg-Id already (an earlier redrive of the same original message). */
  duplicate: boolean;
}

const DEFAULT_SCAN_LIMIT = 10_000;

/**
 * ROSTER_DLQ read and changed through the JetStream API (nats-server 2.9: `STREAM.MSG.GET` with `next_by_subj`
 * steps through the stream by subject without a consumer). No state of its own: the stream is the queue.
 */
export class DeadLetterQueue {
  private manager?: Promise<JetStreamManager>;

  constructor(private readonly nc: NatsConnection) {}

  private jsm(): Promise<JetStreamManager> {
    this.manager ??= this.nc.jetstreamManager().catch((e: unknown) => {
      this.manager = undefined;
      throw e;
    });
    return this.manager;
  }

  /** Dead letters matching `filter`, oldest first, from `afterSequence` on; bounded by `limit` and `scanLimit`. */
  async scan(filter: DeadLetterFilter, o: ScanOptions): Promise<DeadLetterPage> {
    const jsm = await this.jsm();
    // Stop at the last sequence as of now (or the caller's bound): a redriven message that fails again lands after
    // it and is not re-read.
    const { state } = await jsm.streams.info(DLQ_STREAM);
    const untilSequence = o.untilSequence ?? state.last_seq;
    const last = Math.min(untilSequence, state.last_seq);
    const subject = dlqSubjectFilter(filter);
    const scanLimit = o.scanLimit ?? DEFAULT_SCAN_LIMIT;
    const items: DeadLetter[] = [];
    let seq = Math.max((o.afterSequence ?? 0) + 1, state.first_seq);
    let scanned = 0;
    while (seq <= last) {
      if (items.length >= o.limit || scanned >= scanLimit) return { items, nextAfterSequence: seq - 1, scanned, untilSequence };
      const m = await this.next(jsm, seq, subject);
      if (!m || m.seq > last) break;
      scanned++;
      const d = readDeadLetter(m);
      if (matchesFilter(d, filter)) items.push(d);
      seq = m.seq + 1;
    }
    return { items, nextAfterSequence: null, scanned, untilSequence };
  }

  async get(sequence: number): Promise<DeadLetter | undefined> {
    const jsm = await this.jsm();
    try {
      return readDeadLetter(await jsm.streams.getMessage(DLQ_STREAM, { seq: sequence }));
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  /**
   * Re-publishes the payload and headers to the original subject, into the original stream only. The Nats-Msg-Id
   * names the original message, so a second redrive of it inside the duplicate window is stored once (every
   * consumer of the subject gets the one copy; the inbox makes it a no-op for those that had handled it).
   */
  async republish(d: DeadLetter): Promise<Republished> {
    const h = natsHeaders();
    for (const [key, values] of Object.entries(d.headers)) for (const v of values) h.append(key, v);
    h.set(REDRIVE_HEADER, String(d.sequence));
    const ack = await this.nc.jetstream().publish(d.original.subject, d.data, {
      msgID: `redrive:${d.original.stream}:${d.original.sequence}`,
      headers: h,
      expect: { streamName: d.original.stream },
    });
    return { stream: ack.stream, sequence: ack.seq, duplicate: ack.duplicate };
  }

  /** Removes a dead letter (its bytes overwritten); false when it was already gone. */
  async remove(sequence: number): Promise<boolean> {
    const jsm = await this.jsm();
    try {
      return await jsm.streams.deleteMessage(DLQ_STREAM, sequence, true);
    } catch (e) {
      if (isMissing(e)) return false;
      throw e;
    }
  }

  /** How many dead letters each DLQ subject (`roster.dlq.<service>.<consumer>`) holds. */
  async countsBySubject(): Promise<Record<string, number>> {
    const jsm = await this.jsm();
    const info = await jsm.streams.info(DLQ_STREAM, { subjects_filter: '>' });
    return info.state.subjects ?? {};
  }

  private async next(jsm: JetStreamManager, seq: number, subject: string): Promise<StoredMsg | undefined> {
    try {
      // `next_by_subj` is in the server's STREAM.MSG.GET since 2.9; nats.js types it for direct gets only.
      return await jsm.streams.getMessage(DLQ_STREAM, { seq, next_by_subj: subject } as unknown as { seq: number });
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }
}

/** "no message found" (get) and "sequence N not found" (delete). */
function isMissing(e: unknown): boolean {
  return isNotFound(e) || /no message found/i.test(String((e as Error)?.message ?? e));
}
