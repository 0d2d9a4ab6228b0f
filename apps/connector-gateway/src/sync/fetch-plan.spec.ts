import { WATERMARK_OVERLAP_MS, planFetch } from './fetch-plan';

const NOW = new Date('2026-12-01T12:00:00.000Z');
const DAY = 24 * 60 * 60_000;
/** ROSTER_HRIS_FULL_FETCH_DAYS = 7. */
const FULL_EVERY = 7 * DAY;
const options = { canIncrement: true, fullFetchEveryMs: FULL_EVERY, now: NOW };
const ago = (ms: number) => new Date(NOW.getTime() - ms);

describe('planFetch (R-API-02)', () => {
  const schedule = { trigger: 'schedule' as const };
  const manual = { trigger: 'manual' as const };

  it('R-API-02 without a watermark (no applied complete fetch yet) every run fetches in full', () => {
    for (const request of [schedule, manual, { ...schedule, fetch: 'incremental' as const }, { ...manual, fetch: 'auto' as const }]) {
      expect(planFetch(request, null, options)).toEqual({ fetch: 'full' });
    }
  });

  it('R-API-02 after a recent full fetch a scheduled run is incremental from the watermark less the 5-minute overlap', () => {
    const mark = { fetchedFrom: ago(60 * 60_000), lastFullAt: ago(2 * DAY) };
    const plan = planFetch(schedule, mark, options);
    expect(plan).toEqual({ fetch: 'incremental', modifiedAfter: new Date(mark.fetchedFrom.getTime() - WATERMARK_OVERLAP_MS) });
    expect(WATERMARK_OVERLAP_MS).toBe(5 * 60_000);
    // Asked for explicitly, the same.
    expect(planFetch({ ...manual, fetch: 'incremental' }, mark, options)).toEqual(plan);
  });

  it('R-API-02 a last full fetch older than ROSTER_HRIS_FULL_FETCH_DAYS makes an auto run full again (never one, too)', () => {
    expect(planFetch(schedule, { fetchedFrom: ago(60 * 60_000), lastFullAt: ago(FULL_EVERY + 1) }, options)).toEqual({ fetch: 'full' });
    expect(planFetch(schedule, { fetchedFrom: ago(60 * 60_000), lastFullAt: null }, options)).toEqual({ fetch: 'full' });
    // Exactly at the limit it is still recent.
    expect(planFetch(schedule, { fetchedFrom: ago(60 * 60_000), lastFullAt: ago(FULL_EVERY) }, options).fetch).toBe('incremental');
    // An explicit incremental request is honoured whatever the age of the last full fetch.
    expect(planFetch({ ...schedule, fetch: 'incremental' }, { fetchedFrom: ago(DAY), lastFullAt: ago(30 * DAY) }, options).fetch).toBe('incremental');
  });

  it('R-API-02 a manual run fetches in full by default, and whenever full is asked', () => {
    const mark = { fetchedFrom: ago(60 * 60_000), lastFullAt: ago(DAY) };
    expect(planFetch(manual, mark, options)).toEqual({ fetch: 'full' });
    expect(planFetch({ trigger: 'replay' }, mark, options)).toEqual({ fetch: 'full' });
    expect(planFetch({ ...schedule, fetch: 'full' }, mark, options)).toEqual({ fetch: 'full' });
  });

  it('R-API-02 a connector that cannot filter by modification time always fetches in full', () => {
    const mark = { fetchedFrom: ago(60 * 60_000), lastFullAt: ago(DAY) };
    expect(planFetch({ ...schedule, fetch: 'incremental' }, mark, { ...options, canIncrement: false })).toEqual({ fetch: 'full' });
  });
});
