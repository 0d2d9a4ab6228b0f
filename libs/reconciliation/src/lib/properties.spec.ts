import fc from 'fast-check';
import { EMPLOYEE_PROFILE_FIELDS, RowProblemCode, type CanonicalEmployee } from '@roster/contracts';
import { EMAILS, RUNS, chunkArb, directoryArb } from '../test/arbitraries';
import { CSV, CTX } from '../test/fixtures';
import { applyUserOperations } from './apply';
import { userContentHash } from './hash';
import { planManagerLinks } from './plan-managers';
import { planUserChunk } from './plan-users';
import type { ManagerLink, StoredUser } from './types';

const isBlank = (value: string | undefined) => value === undefined || value.trim() === '';
const opEmail = (op: ReturnType<typeof planUserChunk>['operations'][number]) => (op.kind === 'create' ? op.user.email : op.email);

/** The first record of each email (any case), as the planner keeps them. */
function firstRecords(records: CanonicalEmployee[]): Map<string, CanonicalEmployee> {
  const first = new Map<string, CanonicalEmployee>();
  for (const record of records) if (!first.has(record.email.toLowerCase())) first.set(record.email.toLowerCase(), record);
  return first;
}

describe('planUserChunk properties', () => {
  it('R-OPS-01 planning the applied result again is a no-op: every record unchanged, no changes', () => {
    fc.assert(
      fc.property(directoryArb, chunkArb, (current, records) => {
        const applied = applyUserOperations(current, planUserChunk(current, records, CSV, CTX).operations);
        const again = planUserChunk(applied, records, CSV, CTX);

        expect(again.operations.every((op) => op.kind === 'unchanged')).toBe(true);
        expect(applyUserOperations(applied, again.operations)).toEqual(applied);
      }),
      RUNS,
    );
  });

  it('R-CSV-07 a blank field never erases a stored value', () => {
    fc.assert(
      fc.property(directoryArb, chunkArb, (current, records) => {
        const after = applyUserOperations(current, planUserChunk(current, records, CSV, CTX).operations);

        for (const [email, record] of firstRecords(records)) {
          const stored = current.get(email);
          const next = after.get(email);
          if (!stored || !next) continue;
          for (const field of EMPLOYEE_PROFILE_FIELDS) {
            if (stored[field] !== null) expect(next[field]).not.toBeNull();
            if (isBlank(record[field])) expect(next[field]).toBe(stored[field]);
          }
          for (const [key, value] of Object.entries(stored.customFields)) {
            if (isBlank(record.customFields?.[key])) expect(next.customFields[key]).toBe(value);
            else expect(next.customFields[key]).toBe(record.customFields?.[key]);
          }
          if (record.isOrgAdmin === undefined) expect(next.isOrgAdmin).toBe(stored.isOrgAdmin);
          if (record.deactivationDate === undefined) expect(next.deactivateAt).toBe(stored.deactivateAt);
          expect(next.status).toBe(stored.status);
        }
      }),
      RUNS,
    );
  });

  it('R-CSV-06 stored users absent from the chunk never get an operation and stay as they are', () => {
    fc.assert(
      fc.property(directoryArb, chunkArb, (current, records) => {
        const plan = planUserChunk(current, records, CSV, CTX);
        const named = new Set(records.map((record) => record.email.toLowerCase()));

        for (const op of plan.operations) expect(named.has(opEmail(op))).toBe(true);
        const after = applyUserOperations(current, plan.operations);
        for (const [email, user] of current) if (!named.has(email)) expect(after.get(email)).toBe(user);
      }),
      RUNS,
    );
  });

  it('R-CSV-05 emails match case-insensitively: nobody is created twice', () => {
    fc.assert(
      fc.property(directoryArb, chunkArb, (current, records) => {
        const plan = planUserChunk(current, records, CSV, CTX);
        const created = plan.operations.flatMap((op) => (op.kind === 'create' ? [op.user.email] : []));

        expect(new Set(created).size).toBe(created.length);
        for (const email of created) expect(current.has(email)).toBe(false);
        const operated = plan.operations.map(opEmail);
        expect(new Set(operated).size).toBe(operated.length);
        expect(operated.length).toBe(firstRecords(records).size);
        expect(plan.problems.filter((p) => p.code === RowProblemCode.DUPLICATE_EMAIL)).toHaveLength(records.length - operated.length);
      }),
      RUNS,
    );
  });

  it('R-CSV-05 planning a file in chunks ends where planning it at once does', () => {
    const uniqueChunk = chunkArb.map((records) => [...firstRecords(records).values()]);
    fc.assert(
      fc.property(directoryArb, uniqueChunk, fc.nat(), (current, records, cut) => {
        const at = records.length === 0 ? 0 : cut % records.length;
        const whole = applyUserOperations(current, planUserChunk(current, records, CSV, CTX).operations);
        const first = applyUserOperations(current, planUserChunk(current, records.slice(0, at), CSV, CTX).operations);
        const both = applyUserOperations(first, planUserChunk(first, records.slice(at), CSV, CTX).operations);

        expect(both).toEqual(whole);
      }),
      RUNS,
    );
  });
});

