import { AckPolicy, DeliverPolicy, JsMsg, NatsConnection, nanos } from 'nats';
import type { StreamName } from '@roster/contracts';

/** Where a scan of a stream starts: the first message at or after a time, or a stream sequence. */
export type StreamStart = { time: Date } | { sequence: number };

const PAGE = 1000;

/**
 * Reads a stream's message headers (no payloads) through a short-lived, in-memory ephemeral consumer, from `start`
 * to the stream's end as it was when the scan began, until `visit` returns true. nats-server 2.9 has no
 * `STREAM.MSG.GET` by time, and `headers_only` keeps the scan cheap: a run's batches are found by their
 * `Nats-Msg-Id`, then read one by one by sequence.
 */
export async function scanHeaders(
  nc: NatsConnection,
  stream: StreamName,
  filterSubject: string,
  start: StreamStart,
  visit: (msg: JsMsg) => boolean | void,
): Promise<void> {
  const jsm = await nc.jetstreamManager();
  const info = await jsm.consumers.add(stream, {
    ack_policy: AckPolicy.None,
    headers_only: true,
    mem_storage: true,
    num_replicas: 1,
    inactive_threshold: nanos(30_000),
    filter_subject: filterSubject,
    ...('time' in start
      ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: start.time.toISOString() }
      : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: start.sequence }),
  });
  try {
    let pending = info.num_pending;
    const consumer = await nc.jetstream().consumers.get(stream, info.name);
    while (pending > 0) {
      const batch = await consumer.fetch({ max_messages: Math.min(pending, PAGE), expires: 5000 });
      let got = 0;
      for await (const msg of batch) {
        got++;
        pending = msg.info.pending;
        if (visit(msg) === true) return;
      }
      if (got === 0) return; // the rest expired (max age) while we read
    }
  } finally {
    await jsm.consumers.delete(stream, info.name).catch(() => undefined);
  }
}

/**
 * The last stream sequence whose message was stored at or before `time` (0 when none): an ephemeral consumer
 * starting just after `time` reports the sequence before its first message as delivered.
 */
export async function lastSequenceAtOrBefore(nc: NatsConnection, stream: StreamName, time: Date): Promise<number> {
  const jsm = await nc.jetstreamManager();
  const info = await jsm.consumers.add(stream, {
    ack_policy: AckPolicy.None,
    mem_storage: true,
    num_replicas: 1,
    inactive_threshold: nanos(10_000),
    deliver_policy: DeliverPolicy.StartTime,
    opt_start_time: new Date(time.getTime() + 1).toISOString(),
  });
  await jsm.consumers.delete(stream, info.name).catch(() => undefined);
  return info.delivered.stream_seq;
}

/**
 * How many messages on `filterSubject` the stream holds after sequence `after`: the `num_pending` of an in-memory
 * ephemeral consumer starting at `after + 1`, deleted at once (nats-server 2.9 counts messages only per subject).
 */
export async function countAfter(nc: NatsConnection, stream: StreamName, filterSubject: string | undefined, after: number): Promise<number> {
  const jsm = await nc.jetstreamManager();
  const info = await jsm.consumers.add(stream, {
    ack_policy: AckPolicy.None,
    mem_storage: true,
    num_replicas: 1,
    inactive_threshold: nanos(10_000),
    ...(filterSubject ? { filter_subject: filterSubject } : {}),
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: after + 1,
  });
  await jsm.consumers.delete(stream, info.name).catch(() => undefined);
  return info.num_pending;
}
