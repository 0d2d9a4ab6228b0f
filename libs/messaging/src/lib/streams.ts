import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamManager,
  RetentionPolicy,
  StorageType,
  StreamConfig,
  nanos,
} from 'nats';
import { StreamName, Streams } from '@roster/contracts';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Dedup window for `Nats-Msg-Id`: longer than the outbox relay's longest retry span, so a row re-sent
 * after a crash is recognised as a duplicate. The inbox covers longer-lived idempotency.
 */
export const DUPLICATE_WINDOW_MS = 10 * 60 * 1000;

/**
 * How long a stream keeps a message (its `max_age`): a message can be delivered, redelivered or replayed only within
 * this span after it was published, so state kept to deduplicate it need not outlive it (directory-config's inbox
 * pruning derives its cutoff from this).
 */
export function streamMaxAgeMs(name: StreamName): number {
  return Streams[name].maxAgeDays * DAY_MS;
}

function streamConfig(name: StreamName): Partial<StreamConfig> {
  const def = Streams[name];
  return {
    name,
    subjects: [...def.subjects],
    description: def.description,
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: nanos(streamMaxAgeMs(name)),
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    num_replicas: 1,
  };
}

/** Creates or updates Roster's streams; safe to run from every replica at every start. */
export async function ensureStreams(jsm: JetStreamManager, names = Object.keys(Streams) as StreamName[]): Promise<void> {
  for (const name of names) {
    const config = streamConfig(name);
    try {
      await jsm.streams.info(name);
      await jsm.streams.update(name, config);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      try {
        await jsm.streams.add(config);
      } catch (addError) {
        // Another replica created it between our info and add.
        if (!/already in use|exists/i.test(String(addError))) throw addError;
      }
    }
  }
}

export interface DurableConsumerSpec {
  stream: StreamName;
  durable: string;
  filterSubject: string;
  /** Server-side ceiling on deliveries; the transport dead-letters before it is reached. */
  maxDeliver: number;
  ackWaitMs: number;
  maxAckPending?: number;
}

export async function ensureConsumer(jsm: JetStreamManager, spec: DurableConsumerSpec): Promise<void> {
  const config = {
    durable_name: spec.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: spec.filterSubject,
    max_deliver: spec.maxDeliver,
    ack_wait: nanos(spec.ackWaitMs),
    max_ack_pending: spec.maxAckPending ?? 256,
  };
  try {
    await jsm.consumers.info(spec.stream, spec.durable);
    const { durable_name: _name, deliver_policy: _deliver, ...mutable } = config;
    await jsm.consumers.update(spec.stream, spec.durable, mutable);
  } catch (e) {
    if (!isNotFound(e)) throw e;
    await jsm.consumers.add(spec.stream, config);
  }
}

export function isNotFound(e: unknown): boolean {
  return /not found/i.test(String((e as Error)?.message ?? e));
}
