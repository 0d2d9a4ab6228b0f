import { z } from 'zod';

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
// Shape only (5 or 6 fields of cron characters): full parsing belongs to the scheduler's cron library.
const cronExpression = z
  .string()
  .trim()
  .regex(/^(\S+\s+){4,5}\S+$/, 'expected a cron expression of 5 or 6 fields')
  .regex(/^[\d*/,\-?LW#A-Za-z\s]+$/, 'expected a cron expression of 5 or 6 fields');

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
