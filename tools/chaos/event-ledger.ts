// The downstream consumer of the chaos suite: a durable pull consumer on ROSTER_DIRECTORY for one tenant, created
// before the run (so the faults happen while it exists), drained after it. It counts what it gets by event id
// (at-least-once: the same id twice is one event) and turns each distinct event into a canonical key — its type
// and its payload with every id replaced by the natural key it stands for — so two tenants' events compare.
import { createHash } from 'node:crypto';
import { AckPolicy, DeliverPolicy, type NatsConnection, nanos } from 'nats';
import { ContractViolation, parseEvent } from '@roster/contracts';
import { replaceIds, stableJson } from './directory-dump';

const STREAM = 'ROSTER_DIRECTORY';

export interface EventTally {
  /** Messages the consumer received (redeliveries included). */
  delivered: number;
  /** Distinct CloudEvents ids. */
  uniqueIds: number;
  /** Ids received more than once (a redelivery, or the same id stored twice: fine for at-least-once). */
  repeatedIds: number;
  /** Messages outside the contract (parseEvent refused them). */
  violations: number;
  /** Distinct ids per event name. */
  byType: Record<string, number>;
  /**
   * Distinct state changes: sha-1 of `<event name> <canonical payload>` → how many distinct ids carried it, and a
   * label (`user.created ada@…`) for reports.
   */
  changes: Map<string, { ids: number; label: string }>;
  /** The consumer's view of the directory built from the events in stream order (see projectEvent). */
  projection?: EventProjection;
}

/**
 * What a consumer that keeps a copy of the directory ends with: per entity (a user by email, a team by name key,
 * a membership by team and user, a group by external id) the payload of its last event, run id and change list
 * left out. Micro-batch runs (event directories) cut the same events into runs differently from round to round,
 * so the list of changes differs (one user.created, or user.created + user.updated); the end state does not.
 * `repeats` counts events that carry exactly their entity's previous event again: the same change published twice.
 */
export interface EventProjection {
  entities: Map<string, { state: string; label: string }>;
  repeats: number;
  repeatSamples: string[];
}

/**
 * The entity an event is about and the state it leaves it in (ids replaced by keys), and the event itself without
 * its run id (`whole`: two equal in a row are one change published twice).
 */
export function projectEvent(name: string, data: unknown, ids: ReadonlyMap<string, string>): { key: string; state: string; whole: string } {
  const { runId: _run, changes, ...rest } = replaceIds((data ?? {}) as Record<string, unknown>, ids);
  const whole = `${name} ${stableJson({ ...rest, changes })}`;
  const entity = (rest['user'] ?? rest['team'] ?? rest['group']) as Record<string, unknown> | undefined;
  if (entity && !name.startsWith('group.member')) {
    // A user, team or group (by the key its id stands for): created, updated and deleted leave it as the payload says.
    return { key: `${name.split('.')[0]} ${String(entity['userId'] ?? entity['teamId'] ?? entity['groupId'])}`, state: stableJson(entity), whole };
  }
  // A membership or group member: the pair is the entity, added or removed its state.
  const pair = Object.fromEntries(Object.entries(rest).filter(([k]) => k.endsWith('Id')));
  return { key: `${name.replace(/\.(added|removed)$/, '')} ${stableJson(pair)}`, state: name.split('.').pop() ?? name, whole };
}

export interface ProjectionComparison {
  /** Entities whose end state in the reference the consumer does not have (a change missing or a stale one last). */
  gaps: number;
  /** Events that repeat their entity's previous event (the same change twice). */
  duplicates: number;
  /** Entities the reference's consumer does not know. */
  unexpected: number;
  samples: string[];
}

export function compareProjections(reference: EventProjection, got: EventProjection, maxSamples = 12): ProjectionComparison {
  const result: ProjectionComparison = { gaps: 0, duplicates: got.repeats, unexpected: 0, samples: got.repeatSamples.slice(0, maxSamples) };
  const sample = (line: string) => {
    if (result.samples.length < maxSamples) result.samples.push(line.length > 400 ? `${line.slice(0, 400)}…` : line);
  };
  for (const [key, ref] of reference.entities) {
    const mine = got.entities.get(key);
    if (mine?.state === ref.state) continue;
    result.gaps++;
    sample(mine ? `stale: ${ref.label}: ${stateDifference(ref.state, mine.state)}` : `gap: ${ref.label} never published`);
  }
  for (const [key, mine] of got.entities) {
    if (reference.entities.has(key)) continue;
    result.unexpected++;
    sample(`unexpected: ${mine.label}`);
  }
  return result;
}

