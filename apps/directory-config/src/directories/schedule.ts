import { Cron } from 'croner';
import { z } from 'zod';

/** Cron expressions have 5 fields, or 6 with seconds first (croner's parsing, as the scheduler uses it). */
export const CRON_MODE = '5-or-6-parts';

const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time of day HH:MM (24 h)');
const timeZone = z
  .string()
  .min(1)
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'expected an IANA time zone such as Europe/Paris or UTC');
const CRON_SHAPE = /^(\S+\s+){4,5}\S+$/;
const CRON_CHARACTERS = /^[\d*/,\-?LW#A-Za-z\s]+$/;
// The shape first (5 or 6 fields of cron characters), then croner, the scheduler's own parser: a directory
// never stores an expression the scheduler cannot run.
function cronProblem(expression: string): string | undefined {
  const expected = 'expected a cron expression of 5 or 6 fields';
  if (!CRON_SHAPE.test(expression) || !CRON_CHARACTERS.test(expression)) return expected;
  try {
    return new Cron(expression, { paused: true, mode: CRON_MODE }).nextRun() ? undefined : 'the cron expression never matches a future time';
  } catch (e) {
    return `${expected} (${(e as Error).message})`;
  }
}
const cronExpression = z
  .string()
  .trim()
  .superRefine((expression, ctx) => {
    const problem = cronProblem(expression);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** R-DIR-04: when a directory syncs by itself (a manual run can start at any time). Default daily. */
export const Schedule = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('disabled') }),
  z.object({ kind: z.literal('every'), hours: z.number().int().min(1).max(168) }),
  z.object({ kind: z.literal('daily'), time: timeOfDay, timeZone: timeZone.default('UTC') }),
  z.object({
    kind: z.literal('weekly'),
    day: z.enum(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday']),
    time: timeOfDay,
    timeZone: timeZone.default('UTC'),
  }),
  z.object({ kind: z.literal('cron'), expression: cronExpression, timeZone: timeZone.default('UTC') }),
]);
export type Schedule = z.infer<typeof Schedule>;
export const DEFAULT_SCHEDULE: Schedule = { kind: 'daily', time: '02:00', timeZone: 'UTC' };

/** Whether two schedules say the same (stored jsonb does not keep key order). */
export function sameSchedule(a: Schedule, b: Schedule): boolean {
  const canonical = (s: Schedule) => JSON.stringify(Object.entries(s).sort(([x], [y]) => x.localeCompare(y)));
  return canonical(a) === canonical(b);
}
