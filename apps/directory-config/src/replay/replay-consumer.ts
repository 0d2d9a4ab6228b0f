import { AckPolicy, ConsumerConfig, ConsumerInfo, DeliverPolicy, nanos } from 'nats';
import { Streams } from '@roster/contracts';
import { DirectoryConfigException, DirectoryConfigExceptionCode } from '../http/directory-config.exception';

/** Replay consumers are named `replay-…`: no service durable (`<service>-<name>`) can have such a name. */
export const REPLAY_PREFIX = 'replay-';
/** The streams whose retained messages an operator may replay (R-OPS-01). */
export const REPLAY_STREAMS = ['ROSTER_DIRECTORY', 'ROSTER_RUNS', 'ROSTER_RECORDS', 'ROSTER_INBOUND'] as const;
export type ReplayStream = (typeof REPLAY_STREAMS)[number];

/** Marks a consumer's description as a replay's, followed by its recorded parameters (JSON). */
const MARKER = 'roster-replay/v1 ';

/** What a replay consumer was created with; recorded in its description (nats-server 2.9 has no consumer metadata). */
export interface ReplayRecord {
  tenantId: string | null;
  startTime: string | null;
  startSequence: number | null;
  /** The end the caller asked for, as a time (resolved to `endSequence`) … */
  endTime: string | null;
  /** … and the last stream sequence a consumer should take: asked for, or resolved from `endTime`. */
  endSequence: number | null;
}

/** A request, with the filter already made effective (`replayFilter`) and the name prefixed. */
export interface ReplayRequest {
  stream: ReplayStream;
  name: string;
  durable: boolean;
  filterSubject: string;
  tenantId: string | null;
  startTime: Date | null;
  startSequence: number | null;
  endTime: Date | null;
  endSequence: number | null;
  /** Ephemeral consumers: the server deletes one unused for this long. */
  inactiveSeconds: number;
}

const SUBJECT = /^([A-Za-z0-9_-]+|\*)(\.([A-Za-z0-9_-]+|\*))*(\.>)?$|^>$/;

const invalid = (message: string) => new DirectoryConfigException(DirectoryConfigExceptionCode.VALIDATION_FAILED, message);

/** `replay-<name>`, whether or not the caller wrote the prefix. */
export function replayName(name: string): string {
  return name.startsWith(REPLAY_PREFIX) ? name : `${REPLAY_PREFIX}${name}`;
}

/**
 * The consumer's filter: within the stream's subjects (`roster.<area>.…`), and for a tenant's replay pinned to the
 * tenant (R-TEN-01) — the tenant token (the third, in every Roster subject) becomes the tenant's id, whether the
 * caller left it out, wrote `*` or `>`; another tenant's id is refused.
 */
export function replayFilter(stream: ReplayStream, filter: string | undefined, tenantId: string | null): string {
  const [streamSubject] = Streams[stream].subjects;
  const area = streamSubject.split('.').slice(0, 2); // roster.<area>
  const requested = filter ?? streamSubject;
  if (!SUBJECT.test(requested)) throw invalid(`filterSubject "${requested}" is not a NATS subject (tokens, * and a final > allowed)`);
  const tokens = requested.split('.');
  if (tokens[0] !== area[0] || tokens[1] !== area[1] || tokens.length < 3) {
    throw invalid(`filterSubject "${requested}" is not a subject of ${stream}: it must start with ${area.join('.')}. (e.g. ${streamSubject})`);
  }
  if (tenantId === null) return requested;
  const tenant = tokens[2];
  if (tenant === '>') return [...area, tenantId, '>'].join('.');
  if (tenant === '*' || tenant.toLowerCase() === tenantId.toLowerCase()) return [...area, tenantId, ...tokens.slice(3)].join('.');
  throw invalid(`filterSubject "${requested}" names another tenant: a tenant's replay is limited to ${area.join('.')}.${tenantId}.…`);
}

