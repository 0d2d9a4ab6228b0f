// An internal service following the Roster directory (R-EVT-01): a durable pull consumer on ROSTER_DIRECTORY,
// every message parsed with the published contract (@roster/contracts parseEvent), acknowledged once handled.
//
//   npm run build
//   node dist/tools/examples/directory-follower.js --nats nats://127.0.0.1:4222 --durable my-service-directory [--tenant <id>]
//
// It prints one JSON line per directory event; stop it with Ctrl-C and start it again: the durable consumer resumes
// where it stopped (the server keeps its position), so nothing is missed while the service is down.
import { AckPolicy, DeliverPolicy, NatsConnection, connect, nanos } from 'nats';
import { CloudEvent, ContractViolation, EventName, parseEvent } from '@roster/contracts';

export interface FollowOptions {
  /** The durable consumer's name: one per following service, shared by its replicas (they split the work). */
  durable: string;
  /** Follow one tenant (its id is a subject token); every tenant when absent. */
  tenantId?: string;
  /** Handle one event; throw to have it redelivered later. Delivery is at least once: dedup by `event.id`. */
  handle: (name: EventName, event: CloudEvent) => Promise<void> | void;
  /** Resolves when the follower should stop (it finishes the message in hand, then returns). */
  stop: Promise<void>;
  /** Where the consumer starts the first time it is created (default: every retained event, 30 days). */
  deliver?: 'all' | 'new';
}

const STREAM = 'ROSTER_DIRECTORY';

/** Creates the durable consumer if it does not exist yet (idempotent: every replica may call it at start). */
export async function ensureFollower(nc: NatsConnection, o: Pick<FollowOptions, 'durable' | 'tenantId' | 'deliver'>): Promise<void> {
  const jsm = await nc.jetstreamManager();
  try {
    await jsm.consumers.info(STREAM, o.durable);
  } catch {
    await jsm.consumers.add(STREAM, {
      durable_name: o.durable,
      // Every directory subject carries the tenant as its third token: roster.directory.<tenant>.<entity>.<action>.v1
      filter_subject: o.tenantId ? `roster.directory.${o.tenantId}.>` : 'roster.directory.>',
      ack_policy: AckPolicy.Explicit,
      deliver_policy: o.deliver === 'new' ? DeliverPolicy.New : DeliverPolicy.All,
      ack_wait: nanos(30_000),
      // A handler that keeps failing is not retried forever.
      max_deliver: 10,
    });
  }
}

/** Follows the directory until `stop` resolves; resolves when it has stopped. */
export async function followDirectory(nc: NatsConnection, o: FollowOptions): Promise<void> {
  await ensureFollower(nc, o);
  const consumer = await nc.jetstream().consumers.get(STREAM, o.durable);
  const messages = await consumer.consume({ max_messages: 100 });
  void o.stop.then(() => messages.stop());
  for await (const msg of messages) {
    let parsed: ReturnType<typeof parseEvent>;
    try {
      parsed = parseEvent(msg.data);
    } catch (e) {
      if (!(e instanceof ContractViolation)) throw e;
      // Not a message of the contract (or a newer version than this service knows): never redeliver it.
      process.stderr.write(`${JSON.stringify({ skipped: msg.seq, subject: msg.subject, code: e.code, reason: e.message })}\n`);
      msg.term();
      continue;
    }
    try {
      await o.handle(parsed.name, parsed.event);
      await msg.ackAck();
    } catch (e) {
      process.stderr.write(`${JSON.stringify({ failed: parsed.event.id, type: parsed.event.type, error: String((e as Error)?.message ?? e) })}\n`);
      msg.nak(5000);
    }
  }
}

/** What this example prints per event (a real service would update its own state here, in one transaction with the event id). */
export function summary(name: EventName, event: CloudEvent): Record<string, unknown> {
  const data = event.data as { user?: { email?: string }; team?: { name?: string }; changes?: Record<string, unknown>; runId?: string | null };
  return {
    id: event.id,
    event: name,
    tenantId: event.tenantid,
    time: event.time,
    ...(data.user?.email ? { email: data.user.email } : {}),
    ...(data.team?.name ? { team: data.team.name } : {}),
    ...(data.changes ? { changed: Object.keys(data.changes) } : {}),
    ...(data.runId ? { runId: data.runId } : {}),
  };
}

function argument(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

async function main(): Promise<void> {
  const servers = argument('nats', process.env.ROSTER_NATS_URL ?? 'nats://127.0.0.1:4222') as string;
  const durable = argument('durable', 'example-directory-follower') as string;
  const tenantId = argument('tenant');
  const nc = await connect({ servers, name: durable });
  const seen = new Set<string>();
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await followDirectory(nc, {
    durable,
    tenantId,
    stop: stopped,
    handle: (name, event) => {
      // At least once: a redelivery (after a crash before the ack) carries the same id.
      if (seen.has(event.id)) return;
      seen.add(event.id);
      process.stdout.write(`${JSON.stringify(summary(name, event))}\n`);
    },
  });
  await nc.drain();
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(1);
  });
}