describe('userContentHash properties', () => {
  it('does not depend on the key order of custom fields', () => {
    const entries = fc.uniqueArray(fc.tuple(fc.string(), fc.string()), { selector: ([key]) => key, maxLength: 8 });
    fc.assert(
      fc.property(directoryArb, entries, fc.nat(), (current, pairs, seed) => {
        const rotated = pairs.map((_, i) => pairs[(i + seed) % pairs.length] as [string, string]);
        const user: StoredUser | undefined = [...current.values()][0];
        if (!user) return;
        const a = { ...user, customFields: Object.fromEntries(pairs) };
        const b = { ...user, customFields: Object.fromEntries([...rotated].reverse()) };

        expect(userContentHash(a)).toBe(userContentHash(b));
      }),
      RUNS,
    );
  });
});

describe('planManagerLinks properties', () => {
  const OUTSIDERS = ['new.boss@acme.io', 'other@acme.io'];
  const anyEmail = fc.mixedCase(fc.constantFrom(...EMAILS, ...OUTSIDERS));

  /** Current links that are loop-free: each user reports to someone earlier in a random order, or nobody. */
  const currentArb = fc
    .tuple(fc.shuffledSubarray(EMAILS, { minLength: EMAILS.length }), fc.array(fc.nat(), { minLength: EMAILS.length, maxLength: EMAILS.length }))
    .map(([order, picks]) => {
      const managerOf = new Map<string, string | null>();
      order.forEach((email, i) => {
        const pick = (picks[i] ?? 0) % (i + 1);
        managerOf.set(email, pick === i ? null : (order[pick] ?? null));
      });
      return managerOf;
    });

  const linksArb = fc
    .array(fc.record({ email: fc.mixedCase(fc.constantFrom(...EMAILS)), managerEmail: anyEmail }), { maxLength: 12 })
    .map((links): ManagerLink[] => links.map((link, i) => ({ ...link, rowNumber: i + 2 })));

  it('R-CSV-15 the resulting manager graph has no loop; every refused link would close one', () => {
    fc.assert(
      fc.property(currentArb, linksArb, (current, links) => {
        const known = new Set(EMAILS);
        const plan = planManagerLinks(links, known, current);
        const result = new Map(current);
        for (const change of plan.setManager) result.set(change.email, change.managerEmail);
        const reaches = (from: string, target: string) => {
          let email: string | null | undefined = from;
          for (let steps = 0; email && steps <= result.size + OUTSIDERS.length; steps++, email = result.get(email)) {
            if (email === target) return true;
          }
          return false;
        };

        for (const email of result.keys()) expect(reaches(result.get(email) ?? '', email)).toBe(false);

        const problemRows = new Map(plan.problems.map((p) => [p.rowNumber, p.code]));
        const seen = new Set<string>();
        for (const link of links) {
          const email = link.email.toLowerCase();
          const managerEmail = link.managerEmail.toLowerCase();
          const first = !seen.has(email);
          seen.add(email);
          const code = problemRows.get(link.rowNumber);
          if (!first) expect(code).toBe(RowProblemCode.DUPLICATE_EMAIL);
          else if (email === managerEmail) expect(code).toBe(RowProblemCode.SELF_MANAGER);
          else if (code === RowProblemCode.MANAGER_LOOP) expect(reaches(managerEmail, email)).toBe(true);
          else expect(result.get(email)).toBe(managerEmail);
        }
      }),
      RUNS,
    );
  });

  it('R-CSV-08 placeholders are the unknown managers of applied links, each once; unchanged links are not emitted', () => {
    fc.assert(
      fc.property(currentArb, linksArb, (current, links) => {
        const known = new Set(EMAILS);
        const plan = planManagerLinks(links, known, current);

        expect(new Set(plan.placeholders).size).toBe(plan.placeholders.length);
        for (const email of plan.placeholders) expect(known.has(email)).toBe(false);
        for (const change of plan.setManager) {
          expect(change.previousManagerEmail).toBe(current.get(change.email) ?? null);
          expect(change.managerEmail).not.toBe(change.previousManagerEmail);
          if (!known.has(change.managerEmail)) expect(plan.placeholders).toContain(change.managerEmail);
        }
        for (const email of plan.placeholders) {
          expect(plan.setManager.some((change) => change.managerEmail === email)).toBe(true);
        }
      }),
      RUNS,
    );
  });
});