/** The JetStream consumer a replay request makes: explicit acks, from its start, on its filter. */
export function consumerConfigOf(r: ReplayRequest): Partial<ConsumerConfig> {
  const record: ReplayRecord = {
    tenantId: r.tenantId,
    startTime: r.startTime?.toISOString() ?? null,
    startSequence: r.startSequence,
    endTime: r.endTime?.toISOString() ?? null,
    endSequence: r.endSequence,
  };
  return {
    name: r.name,
    ...(r.durable ? { durable_name: r.name } : { inactive_threshold: nanos(r.inactiveSeconds * 1000) }),
    description: `${MARKER}${JSON.stringify(record)}`,
    ack_policy: AckPolicy.Explicit,
    filter_subject: r.filterSubject,
    ...(r.startTime
      ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: r.startTime.toISOString() }
      : r.startSequence !== null
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: r.startSequence }
        : { deliver_policy: DeliverPolicy.All }),
  };
}

/** The recorded parameters of a replay consumer, or undefined for any other consumer. */
export function replayRecordOf(info: ConsumerInfo): ReplayRecord | undefined {
  const description = info.config.description ?? '';
  if (!info.name.startsWith(REPLAY_PREFIX) || !description.startsWith(MARKER)) return undefined;
  try {
    return JSON.parse(description.slice(MARKER.length)) as ReplayRecord;
  } catch {
    return undefined;
  }
}

/**
 * Whether an existing consumer is what the request asks for (same kind, filter, start and end as asked; an end
 * asked as a time is compared as that time, not as the sequence it resolved to). Lists what differs.
 */
export function differences(info: ConsumerInfo, record: ReplayRecord, r: ReplayRequest): string[] {
  const diffs: string[] = [];
  const durable = Boolean(info.config.durable_name);
  if (durable !== r.durable) diffs.push(`durable: ${durable}, asked ${r.durable}`);
  if ((info.config.filter_subject ?? '') !== r.filterSubject) diffs.push(`filterSubject: ${info.config.filter_subject}, asked ${r.filterSubject}`);
  if (record.tenantId !== r.tenantId) diffs.push('tenant');
  const startTime = r.startTime?.toISOString() ?? null;
  if (record.startTime !== startTime) diffs.push(`startTime: ${record.startTime}, asked ${startTime}`);
  if (record.startSequence !== r.startSequence) diffs.push(`startSequence: ${record.startSequence}, asked ${r.startSequence}`);
  const endTime = r.endTime?.toISOString() ?? null;
  if (record.endTime !== endTime) diffs.push(`endTime: ${record.endTime}, asked ${endTime}`);
  if (endTime === null && record.endSequence !== r.endSequence) diffs.push(`endSequence: ${record.endSequence}, asked ${r.endSequence}`);
  return diffs;
}

/**
 * The API's view of a replay consumer. `pending` is what it has still to deliver within its range (see
 * `ReplaysUseCase`): the server's `num_pending` counts every later message on the filter, past `endSequence` too.
 */
export function replayView(info: ConsumerInfo, record: ReplayRecord, pending: number) {
  return {
    name: info.name,
    stream: info.stream_name,
    durable: Boolean(info.config.durable_name),
    filterSubject: info.config.filter_subject ?? null,
    tenantId: record.tenantId,
    startTime: record.startTime,
    startSequence: record.startSequence,
    endTime: record.endTime,
    endSequence: record.endSequence,
    createdAt: info.created,
    pending,
    ackPending: info.num_ack_pending,
    redelivered: info.num_redelivered,
    deliveredSequence: info.delivered.stream_seq,
    ackFloorSequence: info.ack_floor.stream_seq,
    inactiveSeconds: info.config.durable_name ? null : Math.round((info.config.inactive_threshold ?? 0) / 1e9),
  };
}
export type ReplayView = ReturnType<typeof replayView> & { created?: boolean };
