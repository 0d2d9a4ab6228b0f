import fc from 'fast-check';
import { teamNameKey, type CanonicalTeam } from '@roster/contracts';
import { planMemberships } from './plan-memberships';
import { planTeamParents } from './plan-team-parents';
import { planTeams } from './plan-teams';
import type { NewTeam, ParentLink, StoredTeam, TeamContext } from './team-types';

const CTX: TeamContext = { directoryId: 'dir-1', tenantOwnerEmail: 'owner@acme.io' };
const NAMES = ['Eng', 'eng', 'Platform', 'Sales', 'EMEA', 'Ops'];
const RUNS = { numRuns: 300 };

const stored = (name: string, patch: Partial<StoredTeam> = {}): StoredTeam => ({
  id: `id:${teamNameKey(name)}`,
  name,
  ownerEmail: null,
  type: null,
  description: null,
  sourceDirectoryId: 'dir-1',
  parentKey: null,
  ...patch,
});

/** The directory after a teams plan (creates and updates), by key. */
function applyTeams(current: ReadonlyMap<string, StoredTeam>, records: CanonicalTeam[]): Map<string, StoredTeam> {
  const next = new Map(current);
  for (const op of planTeams(current, records, CTX).operations) {
    if (op.kind === 'create') next.set(op.key, { ...(op.team as NewTeam), id: `new:${op.key}` });
    if (op.kind === 'update') next.set(op.key, op.next);
  }
  return next;
}

const blankable = fc.option(fc.constantFrom('', '  ', 'Dept', 'Squad'), { nil: undefined });
const recordArb: fc.Arbitrary<CanonicalTeam> = fc.record(
  {
    rowNumber: fc.integer({ min: 2, max: 50 }),
    name: fc.constantFrom(...NAMES),
    ownerEmail: fc.option(fc.constantFrom('a@acme.io', 'b@acme.io'), { nil: undefined }),
    type: blankable,
    description: blankable,
    parentName: fc.option(fc.constantFrom(...NAMES), { nil: undefined }),
  },
  { requiredKeys: ['name'] },
);
const directoryArb = fc
  .uniqueArray(fc.constantFrom(...NAMES), { selector: teamNameKey })
  .chain((names) =>
    fc.tuple(...names.map((name) => fc.record({ type: fc.option(fc.constantFrom('Dept', 'Old'), { nil: null }), ownerEmail: fc.option(fc.constantFrom('z@acme.io'), { nil: null }) }).map((patch) => stored(name, patch)))),
  )
  .map((teams) => new Map(teams.map((t) => [teamNameKey(t.name), t])));

describe('planTeams (R-CSV-03, R-CSV-05, R-CSV-07, R-CSV-14, R-TEN-02)', () => {
  it('R-CSV-05 upserts by name case-insensitively: nobody created twice, a second plan of the result changes nothing', () => {
    fc.assert(
      fc.property(directoryArb, fc.array(recordArb, { maxLength: 10 }), (current, records) => {
        const plan = planTeams(current, records, CTX);
        const creates = plan.operations.filter((op) => op.kind === 'create').map((op) => op.key);
        expect(new Set(creates).size).toBe(creates.length);
        for (const key of creates) expect(current.has(key)).toBe(false);
        const applied = applyTeams(current, records);
        expect(planTeams(applied, records, CTX).operations.every((op) => op.kind === 'unchanged')).toBe(true);
      }),
      RUNS,
    );
  });

  it('R-CSV-07 a blank owner, type or description keeps the stored value', () => {
    fc.assert(
      fc.property(directoryArb, fc.array(recordArb, { maxLength: 10 }), (current, records) => {
        const after = applyTeams(current, records);
        for (const [key, before] of current) {
          const next = after.get(key) as StoredTeam;
          if (before.type !== null) expect(next.type).not.toBeNull();
          if (before.ownerEmail !== null) expect(next.ownerEmail).not.toBeNull();
        }
      }),
      RUNS,
    );
  });

  it('R-TEN-02 a team created without an owner is owned by the tenant owner; R-CSV-14 a renamed team is a new team, the old one stays', () => {
    const current = new Map([['eng', stored('Eng', { type: 'Dept' })]]);
    const plan = planTeams(current, [{ rowNumber: 2, name: 'Engineering' }], CTX);
    expect(plan.operations).toEqual([
      { kind: 'create', ref: { rowNumber: 2 }, key: 'engineering', team: expect.objectContaining({ name: 'Engineering', ownerEmail: 'owner@acme.io', sourceDirectoryId: 'dir-1' }) },
    ]);
    expect(applyTeams(current, [{ rowNumber: 2, name: 'Engineering' }]).get('eng')).toEqual(current.get('eng'));
  });

  it('R-CSV-15 a team that names itself as parent is a row problem; the rest of the row applies', () => {
    const plan = planTeams(new Map(), [{ rowNumber: 3, name: 'Ops', parentName: 'OPS', type: 'Dept' }], CTX);
    expect(plan.operations[0]).toMatchObject({ kind: 'create', team: { type: 'Dept' } });
    expect(plan.parentLinks).toEqual([]);
    expect(plan.problems).toEqual([expect.objectContaining({ rowNumber: 3, field: 'Parent Team', code: 'SELF_PARENT' })]);
  });
});