/**
 * Where two end states of an entity differ, field by field (`profile.jobTitle: reference "Lead", got "Dev"`), so a
 * report says what the stale change was, not two long payloads cut short. States that are not JSON objects (a
 * membership's `added` / `removed`) are shown whole.
 */
export function stateDifference(reference: string, got: string, maxFields = 6): string {
  const flat = (state: string): Map<string, string> | undefined => {
    let value: unknown;
    try {
      value = JSON.parse(state);
    } catch {
      return undefined;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    const out = new Map<string, string>();
    const walk = (v: unknown, path: string) => {
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
        for (const [k, child] of Object.entries(v)) walk(child, path ? `${path}.${k}` : k);
      } else out.set(path, JSON.stringify(v));
    };
    walk(value, '');
    return out;
  };
  const a = flat(reference);
  const b = flat(got);
  const cut = (text: string | undefined) => (text === undefined ? 'absent' : text.length > 80 ? `${text.slice(0, 80)}…` : text);
  if (!a || !b) return `reference ends ${cut(reference)}, got ${cut(got)}`;
  const fields = [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k)).sort();
  const shown = fields.slice(0, maxFields).map((k) => `${k}: reference ${cut(a.get(k))}, got ${cut(b.get(k))}`);
  return `${fields.length} field(s) differ — ${shown.join('; ')}${fields.length > maxFields ? '; …' : ''}`;
}

export interface EventComparison {
  /** Changes the reference published that this run did not (counted per id). */
  gaps: number;
  /** Changes the reference published once and this run under more ids: the same change published twice. */
  duplicates: number;
  /** Changes the reference never published (a different payload: the directory diverged, or a stray event). */
  unexpected: number;
  samples: string[];
}

/** Creates the tenant's durable consumer (every retained directory event of the tenant, explicit acks). */
export async function createLedgerConsumer(nc: NatsConnection, durable: string, tenantId: string): Promise<void> {
  const jsm = await nc.jetstreamManager();
  await jsm.consumers.add(STREAM, {
    durable_name: durable,
    filter_subject: `roster.directory.${tenantId}.>`,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(10_000),
  });
}

export async function deleteLedgerConsumer(nc: NatsConnection, durable: string): Promise<void> {
  const jsm = await nc.jetstreamManager();
  await jsm.consumers.delete(STREAM, durable).catch(() => undefined);
}

/** How many messages the stream stores for the tenant (per-subject counts summed). */
export async function storedEvents(nc: NatsConnection, tenantId: string): Promise<number> {
  const jsm = await nc.jetstreamManager();
  const info = await jsm.streams.info(STREAM, { subjects_filter: `roster.directory.${tenantId}.>` });
  return Object.values(info.state.subjects ?? {}).reduce((a, b) => a + b, 0);
}

/** The canonical key of an event: its name and its payload with ids replaced (`ids` from the tenant's dump). */
export function canonicalEvent(name: string, data: unknown, ids: ReadonlyMap<string, string>): string {
  return `${name} ${stableJson(replaceIds(data, ids))}`;
}

/** What the event is about, for a report line. */
export function eventLabel(name: string, data: unknown): string {
  const d = (data ?? {}) as { user?: { email?: string }; team?: { name?: string }; email?: string; teamName?: string; group?: { name?: string }; changes?: object };
  const about = d.user?.email ?? d.team?.name ?? (d.email && d.teamName ? `${d.email} → ${d.teamName}` : undefined) ?? d.group?.name ?? d.email ?? '';
  return `${name} ${about}${d.changes ? ` (${Object.keys(d.changes).join(', ')})` : ''}`;
}

/**
 * Reads the consumer until nothing is pending or unacknowledged, acking each message. Call it once the run's
 * events are all on the stream (the outboxes are empty): then the tally is complete.
 */
