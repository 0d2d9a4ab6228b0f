import fc from 'fast-check';
import { type ExportChange, type ExportState, applyExportChange } from './export-status';

const at = (s: number) => new Date(Date.UTC(2026, 11, 7, 4, 0, s));
const requested: ExportState = {
  status: 'requested',
  rowCount: null,
  size: null,
  fileName: null,
  failure: null,
  startedAt: null,
  readyAt: null,
  mailedAt: null,
  failedAt: null,
};
const building: ExportChange = { kind: 'building', at: at(1) };
const ready: ExportChange = { kind: 'ready', at: at(2), rowCount: 6, size: 900, fileName: 'users-export-2026-12-07.csv' };
const mailed: ExportChange = { kind: 'mailed', at: at(3), rowCount: 6 };
const buildFailed: ExportChange = { kind: 'failed', at: at(10), failure: { stage: 'build', code: 'MAX_DELIVERIES', message: 'object store down' } };
const mailFailed: ExportChange = { kind: 'failed', at: at(10), failure: { stage: 'mail', code: 'EXPORT_MISSING', message: 'expired' } };

const fold = (changes: ExportChange[], from: ExportState = requested) => changes.reduce(applyExportChange, from);

describe('export status (R-EXP-01)', () => {
  it('R-EXP-01 an export goes requested → building → ready → mailed, with its rows, bytes and times', () => {
    expect(fold([building]).status).toBe('building');
    expect(fold([building, ready])).toMatchObject({ status: 'ready', rowCount: 6, size: 900, startedAt: at(1), readyAt: at(2) });
    expect(fold([building, ready, mailed])).toEqual({
      status: 'mailed',
      rowCount: 6,
      size: 900,
      fileName: 'users-export-2026-12-07.csv',
      failure: null,
      startedAt: at(1),
      readyAt: at(2),
      mailedAt: at(3),
      failedAt: null,
    });
  });

  it('R-EXP-01 at-least-once: the same events in any order and any number of times end in the same status and facts', () => {
    const all = [building, ready, mailed];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...all), { minLength: 0, maxLength: 8 }), (extra) => {
        const shuffled = [...extra, ...all, ...extra].reverse();
        expect(fold(shuffled)).toEqual(fold(all));
      }),
    );
  });

  it('R-OPS-02 a dead-lettered request or mail fails the export with its code and reason; a mailed export stays mailed', () => {
    expect(fold([building, buildFailed])).toMatchObject({ status: 'failed', failedAt: at(10), failure: { stage: 'build', code: 'MAX_DELIVERIES' } });
    expect(fold([building, ready, mailFailed])).toMatchObject({ status: 'failed', rowCount: 6, failure: { stage: 'mail', code: 'EXPORT_MISSING' } });
    expect(fold([building, ready, mailed, mailFailed])).toMatchObject({ status: 'mailed', failure: null });
    // A fact older than the failure (a late delivery of the failed attempt) records what it knows but does not revive it.
    expect(fold([buildFailed, building])).toMatchObject({ status: 'failed', startedAt: at(1) });
    expect(fold([buildFailed, buildFailed])).toEqual(fold([buildFailed]));
  });

  it('R-OPS-02 a failed export moves on when its dead letter is redriven and the step succeeds later', () => {
    const retried: ExportChange[] = [
      { kind: 'building', at: at(20) },
      { kind: 'ready', at: at(21), rowCount: 6, size: 900, fileName: 'f.csv' },
      { kind: 'mailed', at: at(22), rowCount: 6 },
    ];
    expect(fold([building, buildFailed, retried[0]!])).toMatchObject({ status: 'building', failure: null, startedAt: at(20) });
    expect(fold([building, buildFailed, ...retried])).toMatchObject({ status: 'mailed', failure: null, failedAt: at(10), mailedAt: at(22) });
    expect(fold([building, ready, mailFailed, retried[2]!])).toMatchObject({ status: 'mailed', failure: null });
  });
});
