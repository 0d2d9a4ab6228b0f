import { Schedule } from '../directories/schedule';
import { firstRunAt, nextRunAfter } from './next-run';

const at = (iso: string) => new Date(iso);
const iso = (d: Date | null) => d?.toISOString() ?? null;

/** Follows a schedule the way the scheduler does: each due time handled by a tick right at it. */
function dueTimes(schedule: Schedule, from: Date, count: number): string[] {
  const times: string[] = [];
  let due = firstRunAt(schedule, true, from);
  while (due && times.length < count) {
    times.push(due.toISOString());
    due = nextRunAfter(schedule, due, due);
  }
  return times;
}

describe('next run of a schedule (R-DIR-04)', () => {
  it('R-DIR-04 a disabled schedule or a disabled directory never runs by itself', () => {
    expect(firstRunAt({ kind: 'disabled' }, true, at('2025-03-01T00:00:00Z'))).toBeNull();
    expect(nextRunAfter({ kind: 'disabled' }, at('2025-03-01T00:00:00Z'), at('2025-03-01T00:00:00Z'))).toBeNull();
    for (const schedule of [
      { kind: 'every', hours: 4 },
      { kind: 'daily', time: '02:00', timeZone: 'UTC' },
      { kind: 'weekly', day: 'monday', time: '06:00', timeZone: 'UTC' },
      { kind: 'cron', expression: '0 * * * *', timeZone: 'UTC' },
    ] as const) {
      expect(firstRunAt(schedule, false, at('2025-03-01T00:00:00Z'))).toBeNull();
    }
  });

  it('R-DIR-04 every N hours: due at once when the directory never ran or ran longer ago, else N hours after its last run', () => {
    const every6: Schedule = { kind: 'every', hours: 6 };
    const now = at('2025-03-01T10:00:00Z');
    expect(iso(firstRunAt(every6, true, now))).toBe('2025-03-01T10:00:00.000Z');
    expect(iso(firstRunAt(every6, true, now, at('2025-03-01T01:00:00Z')))).toBe('2025-03-01T10:00:00.000Z');
    expect(iso(firstRunAt(every6, true, now, at('2025-03-01T08:30:00Z')))).toBe('2025-03-01T14:30:00.000Z');
    expect(dueTimes(every6, now, 3)).toEqual(['2025-03-01T10:00:00.000Z', '2025-03-01T16:00:00.000Z', '2025-03-01T22:00:00.000Z']);
  });

  it('R-DIR-04 every N hours keeps its phase when a tick comes late, and a long outage gives one run, not one per missed time', () => {
    const every6: Schedule = { kind: 'every', hours: 6 };
    const due = at('2025-03-01T10:00:00Z');
    expect(iso(nextRunAfter(every6, due, at('2025-03-01T10:00:29Z')))).toBe('2025-03-01T16:00:00.000Z');
    expect(iso(nextRunAfter(every6, due, at('2025-03-03T11:00:00Z')))).toBe('2025-03-03T16:00:00.000Z');
    expect(iso(nextRunAfter(every6, due, at('2025-03-01T16:00:00Z')))).toBe('2025-03-01T22:00:00.000Z');
  });

  it('R-DIR-04 daily at a time in Europe/Berlin follows the wall clock across both DST changes', () => {
    // 30 March 2025: 02:00 CET jumps to 03:00 CEST; 26 October 2025: 03:00 CEST falls back to 02:00 CET.
    expect(dueTimes({ kind: 'daily', time: '09:00', timeZone: 'Europe/Berlin' }, at('2025-03-29T00:00:00Z'), 3)).toEqual([
      '2025-03-29T08:00:00.000Z',
      '2025-03-30T07:00:00.000Z',
      '2025-03-31T07:00:00.000Z',
    ]);
    expect(dueTimes({ kind: 'daily', time: '09:00', timeZone: 'Europe/Berlin' }, at('2025-10-25T00:00:00Z'), 3)).toEqual([
      '2025-10-25T07:00:00.000Z',
      '2025-10-26T08:00:00.000Z',
      '2025-10-27T08:00:00.000Z',
    ]);
    // A time the spring-forward night skips runs once, right after the gap; a time it repeats in autumn runs once.
    expect(dueTimes({ kind: 'daily', time: '02:30', timeZone: 'Europe/Berlin' }, at('2025-03-29T00:00:00Z'), 3)).toEqual([
      '2025-03-29T01:30:00.000Z',
      '2025-03-30T01:00:00.000Z',
      '2025-03-31T00:30:00.000Z',
    ]);
    expect(dueTimes({ kind: 'daily', time: '02:30', timeZone: 'Europe/Berlin' }, at('2025-10-25T12:00:00Z'), 2)).toEqual([
      '2025-10-26T00:30:00.000Z',
      '2025-10-27T01:30:00.000Z',
    ]);
  });

  it('R-DIR-04 the default schedule is daily at 02:00 UTC', () => {
    expect(iso(firstRunAt(Schedule.parse({ kind: 'daily', time: '02:00' }), true, at('2025-03-01T02:00:00Z')))).toBe('2025-03-02T02:00:00.000Z');
    expect(iso(firstRunAt(Schedule.parse({ kind: 'daily', time: '02:00' }), true, at('2025-03-01T01:59:59Z')))).toBe('2025-03-01T02:00:00.000Z');
  });

  it('R-DIR-04 weekly on a day at a time in a time zone', () => {
    // 1 March 2025 is a Saturday.
    expect(dueTimes({ kind: 'weekly', day: 'monday', time: '06:30', timeZone: 'America/New_York' }, at('2025-03-01T00:00:00Z'), 3)).toEqual([
      '2025-03-03T11:30:00.000Z',
      '2025-03-10T10:30:00.000Z', // US DST began on 9 March
      '2025-03-17T10:30:00.000Z',
    ]);
    expect(dueTimes({ kind: 'weekly', day: 'sunday', time: '00:00', timeZone: 'UTC' }, at('2025-03-01T00:00:00Z'), 2)).toEqual([
      '2025-03-02T00:00:00.000Z',
      '2025-03-09T00:00:00.000Z',
    ]);
  });

  it('R-DIR-04 a cron expression in its time zone, with 5 or 6 fields', () => {
    expect(dueTimes({ kind: 'cron', expression: '0 */4 * * 1-5', timeZone: 'Europe/Paris' }, at('2025-03-07T18:00:00Z'), 3)).toEqual([
      '2025-03-07T19:00:00.000Z', // Friday 20:00 in Paris
      '2025-03-09T23:00:00.000Z', // Monday 00:00
      '2025-03-10T03:00:00.000Z',
    ]);
    expect(dueTimes({ kind: 'cron', expression: '30 15 6 1 * *', timeZone: 'UTC' }, at('2025-03-01T00:00:00Z'), 2)).toEqual([
      '2025-03-01T06:15:30.000Z',
      '2025-04-01T06:15:30.000Z',
    ]);
  });

  it('R-DIR-04 refuses a cron expression the scheduler cannot run', () => {
    const problems = (expression: string) => {
      const r = Schedule.safeParse({ kind: 'cron', expression });
      return r.success ? [] : r.error.issues.map((i) => i.message);
    };
    expect(problems('61 * * * *')).toEqual([expect.stringMatching(/^expected a cron expression of 5 or 6 fields \(.*minute/)]);
    expect(problems('0 0 31 2 *')).toEqual(['the cron expression never matches a future time']);
    expect(problems('every day')).toEqual(['expected a cron expression of 5 or 6 fields']);
    expect(problems('0 3 * * MON')).toEqual([]);
  });
});