export async function drainLedger(nc: NatsConnection, durable: string, ids: ReadonlyMap<string, string>, timeoutMs: number): Promise<EventTally> {
  const consumer = await nc.jetstream().consumers.get(STREAM, durable);
  const seen = new Map<string, number>();
  const projected: ProjectedEvent[] = [];
  const tally: EventTally = { delivered: 0, uniqueIds: 0, repeatedIds: 0, violations: 0, byType: {}, changes: new Map() };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const batch = await consumer.fetch({ max_messages: 1000, expires: 1000 });
    for await (const msg of batch) {
      tally.delivered++;
      let parsed: ReturnType<typeof parseEvent>;
      try {
        parsed = parseEvent(msg.data);
      } catch (e) {
        if (!(e instanceof ContractViolation)) throw e;
        tally.violations++;
        msg.ack();
        continue;
      }
      const { name, event } = parsed;
      const times = (seen.get(event.id) ?? 0) + 1;
      seen.set(event.id, times);
      if (times === 2) tally.repeatedIds++;
      if (times === 1) {
        tally.byType[name] = (tally.byType[name] ?? 0) + 1;
        const key = createHash('sha1').update(canonicalEvent(name, event.data, ids)).digest('base64');
        const change = tally.changes.get(key);
        if (change) change.ids++;
        else tally.changes.set(key, { ids: 1, label: eventLabel(name, event.data) });
        // Folded in stream order once drained: first deliveries are not always in that order (a fetch that expires
        // with messages on the way leaves them to be redelivered after later ones — CI saw a consumer end with 25
        // users' user.created after their user.updated that way).
        projected.push({ seq: msg.seq, label: eventLabel(name, event.data), ...projectEvent(name, event.data, ids) });
      }
      msg.ack();
    }
    const info = await consumer.info();
    if (info.num_pending === 0 && info.num_ack_pending === 0) break;
    if (Date.now() > deadline) throw new Error(`consumer ${durable} still has ${info.num_pending} pending and ${info.num_ack_pending} unacknowledged after ${timeoutMs} ms`);
  }
  tally.uniqueIds = seen.size;
  tally.projection = foldProjection(projected);
  return tally;
}

/** One distinct event as the projection needs it: its stream sequence, its entity, the state it leaves. */
export interface ProjectedEvent {
  seq: number;
  key: string;
  state: string;
  whole: string;
  label: string;
}

/** The consumer's end state per entity, the events taken in stream order whatever order they were delivered in. */
export function foldProjection(events: readonly ProjectedEvent[]): EventProjection {
  const projection: EventProjection = { entities: new Map(), repeats: 0, repeatSamples: [] };
  const lastEvent = new Map<string, string>();
  for (const e of [...events].sort((a, b) => a.seq - b.seq)) {
    if (lastEvent.get(e.key) === e.whole) {
      projection.repeats++;
      if (projection.repeatSamples.length < 12) projection.repeatSamples.push(`duplicate: ${e.label} twice in a row`);
    }
    lastEvent.set(e.key, e.whole);
    projection.entities.set(e.key, { state: e.state, label: e.label });
  }
  return projection;
}

/** The round's distinct changes against the reference's: gaps, duplicates and unexpected ones (see EventComparison). */
export function compareEvents(reference: EventTally, got: EventTally, maxSamples = 12): EventComparison {
  const result: EventComparison = { gaps: 0, duplicates: 0, unexpected: 0, samples: [] };
  const sample = (line: string) => {
    if (result.samples.length < maxSamples) result.samples.push(line);
  };
  for (const [key, ref] of reference.changes) {
    const ids = got.changes.get(key)?.ids ?? 0;
    if (ids < ref.ids) {
      result.gaps += ref.ids - ids;
      sample(`gap: ${ref.label} (reference ${ref.ids}, got ${ids})`);
    } else if (ids > ref.ids) {
      result.duplicates += ids - ref.ids;
      sample(`duplicate: ${ref.label} published under ${ids} ids (reference ${ref.ids})`);
    }
  }
  for (const [key, change] of got.changes) {
    if (reference.changes.has(key)) continue;
    result.unexpected += change.ids;
    sample(`unexpected: ${change.label}`);
  }
  return result;
}
