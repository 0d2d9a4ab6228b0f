import { createHash } from 'node:crypto';
import fc from 'fast-check';
import type { CanonicalEmployee } from '@roster/contracts';
import { chunkArb, directoryArb, mixedCaseEmail, RUNS } from '../test/arbitraries';
import { CSV, CTX, employee, storedUser } from '../test/fixtures';
import { applyUserOperations } from './apply';
import { planUserChunk } from './plan-users';
import { normalizeEmail } from './rows';
import { digestableRecord, digestsApply, leavesUnchanged, recordDigest, sourceDigestContext, sourceDigestOf, unchangedOnReplan } from './source-digest';
import type { StoredUser, UserChunkPlan } from './types';

const run = { directoryId: 'dir-csv', policy: CSV, dateFormat: 'dd/mm/yyyy' as const, definitions: new Map([['Level', 'number' as const]]) };

/** CSV as is, and one whose new users start inactive while a record restores inactive users: not idempotent. */
const POLICIES = [CSV, { ...CSV, newUserStatus: 'inactive' as const, restoreStatus: 'active' as const }];

/** What a plan says about each record, without the stored users' details. */
function outline(plan: UserChunkPlan) {
  return {
    operations: plan.operations.map((op) => ({ kind: op.kind, ref: op.ref, email: op.kind === 'create' ? op.user.email : op.email })),
    problems: plan.problems,
    managerLinks: plan.managerLinks,
  };
}

