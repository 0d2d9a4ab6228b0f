import fc from 'fast-check';
import { RECORDS_BATCH_MAX_BYTES, cutRecordBatches, type CanonicalEmployee, type RowProblem } from '@roster/contracts';
import { PendingBatches } from './sync-hris.usecase';

const employee = (n: number, notes: number): CanonicalEmployee => ({ externalId: `e${n}`, email: `p${n}@acme.test`, customFields: { Notes: 'x'.repeat(notes) } });
const problem = (n: number): RowProblem => ({ externalId: `e${n}`, field: 'startDate', code: 'INVALID_DATE', message: `startDate '${n}' is not a date; startDate left unchanged` });

/** A fetch: pages of employees (light or up to 400 KB of notes) and problems. */
const fetchOf = fc.array(
  fc.array(fc.oneof(fc.integer({ min: 0, max: 400_000 }).map((notes) => ({ notes })), fc.constant({ notes: -1 })), { maxLength: 12 }),
  { minLength: 1, maxLength: 12 },
);

describe('PendingBatches (connector-gateway record batches)', () => {
  it('R-API-02 a fetch streamed page by page is cut exactly as one cutRecordBatches over all of it, holding at most one open batch between pages', () => {
    fc.assert(
      fc.property(fetchOf, fc.integer({ min: 1, max: 8 }), (shape, maxCount) => {
        let n = 0;
        const pages = shape.map((page) => page.map(({ notes }) => (notes < 0 ? problem(n++) : employee(n++, notes))));
        const pending = new PendingBatches(maxCount);
        const published: unknown[][] = [];
        const added: unknown[] = [];
        for (const page of pages) {
          for (const entry of page) pending.add(entry);
          added.push(...page);
          published.push(...pending.takeClosed());
          // What stays between pages is one batch still filling: under the count, and within the bytes.
          const held = added.slice(published.flat().length);
          expect(held.length).toBeLessThan(maxCount);
          expect(cutRecordBatches(held, maxCount, RECORDS_BATCH_MAX_BYTES).length).toBeLessThanOrEqual(1);
        }
        const rest = pending.takeRest();
        if (rest.length > 0) published.push(rest);
        expect(published).toEqual(cutRecordBatches(pages.flat(), maxCount, RECORDS_BATCH_MAX_BYTES));
      }),
      { numRuns: 150 },
    );
  });
});
