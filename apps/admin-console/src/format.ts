import type { RowProblem, RunCounts, RunStatus, Schedule, UserStatus } from './api/types';

/** Words for the API's values, as an admin reads them. */
export const STATUS_LABELS: Record<RunStatus, string> = {
  queued: 'Queued',
  fetching: 'Fetching',
  reconciling: 'Reconciling',
  'awaiting-approval': 'Awaiting approval',
  succeeded: 'Succeeded',
  'partially-succeeded': 'Partially succeeded',
  failed: 'Failed',
};

export const TYPE_LABELS: Record<string, string> = {
  'sftp-csv': 'CSV over SFTP',
  'hris-api': 'HR system API',
  event: 'Inbound events',
};

export const COUNT_LABELS: Record<keyof RunCounts, string> = {
  created: 'Created',
  updated: 'Updated',
  unchanged: 'Unchanged',
  deactivated: 'Deactivated',
  deleted: 'Deleted',
  restored: 'Restored',
  skipped: 'Skipped',
  failed: 'Failed',
};

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' }) + ' UTC';
}

export function formatDuration(fromIso: string | null, toIso: string | null, now = Date.now()): string {
  if (!fromIso) return '—';
  const ms = (toIso ? new Date(toIso).getTime() : now) - new Date(fromIso).getTime();
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

export function describeSchedule(s: Schedule): string {
  switch (s.kind) {
    case 'disabled':
      return 'No schedule (manual runs only)';
    case 'every':
      return `Every ${s.hours} hour${s.hours === 1 ? '' : 's'}`;
    case 'daily':
      return `Daily at ${s.time} (${s.timeZone})`;
    case 'weekly':
      return `Every ${s.day[0].toUpperCase()}${s.day.slice(1)} at ${s.time} (${s.timeZone})`;
    case 'cron':
      return `Cron “${s.expression}” (${s.timeZone})`;
  }
}

/** A short, readable id for tables (the full id stays in the link and its title). */
export const shortId = (id: string) => id.slice(0, 8);

const FORMULA = /^['=+\-@\t\r]/;

/** One CSV cell (RFC 4180), with spreadsheet formulas defused as the API's export does (a leading '). */
export function csvCell(value: string | number | undefined): string {
  let text = value === undefined ? '' : String(value);
  if (FORMULA.test(text) && !/^-?\d+(\.\d+)?$/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A run's problems as a CSV file (what the "Download problems" link saves). */
export function problemsCsv(problems: RowProblem[]): string {
  const header = ['Row', 'External ID', 'Field', 'Code', 'Message'];
  const rows = problems.map((p) => [p.rowNumber, p.externalId, p.field, p.code, p.message].map(csvCell).join(','));
  return `\ufeff${[header.join(','), ...rows].join('\r\n')}\r\n`;
}

export const USER_STATUS_LABELS: Record<UserStatus, string> = {
  active: 'Active',
  inactive: 'Inactive',
  deleted: 'Deleted',
  anonymized: 'Anonymized',
};

/** How a person is named on a page: the display name, else first and last name, else null. */
export function personName(u: { displayName: string | null; firstName: string | null; lastName: string | null }): string | null {
  return u.displayName?.trim() || [u.firstName, u.lastName].filter((p) => p?.trim()).join(' ') || null;
}

/**
 * A `datetime-local` input's value (no zone; the form says UTC) as the ISO instant the API takes; blank stays
 * undefined and anything else goes as typed, for the API to judge.
 */
export function utcInstant(local: string): string | undefined {
  const v = local.trim();
  if (!v) return undefined;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(v)) return `${v}:00Z`;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/.test(v)) return `${v}Z`;
  return v;
}
