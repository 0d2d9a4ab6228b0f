import { Cron } from 'croner';
import { CRON_MODE, type Schedule } from '../directories/schedule';

const HOUR_MS = 3_600_000;
const WEEKDAY = { sunday: 0, monday: 1, tuesday: 2, wednesday: 3, thursday: 4, friday: 5, saturday: 6 } as const;

type CalendarSchedule = Extract<Schedule, { kind: 'daily' | 'weekly' | 'cron' }>;

/** Daily, weekly and cron schedules as one croner job in the schedule's time zone (croner does the DST arithmetic). */
function calendarJob(schedule: CalendarSchedule): Cron {
  const at = (time: string) => {
    const [hour, minute] = time.split(':').map(Number);
    return `${minute} ${hour}`;
  };
  const pattern =
    schedule.kind === 'daily'
      ? `${at(schedule.time)} * * *`
      : schedule.kind === 'weekly'
        ? `${at(schedule.time)} * * ${WEEKDAY[schedule.day]}`
        : schedule.expression;
  return new Cron(pattern, { paused: true, mode: CRON_MODE, timezone: schedule.timeZone });
}

/**
 * R-DIR-04: when a directory first syncs by itself, computed when it is created or its schedule or enabled state
 * changes; null when it never does (schedule disabled, or directory disabled). Every N hours counts from the
 * directory's last run (`lastRunAt`), so a directory that never ran — or ran longer ago than N hours — is due now;
 * daily, weekly and cron are the next matching time after `now` in the schedule's time zone.
 */
export function firstRunAt(schedule: Schedule, enabled: boolean, now: Date, lastRunAt?: Date | null): Date | null {
  if (!enabled || schedule.kind === 'disabled') return null;
  if (schedule.kind === 'every') {
    const fromLastRun = lastRunAt ? lastRunAt.getTime() + schedule.hours * HOUR_MS : 0;
    return new Date(Math.max(fromLastRun, now.getTime()));
  }
  return calendarJob(schedule).nextRun(now);
}

/**
 * The due time after `dueAt`, once a tick at `now` has handled it (run started or skipped): strictly after
 * `now`, so a scheduler that was down for a while starts one run, not one per missed time. Every N hours keeps
 * its phase (dueAt + k·N h), so ticks that come a little late do not make it drift.
 */
export function nextRunAfter(schedule: Schedule, dueAt: Date, now: Date): Date | null {
  if (schedule.kind === 'disabled') return null;
  if (schedule.kind === 'every') {
    const period = schedule.hours * HOUR_MS;
    const periods = Math.floor(Math.max(0, now.getTime() - dueAt.getTime()) / period) + 1;
    return new Date(dueAt.getTime() + periods * period);
  }
  return calendarJob(schedule).nextRun(now);
}
