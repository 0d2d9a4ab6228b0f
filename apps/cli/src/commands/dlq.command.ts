import { Command } from 'commander';
import type { CommandContext } from '../context';
import { positiveInt, shellArg } from '../context';
import { CliError, ExitCode, usageError } from '../exit-codes';
import { details, table } from '../output';

interface DeadLetterSummary {
  sequence: number;
  consumer: string;
  code: string;
  reason: string;
  deliveries: number;
  deadLetteredAt: string;
  tenantId: string | null;
  original: { subject: string; stream: string; sequence: number };
}

interface Page {
  items: DeadLetterSummary[];
  nextAfterSequence: number | null;
  scanned: number;
}

interface Redrive {
  sequence: number;
  consumer: string;
  outcome: 'redriven' | 'duplicate';
  republished: { subject: string; stream: string; sequence: number };
}

interface RedriveFailure {
  sequence: number;
  code: string;
  message: string;
}

interface RedriveAll {
  redriven: Redrive[];
  failed: RedriveFailure[];
  more: boolean;
  /** Absent from a server older than the bounded redrive: then one page is all a call can do. */
  nextAfterSequence?: number | null;
  untilSequence?: number;
}

/** `dlq redrive --all`: every page, up to the bound the first one set. */
interface RedriveAllSummary {
  total: { redriven: number; duplicate: number; failed: number };
  pages: number;
  /** The last ROSTER_DLQ sequence redriven: dead letters after it (failed again, or new) are for a next run. */
  untilSequence: number | null;
  /** More match, and this server cannot page to the bound: run it again. */
  more: boolean;
  redriven: Redrive[];
  failed: RedriveFailure[];
}

interface FilterOptions {
  service?: string;
  consumer?: string;
  subject?: string;
  code?: string;
}

const withFilters = (c: Command) =>
  c
    .option('--service <service>', 'the service whose consumer gave up (e.g. reconciler)')
    .option('--consumer <consumer>', 'the durable consumer (e.g. reconciler-records)')
    .option('--subject <subject>', 'the original subject; wildcards * and a final > allowed')
    .option('--code <code>', 'the reason code (e.g. BAD_PAYLOAD, MAX_DELIVERIES)');

const filterOf = (o: FilterOptions) => ({ service: o.service, consumer: o.consumer, subject: o.subject, code: o.code });

/** --all-tenants on every dlq command: the operator-wide routes even when ROSTER_TENANT_ID is set. */
const withScope = (c: Command) =>
  c.option('--all-tenants', "operators: every tenant's dead letters and those whose tenant is unknown, whatever ROSTER_TENANT_ID says");

/** The `dlq list` that reads the next page: the same filters, limit and scope, after the last sequence shown. */
const nextPageCommand = (o: FilterOptions & { limit?: number; allTenants?: boolean }, after: number) =>
  [
    'roster dlq list',
    ...Object.entries(filterOf(o)).flatMap(([k, v]) => (v === undefined ? [] : [`--${k} ${shellArg(v)}`])),
    ...(o.limit !== undefined ? [`--limit ${o.limit}`] : []),
    ...(o.allTenants ? ['--all-tenants'] : []),
    `--after ${after}`,
  ].join(' ');

/**
 * Redrives every dead letter matching the filters that was in ROSTER_DLQ when it started, a page (`limit`) per call:
 * the first answer's `untilSequence` bounds every next call, so a message that fails again (dead-lettered after it)
 * is left for a next run, and each call starts after the last one looked at, so one that cannot be redriven is met
 * once. Progress on stderr after each page.
 */
async function redriveEverything(ctx: CommandContext, c: Command, path: string, body: Record<string, unknown>): Promise<RedriveAllSummary> {
  const api = ctx.api(c);
  const out = ctx.out(c);
  const s: RedriveAllSummary = { total: { redriven: 0, duplicate: 0, failed: 0 }, pages: 0, untilSequence: null, more: false, redriven: [], failed: [] };
  let afterSequence: number | undefined;
  for (;;) {
    const r = await api.post<RedriveAll>(path, { ...body, afterSequence, untilSequence: s.untilSequence ?? undefined });
    s.pages++;
    s.redriven.push(...r.redriven);
    s.failed.push(...r.failed);
    s.total = {
      redriven: s.redriven.filter((x) => x.outcome === 'redriven').length,
      duplicate: s.redriven.filter((x) => x.outcome === 'duplicate').length,
      failed: s.failed.length,
    };
    s.untilSequence ??= r.untilSequence ?? null;
    const next = r.nextAfterSequence ?? null;
    // Stop unless the server pages to a bound and moved forward (an older server answers no bound: one page).
    const goOn = r.more && s.untilSequence !== null && next !== null && next > (afterSequence ?? 0);
    s.more = r.more && !goOn;
    if (r.more || s.pages > 1) {
      out.progress(
        { page: s.pages, redriven: r.redriven.length, failed: r.failed.length, total: s.total, nextAfterSequence: next, untilSequence: s.untilSequence },
        `page ${s.pages}: ${r.redriven.length} redriven, ${r.failed.length} failed (so far ${s.total.redriven + s.total.duplicate} redriven, ${s.total.failed} failed${s.untilSequence !== null ? `; up to dead letter ${s.untilSequence}` : ''})`,
      );
    }
    if (!goOn) return s;
    afterSequence = next;
  }
}

/**
 * A tenant's routes see only its dead letters: `dlq list --all-tenants` shows those of an unknown tenant too, and a
 * `dlq show` of one without --all-tenants is not found. Say where it is rather than let it read as gone.
 */
