import { Command } from 'commander';
import type { CommandContext } from '../context';
import { positiveInt } from '../context';
import { usageError } from '../exit-codes';
import { details, table } from '../output';

interface Replay {
  name: string;
  stream: string;
  durable: boolean;
  filterSubject: string | null;
  tenantId: string | null;
  startTime: string | null;
  startSequence: number | null;
  endTime: string | null;
  endSequence: number | null;
  pending: number;
  ackPending: number;
  created?: boolean;
  [key: string]: unknown;
}

const STREAMS = ['ROSTER_DIRECTORY', 'ROSTER_RUNS', 'ROSTER_RECORDS', 'ROSTER_INBOUND'];

const stream = (raw: string): string => {
  const upper = raw.toUpperCase();
  const name = upper.startsWith('ROSTER_') ? upper : `ROSTER_${upper}`;
  if (!STREAMS.includes(name)) throw usageError(`stream must be one of ${STREAMS.join(', ')} (or directory, runs, records, inbound), got "${raw}"`);
  return name;
};

/**
 * An ISO 8601 time with its zone, or a date (midnight UTC). `new Date` alone takes far more — `0` is the year 2000, a
 * time without a zone is this machine's local time — and a replay would then quietly start somewhere else.
 */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?$/i;
const instant = (name: string) => (raw: string): string => {
  const t = new Date(raw);
  if (!ISO_INSTANT.test(raw) || Number.isNaN(t.getTime())) {
    throw usageError(`${name} must be an ISO 8601 time with its zone (e.g. 2026-11-25T10:00:00Z or 2026-11-25T11:00:00+01:00) or a date (2026-11-25, from midnight UTC), got "${raw}"`);
  }
  return t.toISOString();
};

/** The server names every replay consumer `replay-<name>`, whether or not the caller wrote the prefix. */
const consumerName = (name: string) => (name.startsWith('replay-') ? name : `replay-${name}`);

/** --all-tenants: the operator-wide routes even when ROSTER_TENANT_ID is set. */
const withScope = (c: Command) =>
  c.option('--all-tenants', "operators: any tenant's subjects and every replay consumer, whatever ROSTER_TENANT_ID says");

const startText = (r: Replay) => r.startTime ?? (r.startSequence !== null ? `sequence ${r.startSequence}` : 'the first retained message');
/** The end is the reader's to keep: JetStream consumers have no end, so this one delivers past it to whatever comes. */
const endText = (r: Replay) =>
  r.endSequence !== null
    ? `sequence ${r.endSequence}${r.endTime ? ` (last at or before ${r.endTime})` : ''}; stop reading after it: the consumer itself delivers on to newer messages`
    : 'none';

/**
 * `roster replay create|list|show|delete` (R-OPS-01): consumers that re-deliver a stream's retained messages. With a
 * tenant (--tenant or ROSTER_TENANT_ID) the tenant-scoped routes are used (the filter is pinned to the tenant);
 * without, the operator-wide ones.
 */
export function replayCommand(ctx: CommandContext): Command {
  const cmd = new Command('replay').description('replay retained events to a new consumer (R-OPS-01); not a re-publish');
  const base = (c: Command) => {
    const tenant = ctx.scopeTenant(c);
    return tenant ? `/v1/tenants/${tenant}/replays` : '/v1/replays';
  };

  withScope(cmd.command('create'))
    .description('create a replay consumer (durable, named replay-<name>, or --ephemeral) from a start time or sequence; the same parameters again change nothing')
    .requiredOption('--stream <stream>', `the stream (${STREAMS.join(', ')})`, stream)
    .option('--name <name>', 'the consumer name (replay- is prefixed); required unless --ephemeral')
    .option('--ephemeral', 'an ephemeral consumer, deleted by the server when unused for --inactive seconds')
    .option('--inactive <seconds>', 'with --ephemeral: seconds unused before it goes (10..86400, default 300)', positiveInt('--inactive'))
    .option('--filter <subject>', 'a subject filter within the stream (wildcards * and a final >)')
    .option('--from <time>', 'start at the first message stored at or after this time (ISO 8601 with its zone, e.g. 2026-11-25T10:00:00Z, or a date)', instant('--from'))
    .option('--from-seq <sequence>', 'start at this stream sequence', positiveInt('--from-seq'))
    .option('--to <time>', 'end: the last message stored at or before this time (resolved to a sequence)', instant('--to'))
    .option('--to-seq <sequence>', 'end at this stream sequence', positiveInt('--to-seq'))
    .action(
      async (
        o: { stream: string; name?: string; ephemeral?: boolean; inactive?: number; filter?: string; from?: string; fromSeq?: number; to?: string; toSeq?: number },
        c: Command,
      ) => {
        if (!o.ephemeral && !o.name) throw usageError('give --name for a durable replay consumer, or --ephemeral');
        if (o.from && o.fromSeq) throw usageError('give --from or --from-seq, not both');
        if (o.to && o.toSeq) throw usageError('give --to or --to-seq, not both');
        if (o.inactive !== undefined && !o.ephemeral) throw usageError('--inactive is for --ephemeral consumers');
        const r = await ctx.api(c).post<Replay>(base(c), {
          stream: o.stream,
          name: o.name,
          durable: !o.ephemeral,
          filterSubject: o.filter,
          startTime: o.from,
          startSequence: o.fromSeq,
          endTime: o.to,
          endSequence: o.toSeq,
          inactiveSeconds: o.inactive,
        });
        ctx.out(c).result(r, (v) =>
          [
            `replay consumer ${v.name} on ${v.stream} ${v.created === false ? 'already existed with these parameters (unchanged)' : 'created'}${v.durable ? '' : ' (ephemeral)'}`,
            `filter: ${v.filterSubject}`,
            `from: ${startText(v)}`,
            `end: ${endText(v)}`,
            `pending: ${v.pending}`,
          ].join('\n'),
        );
      },
    );

  withScope(cmd.command('list'))
    .description('replay consumers and their progress')
    .option('--stream <stream>', 'only on this stream', stream)
    .action(async (o: { stream?: string }, c: Command) => {
      const list = await ctx.api(c).get<Replay[]>(base(c), { stream: o.stream });
      ctx.out(c).result(list, (v) =>
        v.length
          ? table(
              ['STREAM', 'NAME', 'DURABLE', 'FILTER', 'FROM', 'END SEQ', 'PENDING', 'ACK PENDING'],
              v.map((r) => [r.stream, r.name, r.durable, r.filterSubject, startText(r), r.endSequence, r.pending, r.ackPending]),
            )
          : 'no replay consumers',
      );
    });

  withScope(cmd.command('show <stream> <name>'))
    .description('one replay consumer')
    .action(async (s: string, name: string, _o, c: Command) => {
      const r = await ctx.api(c).get<Replay>(`${base(c)}/${stream(s)}/${encodeURIComponent(name)}`);
      ctx.out(c).result(r, details);
    });

  withScope(cmd.command('delete <stream> <name>'))
    .description('delete a replay consumer (the stream is untouched)')
    .action(async (s: string, name: string, _o, c: Command) => {
      await ctx.api(c).delete(`${base(c)}/${stream(s)}/${encodeURIComponent(name)}`);
      ctx.out(c).result({ stream: stream(s), name: consumerName(name), deleted: true }, (v) => `replay consumer ${v.name} on ${v.stream} deleted`);
    });

  return cmd;
}