describe('source digests (issue 4: skipping unchanged records)', () => {
  it('the context digest does not depend on key or definition order, and changes with the policy, the date format and the definitions', () => {
    const base = sourceDigestContext(run);
    const reordered = Object.fromEntries(Object.entries(CSV).reverse()) as typeof CSV;
    expect(sourceDigestContext({ ...run, policy: reordered })).toBe(base);
    expect(sourceDigestContext({ ...run, definitions: new Map([['B', 'text'], ['A', 'date']]) })).toBe(
      sourceDigestContext({ ...run, definitions: new Map([['A', 'date'], ['B', 'text']]) }),
    );
    expect(sourceDigestContext({ ...run, policy: { ...CSV, restoreStatus: 'active' } })).not.toBe(base);
    expect(sourceDigestContext({ ...run, dateFormat: 'mm/dd/yyyy' })).not.toBe(base);
    expect(sourceDigestContext({ ...run, definitions: new Map([['Level', 'text']]) })).not.toBe(base);
    expect(sourceDigestContext({ ...run, directoryId: 'dir-other' })).not.toBe(base);
  });

  it('the stored digest is md5 of the record digest followed by the content hash, in hex', () => {
    // md5('abc') — the same bytes PostgreSQL's md5('a' || 'bc') hashes.
    expect(sourceDigestOf('a', 'bc')).toBe('900150983cd24fb0d6963f7d28e17f72');
  });

  it('a record digest is md5 of the context followed by the record\'s JSON without row, manager, teams and groups: the digests users store stay valid', () => {
    const record = employee('ann@acme.io', { rowNumber: 7, firstName: 'Ann', managerEmail: 'boss@acme.io', teams: ['Ops'], customFields: { Level: '3' } });
    const layout = JSON.stringify({ email: 'ann@acme.io', firstName: 'Ann', customFields: { Level: '3' } });
    expect(recordDigest('context', record)).toBe(createHash('md5').update('context').update(layout).digest('hex'));
  });

  it('only file-like runs (matched by email, no events, no synced groups) skip by digest, and only records with a row number and no deactivation date', () => {
    expect(digestsApply({ policy: CSV, directoryType: 'sftp-csv', tracksGroups: false })).toBe(true);
    expect(digestsApply({ policy: { ...CSV, matchByExternalId: true }, directoryType: 'hris-api', tracksGroups: false })).toBe(false);
    expect(digestsApply({ policy: { ...CSV, matchByUsername: true }, directoryType: 'sftp-csv', tracksGroups: false })).toBe(false);
    expect(digestsApply({ policy: CSV, directoryType: 'event', tracksGroups: false })).toBe(false);
    expect(digestsApply({ policy: CSV, directoryType: 'sftp-csv', tracksGroups: true })).toBe(false);
    expect(digestableRecord(employee('a@x.io', { rowNumber: 2 }))).toBe(true);
    expect(digestableRecord(employee('a@x.io'))).toBe(false);
    expect(digestableRecord(employee('a@x.io', { rowNumber: 2, deactivationDate: '2031-01-01' }))).toBe(false);
    expect(digestableRecord(employee('a@x.io', { rowNumber: 2, deactivationDate: ' ' }))).toBe(true);
  });

  it('leavesUnchanged: true for a record against the user it produced, false when it would change or report something', () => {
    const record = employee('ann@acme.io', { rowNumber: 2, jobTitle: 'Lead', managerEmail: 'bob@acme.io' });
    const plan = planUserChunk(new Map(), [record], CSV, CTX);
    const created = applyUserOperations(new Map(), plan.operations).get('ann@acme.io') as StoredUser;
    expect(leavesUnchanged(record, created, CSV, CTX)).toBe(true);
    expect(leavesUnchanged(record, storedUser('ann@acme.io', { jobTitle: 'Engineer' }), CSV, CTX)).toBe(false);
    // R-API-07 restore: the same record against a deactivated user of the directory changes its status.
    expect(leavesUnchanged(record, { ...created, status: 'inactive' }, { ...CSV, restoreStatus: 'active' }, CTX)).toBe(false);
    // A problem (their own manager) is reported by every run: never skipped.
    const self = employee('ann@acme.io', { rowNumber: 2, jobTitle: 'Lead', managerEmail: 'ANN@acme.io' });
    expect(leavesUnchanged(self, created, CSV, CTX)).toBe(false);
    // Many at once: the same answers, each record against its own user.
    const bob = employee('bob@acme.io', { rowNumber: 3, jobTitle: 'CTO' });
    const bobUser = applyUserOperations(new Map(), planUserChunk(new Map(), [bob], CSV, CTX).operations).get('bob@acme.io') as StoredUser;
    expect(unchangedOnReplan([{ record: self, user: created }, { record: bob, user: bobUser }, { record, user: created }].slice(0, 2), CSV, CTX)).toEqual(new Set(['bob@acme.io']));
    expect(unchangedOnReplan([{ record, user: created }, { record: bob, user: { ...bobUser, jobTitle: 'Intern' } }], CSV, CTX)).toEqual(new Set(['ann@acme.io']));
  });

  it('a record known unchanged still claims its email (a later duplicate is a problem) and gives its manager link', () => {
    const ann = storedUser('ann@acme.io', { jobTitle: 'Lead' });
    const records = [employee('Ann@acme.io', { rowNumber: 2, managerEmail: 'Bob@acme.io' }), employee('ann@acme.io', { rowNumber: 3, jobTitle: 'Other' })];
    const plan = planUserChunk(new Map(), records, CSV, CTX, undefined, undefined, undefined, new Map([['ann@acme.io', ann.id]]));
    expect(plan.operations).toEqual([{ kind: 'unchanged', ref: { rowNumber: 2 }, userId: ann.id, email: 'ann@acme.io' }]);
    expect(plan.managerLinks).toEqual([{ rowNumber: 2, email: 'ann@acme.io', managerEmail: 'bob@acme.io' }]);
    expect(plan.problems.map((p) => p.code)).toEqual(['DUPLICATE_EMAIL']);
  });

  it('a record digest leaves out the row number, the manager, the teams and the groups, and covers every other field', () => {
    const ann = employee('ann@acme.io', { rowNumber: 2, jobTitle: 'Lead', customFields: { Level: '3' }, managerEmail: 'bob@acme.io', teams: ['Ops'] });
    const digest = recordDigest('ctx', ann);
    expect(recordDigest('ctx', { ...ann, rowNumber: 9, managerEmail: 'cy@acme.io', managerExternalId: 'E-9', teams: ['Sales'], groups: [] })).toBe(digest);
    expect(recordDigest('ctx', { ...ann, jobTitle: 'Engineer' })).not.toBe(digest);
    expect(recordDigest('ctx', { ...ann, customFields: { Level: '4' } })).not.toBe(digest);
    expect(recordDigest('ctx', { ...ann, isOrgAdmin: false })).not.toBe(digest);
    expect(recordDigest('other', ann)).not.toBe(digest);
  });

  it('property: a second run, its records the same or changed (a manager, a title), plans the records its digests vouch for as reading their users would', () => {
    fc.assert(
      fc.property(
        directoryArb,
        chunkArb,
        fc.array(fc.record({ manager: fc.option(mixedCaseEmail, { nil: undefined }), title: fc.option(fc.constantFrom('Lead', 'CTO'), { nil: undefined }) }), { maxLength: 10 }),
        fc.constantFrom(...POLICIES),
        (directory, chunk, edits, policy) => {
          // The first run: what it writes, and the digests it stores (as apply-user-batches.ts does).
          const first = planUserChunk(directory, chunk, policy, CTX);
          const after = applyUserOperations(directory, first.operations);
          const problemRows = new Set(first.problems.map((p) => p.rowNumber));
          const firstRecord = new Map<string, CanonicalEmployee>();
          for (const record of chunk) if (!firstRecord.has(normalizeEmail(record.email))) firstRecord.set(normalizeEmail(record.email), record);
          const pairs: { record: CanonicalEmployee; user: StoredUser }[] = [];
          for (const op of first.operations) {
            const email = op.kind === 'create' ? op.user.email : op.email;
            const record = firstRecord.get(email);
            const user = after.get(email);
            if (record && user && digestableRecord(record) && !problemRows.has(op.ref.rowNumber)) pairs.push({ record, user });
          }
          const settled = unchangedOnReplan(pairs, policy, CTX);
          // email → the record digest the user's source digest was made with
          const stored = new Map(pairs.filter((p) => settled.has(p.user.email)).map((p) => [p.user.email, recordDigest('ctx', p.record)]));
          // The second run: some records with another manager or title. Vouched: a first record whose digest is stored.
          const second = chunk.map((record, i) => {
            const edit = edits[i];
            return edit === undefined ? record : { ...record, managerEmail: edit.manager ?? record.managerEmail, jobTitle: edit.title ?? record.jobTitle };
          });
          const vouched = new Map<string, string>();
          const seen = new Set<string>();
          for (const record of second) {
            const email = normalizeEmail(record.email);
            if (seen.has(email)) continue;
            seen.add(email);
            const user = after.get(email);
            if (user && digestableRecord(record) && stored.get(email) === recordDigest('ctx', record)) vouched.set(email, user.id);
          }
          const full = planUserChunk(after, second, policy, CTX);
          const unread = new Map([...after].filter(([email]) => !vouched.has(email)));
          const skipping = planUserChunk(unread, second, policy, CTX, undefined, undefined, undefined, vouched);
          expect(outline(skipping)).toEqual(outline(full));
          for (const op of full.operations) if (vouched.has(op.kind === 'create' ? op.user.email : op.email)) expect(op.kind).toBe('unchanged');
        },
      ),
      RUNS,
    );
  });
});