async function pointingElsewhere<T>(ctx: CommandContext, c: Command, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof CliError && e.code === 'DEAD_LETTER_NOT_FOUND' && ctx.scopeTenant(c) !== undefined) {
      throw new CliError(e.exitCode, e.code, `${e.message}; one of another tenant or of an unknown tenant is reached with --all-tenants`, e.details);
    }
    throw e;
  }
}

const redriveText = (r: Redrive) =>
  `dead letter ${r.sequence} (${r.consumer}) ${r.outcome === 'redriven' ? 'redriven' : 'already redriven (duplicate, nothing new stored)'} to ${r.republished.subject} as ${r.republished.stream} #${r.republished.sequence}`;

/**
 * `roster dlq list|show|redrive|discard` (R-OPS-02). With a tenant (--tenant or ROSTER_TENANT_ID) the
 * tenant-scoped routes are used; without, or with --all-tenants, the operator-wide ones.
 */
export function dlqCommand(ctx: CommandContext): Command {
  const cmd = new Command('dlq').description('dead letters: messages a consumer gave up on (ROSTER_DLQ)');
  const base = (c: Command) => {
    const tenant = ctx.scopeTenant(c);
    return tenant ? `/v1/tenants/${tenant}/dead-letters` : '/v1/dead-letters';
  };

  withScope(withFilters(cmd.command('list').description('list dead letters, oldest first')))
    .option('--after <sequence>', 'start after this dead letter (the previous page’s nextAfterSequence)', positiveInt('--after'))
    .option('--limit <n>', 'at most this many (1..500, default 50)', positiveInt('--limit', 500))
    .action(async (o: FilterOptions & { after?: number; limit?: number; allTenants?: boolean }, c: Command) => {
      const page = await ctx.api(c).get<Page>(base(c), { ...filterOf(o), afterSequence: o.after, limit: o.limit });
      ctx.out(c).result(page, (p) =>
        [
          p.items.length
            ? table(
                ['SEQ', 'CONSUMER', 'CODE', 'DELIVERIES', 'TENANT', 'SUBJECT', 'REASON'],
                p.items.map((d) => [d.sequence, d.consumer, d.code, d.deliveries, d.tenantId, d.original.subject, d.reason.length > 80 ? `${d.reason.slice(0, 79)}…` : d.reason]),
              )
            : 'no dead letters',
          ...(p.nextAfterSequence !== null ? [`more: ${nextPageCommand(o, p.nextAfterSequence)}`] : []),
        ].join('\n'),
      );
    });

  withScope(cmd.command('show <sequence>'))
    .description('a dead letter: payload, headers, reason, deliveries, where it came from')
    .action(async (seq: string, _o, c: Command) => {
      const d = await pointingElsewhere(ctx, c, () => ctx.api(c).get<Record<string, unknown>>(`${base(c)}/${positiveInt('sequence')(seq)}`));
      ctx.out(c).result(d, details);
    });

  const redrive = cmd
    .command('redrive [sequence]')
    .description('re-publish a dead letter (or, with --all, every one matching the filters) to its original subject, and remove it');
  withScope(withFilters(redrive))
    .option('--all', 'redrive every dead letter matching the filters that is in ROSTER_DLQ now, page by page (those that fail again are left for a next run)')
    .option('--limit <n>', 'with --all: at most this many per page, i.e. per API call (1..1000, default 100)', positiveInt('--limit', 1000))
    .action(async (seq: string | undefined, o: FilterOptions & { all?: boolean; limit?: number }, c: Command) => {
      const filtered = Object.values(filterOf(o)).some((v) => v !== undefined);
      if (seq !== undefined && (o.all || filtered || o.limit)) throw usageError('give a dead letter sequence, or --all with filters, not both');
      if (seq === undefined && !o.all) throw usageError('give a dead letter sequence, or --all (with filters) to redrive every match');
      const api = ctx.api(c);
      if (seq !== undefined) {
        const r = await pointingElsewhere(ctx, c, () => api.post<Redrive>(`${base(c)}/${positiveInt('sequence')(seq)}/redrive`));
        return ctx.out(c).result(r, redriveText);
      }
      const summary = await redriveEverything(ctx, c, `${base(c)}/redrive`, { ...filterOf(o), limit: o.limit });
      if (summary.failed.length) ctx.exitCode = ExitCode.FAILURE;
      ctx.out(c).result(summary, (v) =>
        [
          ...v.redriven.map(redriveText),
          ...v.failed.map((f) => `dead letter ${f.sequence} not redriven: ${f.code}: ${f.message}`),
          `${v.total.redriven + v.total.duplicate} redriven (${v.total.duplicate} of them duplicates), ${v.total.failed} failed, in ${v.pages} ${v.pages === 1 ? 'call' : 'calls'}` +
            (v.untilSequence !== null ? `; every match up to dead letter ${v.untilSequence}` : '') +
            (v.more ? '; more match: run it again' : ''),
        ].join('\n'),
      );
    });

  withScope(cmd.command('discard <sequence>'))
    .description('remove a dead letter for good; the reason is logged')
    .requiredOption('--reason <text>', 'why it is discarded (3..500 characters)')
    .action(async (seq: string, o: { reason: string }, c: Command) => {
      // The API's bounds, trimmed as it trims: a short reason is a usage mistake to fix here, not a refusal to read.
      const length = o.reason.trim().length;
      if (length < 3 || length > 500) throw usageError(`--reason must be 3 to 500 characters (the log keeps it with the dead letter), got ${length}`);
      const r = await pointingElsewhere(ctx, c, () =>
        ctx.api(c).post<{ sequence: number; consumer: string; reason: string }>(`${base(c)}/${positiveInt('sequence')(seq)}/discard`, { reason: o.reason }),
      );
      ctx.out(c).result(r, (v) => `dead letter ${v.sequence} (${v.consumer}) discarded: ${v.reason}`);
    });

  return cmd;
}