const KEYS = ['a', 'b', 'c', 'd', 'e'];
const linkArb: fc.Arbitrary<ParentLink> = fc
  .tuple(fc.constantFrom(...KEYS), fc.constantFrom(...KEYS, 'new'), fc.integer({ min: 2, max: 40 }))
  .filter(([key, parentKey]) => key !== parentKey)
  .map(([key, parentKey, rowNumber]) => ({ rowNumber, key, name: key.toUpperCase(), parentKey, parentName: parentKey.toUpperCase() }));
/** A forest over KEYS: each key's parent has a smaller index, so the start is acyclic. */
const forestArb = fc.array(fc.option(fc.nat(4), { nil: null }), { minLength: KEYS.length, maxLength: KEYS.length }).map(
  (parents) => new Map(KEYS.map((key, i) => [key, parents[i] !== null && (parents[i] as number) < i ? (KEYS[parents[i] as number] as string) : null])),
);

function ancestorsCycle(parentOf: (key: string) => string | null, keys: readonly string[]): boolean {
  for (const start of keys) {
    const seen = new Set<string>();
    for (let key: string | null = start; key !== null; key = parentOf(key)) {
      if (seen.has(key)) return true;
      seen.add(key);
    }
  }
  return false;
}

describe('planTeamParents (R-CSV-08, R-CSV-15 team cycles)', () => {
  it('R-CSV-15 no team ever becomes its own ancestor, and every refused link would make one', () => {
    fc.assert(
      fc.property(forestArb, fc.array(linkArb, { maxLength: 12 }), (forest, links) => {
        const plan = planTeamParents(links, (key) => forest.has(key), (key) => forest.get(key) ?? null);
        const result = new Map(forest);
        for (const change of plan.setParent) result.set(change.key, change.parentKey);
        expect(ancestorsCycle((key) => result.get(key) ?? null, [...KEYS, 'new'])).toBe(false);
        for (const problem of plan.problems) {
          expect(problem.code).toBe('TEAM_CYCLE');
          const link = links.find((l) => l.rowNumber === problem.rowNumber && !plan.setParent.some((c) => c.key === l.key && c.parentKey === l.parentKey));
          expect(link).toBeDefined();
        }
      }),
      RUNS,
    );
  });

  it('R-CSV-08 a parent that does not exist is created once and linked', () => {
    const plan = planTeamParents(
      [
        { rowNumber: 2, key: 'a', name: 'A', parentKey: 'new', parentName: 'New Dept' },
        { rowNumber: 3, key: 'b', name: 'B', parentKey: 'new', parentName: 'NEW DEPT' },
      ],
      (key) => key !== 'new',
      () => null,
    );
    expect(plan.placeholders).toEqual([{ key: 'new', name: 'New Dept' }]);
    expect(plan.setParent.map((c) => [c.key, c.parentKey])).toEqual([
      ['a', 'new'],
      ['b', 'new'],
    ]);
  });

  it('R-CSV-15 a two-team loop in one file: the first link applies, the second is refused with the path', () => {
    const plan = planTeamParents(
      [
        { rowNumber: 2, key: 'a', name: 'A', parentKey: 'b', parentName: 'B' },
        { rowNumber: 3, key: 'b', name: 'B', parentKey: 'a', parentName: 'A' },
      ],
      () => true,
      () => null,
    );
    expect(plan.setParent).toEqual([{ key: 'a', parentKey: 'b', previousParentKey: null }]);
    expect(plan.problems).toEqual([expect.objectContaining({ rowNumber: 3, field: 'Parent Team', code: 'TEAM_CYCLE' })]);
    expect(plan.problems[0]?.message).toContain('b → a → b');
  });
});

describe('planMemberships (R-CSV-09, R-CSV-08)', () => {
  const teamKeys = fc.uniqueArray(fc.constantFrom('eng', 'ops', 'sales', 'new'), { maxLength: 4 });
  it('R-CSV-09 a listed user ends with exactly the listed teams through this directory; parents are not implied', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom('ann@x.io', 'bob@x.io', 'cy@x.io'), teamKeys),
        fc.array(fc.record({ email: fc.constantFrom('ann@x.io', 'bob@x.io'), teams: teamKeys }), { maxLength: 4 }),
        (currentRecord, wantedRaw) => {
          const current = new Map(Object.entries(currentRecord).map(([email, keys]) => [email, new Set(keys)]));
          const wanted = wantedRaw.map((w) => ({ email: w.email, teams: w.teams.map((key) => ({ key, name: key.toUpperCase() })) }));
          const plan = planMemberships(wanted, (email) => current.get(email) ?? new Set(), (key) => key !== 'new');
          const after = new Map([...current].map(([email, keys]) => [email, new Set<string>(keys)]));
          for (const { email, key } of plan.remove) after.get(email)?.delete(key);
          for (const { email, key } of plan.add) after.set(email, new Set([...(after.get(email) ?? []), key]));
          const firstWanted = new Map<string, string[]>();
          for (const w of wantedRaw) if (!firstWanted.has(w.email)) firstWanted.set(w.email, w.teams);
          for (const [email, keys] of firstWanted) expect([...(after.get(email) ?? [])].sort()).toEqual([...keys].sort());
          // cy is never listed: untouched.
          expect(after.get('cy@x.io')).toEqual(current.get('cy@x.io'));
          expect(plan.placeholders.map((p) => p.key)).toEqual([...firstWanted.values()].some((keys) => keys.includes('new')) ? ['new'] : []);
        },
      ),
      RUNS,
    );
  });
});
