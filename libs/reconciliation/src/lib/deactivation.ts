import type { UserPolicy, UserStatus } from './types';

interface DeactivationState {
  status: UserStatus;
  deactivateAt: string | null;
}

/** True for a real yyyy-mm-dd calendar date (2024-02-30 is not one). */
export function isCalendarDate(date: string): boolean {
  const parsed = new Date(`${date}T00:00:00.000Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === date;
}

/**
 * R-CSV-10. A past date deactivates: a user this run creates starts inactive; an existing active user is
 * deactivated `pastDeactivationDelayMs` after the import. A re-import of the same file never postpones an
 * already scheduled earlier deactivation. Today or a future date schedules the deactivation for that day (a
 * deactivation already scheduled on that day stays as it is). With no delay (event directories, R-EVT-02), a date
 * of today or earlier deactivates at once.
 */
export function applyDeactivationDate(
  state: DeactivationState,
  date: string,
  isNew: boolean,
  policy: UserPolicy,
  now: Date,
): DeactivationState {
  const today = now.toISOString().slice(0, 10);
  const immediate = policy.pastDeactivationDelayMs === 0;
  if (date > today || (date === today && !immediate)) {
    // The day already scheduled (e.g. a past date's 24-hour delay, as an export writes it back, R-EXP-01)
    // keeps its instant: the file asks for that day, and the schedule is on it.
    if (state.deactivateAt !== null && state.deactivateAt.slice(0, 10) === date) return state;
    return { status: state.status, deactivateAt: `${date}T00:00:00.000Z` };
  }
  if (isNew) return { status: 'inactive', deactivateAt: null };
  if (state.status === 'inactive') return state;
  if (immediate) return state.status === 'active' ? { status: 'inactive', deactivateAt: null } : state;
  const due = now.getTime() + policy.pastDeactivationDelayMs;
  const scheduledEarlier = state.deactivateAt !== null && Date.parse(state.deactivateAt) <= due;
  return scheduledEarlier ? state : { status: state.status, deactivateAt: new Date(due).toISOString() };
}
