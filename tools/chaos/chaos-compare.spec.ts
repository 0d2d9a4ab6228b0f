import { DirectoryDump, diffDumps, replaceIds, stableJson } from './directory-dump';
import { EventProjection, EventTally, canonicalEvent, compareEvents, compareProjections, foldProjection, projectEvent } from './event-ledger';
import { DEFAULT_FAULTS, EVENT_DEFAULT_FAULTS, FAULT_KINDS, HRIS_DEFAULT_FAULTS, parseFaultSpec, planFaults } from './faults';
import { inboundEvents } from './inbound-events';
import { parseChaosArgs } from './options';

const U1 = '11111111-1111-4111-8111-111111111111';
const U2 = '22222222-2222-4222-8222-222222222222';
const T1 = '33333333-3333-4333-8333-333333333333';

function dump(lines: string[]): DirectoryDump {
  const sorted = [...lines].sort();
  return { lines: sorted, digest: sorted.join('\n'), counts: { users: 0, teams: 0, memberships: 0, customFields: 0, groups: 0, groupMembers: 0, problems: 0 }, ids: new Map() };
}

function tally(changes: [string, number][]): EventTally {
  return {
    delivered: 0,
    uniqueIds: 0,
    repeatedIds: 0,
    violations: 0,
    byType: {},
    changes: new Map(changes.map(([key, ids]) => [key, { ids, label: key }])),
  };
}

describe('chaos comparisons', () => {
  it('stableJson is independent of key order and leaves undefined out', () => {
    expect(stableJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: undefined } })).toBe(stableJson({ a: { d: [1, { e: 3, f: 2 }] }, b: 1 }));
  });

  it('replaceIds turns every id into the key it stands for, in strings and structures, and marks unknown ones', () => {
    const ids = new Map([
      [U1, 'user:ada@example.com'],
      [T1, 'team:platform'],
    ]);
    expect(replaceIds({ userId: U1, teams: [T1], note: `moved ${U1.toUpperCase()}`, other: U2, n: 3 }, ids)).toEqual({
      userId: 'user:ada@example.com',
      teams: ['team:platform'],
      note: 'moved user:ada@example.com',
      other: 'uuid:?',
      n: 3,
    });
  });

  it('canonical events of two tenants are equal when only their ids differ', () => {
    const a = canonicalEvent('user.created', { runId: U2, user: { userId: U1, managerUserId: null, email: 'ada@example.com' } }, new Map([[U1, 'user:ada@example.com'], [U2, 'run']]));
    const b = canonicalEvent('user.created', { user: { email: 'ada@example.com', managerUserId: null, userId: T1 }, runId: U1 }, new Map([[T1, 'user:ada@example.com'], [U1, 'run']]));
    expect(a).toBe(b);
  });

  it('diffDumps reports the lines only one side has, by kind', () => {
    const d = diffDumps(dump(['user a {}', 'user b {}', 'team x {}']), dump(['user a {}', 'user b {"x":1}', 'team x {}', 'membership x a directory']));
    expect(d.equal).toBe(false);
    expect(d.missing).toEqual({ user: 1 });
    expect(d.extra).toEqual({ user: 1, membership: 1 });
    expect(diffDumps(dump(['user a {}']), dump(['user a {}'])).equal).toBe(true);
  });

  it('compareEvents: a change missing is a gap, the same change under more ids a duplicate, a change not in the reference unexpected', () => {
    const reference = tally([['created a', 1], ['created b', 1], ['member a x', 1]]);
    expect(compareEvents(reference, tally([['created a', 1], ['created b', 1], ['member a x', 1]]))).toMatchObject({ gaps: 0, duplicates: 0, unexpected: 0 });
    expect(compareEvents(reference, tally([['created a', 2], ['member a x', 1], ['created c', 1]]))).toMatchObject({ gaps: 1, duplicates: 1, unexpected: 1 });
  });

  it('planFaults rotates through the faults at seeded moments inside their windows, the same for the same seed', () => {
    const o = { rounds: 2 * DEFAULT_FAULTS.length, faults: DEFAULT_FAULTS, seed: 3, windowsMs: { random: 10_000, fetching: 2000, publishing: 500, completed: 0, archived: 0, batch: 0, accepting: 0 }, maxDownMs: 2000 };
    const plan = planFaults(o);
    expect(plan.map((p) => p.kind)).toEqual([...DEFAULT_FAULTS, ...DEFAULT_FAULTS].map((f) => f.kind));
    expect(plan.filter((p) => p.at === 'random').every((p) => p.delayMs >= 0 && p.delayMs < 10_000)).toBe(true);
    expect(plan.filter((p) => p.at === 'fetching').every((p) => p.delayMs >= 0 && p.delayMs < 2000)).toBe(true);
    expect(plan.filter((p) => p.at === 'publishing').every((p) => p.delayMs >= 0 && p.delayMs < 500)).toBe(true);
    expect(plan.every((p) => p.downMs >= 0 && p.downMs <= 2000)).toBe(true);
    expect(planFaults(o)).toEqual(plan);
    expect(planFaults({ ...o, seed: 4 })).not.toEqual(plan);
  });

  it('every kind is in the default rotation; a fault is written kind[@random|@fetching|@publishing]', () => {
    expect(new Set(DEFAULT_FAULTS.map((f) => f.kind))).toEqual(new Set(FAULT_KINDS));
    expect(parseFaultSpec('nats@publishing')).toEqual({ kind: 'nats', at: 'publishing' });
    expect(parseFaultSpec('reconciler')).toEqual({ kind: 'reconciler', at: 'random' });
    expect(parseFaultSpec('file-ingest@completed')).toEqual({ kind: 'file-ingest', at: 'completed' });
    expect(() => parseFaultSpec('redis')).toThrow(/unknown fault/);
    expect(parseFaultSpec('file-ingest@fetching')).toEqual({ kind: 'file-ingest', at: 'fetching' });
    expect(() => parseFaultSpec('nats@dawn')).toThrow(/unknown fault/);
  });
});

describe('chaos options', () => {
  it('--source hris rotates through the HR-API faults (connector-gateway while fetching and at its completion) and refuses @archived', () => {
    const hris = parseChaosArgs(['--source', 'hris', '--rows', '2000'], '/repo');
    expect(hris.source).toBe('hris');
    expect(hris.faults).toEqual([...HRIS_DEFAULT_FAULTS]);
    expect(hris.faults).toContainEqual({ kind: 'connector-gateway', at: 'fetching' });
    expect(hris.faults).toContainEqual({ kind: 'connector-gateway', at: 'batch' });
    expect(hris.faults.some((f) => f.at === 'archived')).toBe(false);
    expect(() => parseChaosArgs(['--source', 'hris', '--faults', 'file-ingest@archived'], '/repo')).toThrow(/@archived strikes a file source/);
    expect(parseChaosArgs([], '/repo')).toMatchObject({ source: 'csv', faults: [...DEFAULT_FAULTS] });
    expect(() => parseChaosArgs(['--source', 'ldap'], '/repo')).toThrow(/--source must be one of csv, hris/);
  });

  it('--source event rotates through the event-directory faults (directory-config while accepting) and refuses @fetching and @archived', () => {
    const ev = parseChaosArgs(['--source', 'event', '--rows', '2000', '--event-rate', '500'], '/repo');
    expect(ev).toMatchObject({ source: 'event', rows: 2000, eventRate: 500, faults: [...EVENT_DEFAULT_FAULTS] });
    expect(ev.faults).toContainEqual({ kind: 'directory-config', at: 'accepting' });
    expect(() => parseChaosArgs(['--source', 'event', '--faults', 'reconciler@fetching'], '/repo')).toThrow(/@fetching strikes one run/);
    expect(() => parseChaosArgs(['--source', 'event', '--faults', 'file-ingest@archived'], '/repo')).toThrow(/@archived strikes a file source/);
    expect(() => parseChaosArgs(['--faults', 'directory-config@accepting'], '/repo')).toThrow(/@accepting strikes an event directory/);
  });
});

describe('chaos inbound events', () => {
  it('upserts every person before their update or termination, managers before their reports, ids unique', () => {
    const events = inboundEvents(2000);
    expect(events).toHaveLength(2000);
    expect(new Set(events.map((e) => e.id)).size).toBe(2000);
    const firstSeen = new Map<string, number>();
    events.forEach((e, n) => {
      const email = e.kind === 'upserted' ? e.data.employee.email : e.data.email;
      if (!firstSeen.has(email)) {
        expect(e.kind).toBe('upserted');
        firstSeen.set(email, n);
      }
      if (e.kind === 'upserted' && e.data.employee.managerEmail?.endsWith('@example.com') && e.id.startsWith('chaos-up-')) {
        expect(firstSeen.get(e.data.employee.managerEmail)).toBeLessThan(n);
      }
    });
    expect(events.filter((e) => e.kind === 'terminated').length).toBeGreaterThan(100);
    expect(events.filter((e) => e.id.startsWith('chaos-change-')).length).toBeGreaterThan(100);
  });
});

describe('chaos event projection', () => {
  const ids = new Map([[U1, 'user:ada@x'], [T1, 'team:core']]);
  const user = (title: string) => ({ userId: U1, email: 'ada@x', profile: { jobTitle: title } });
  /** The events as a consumer folds them, `seqs` their stream sequences (default: delivered in stream order). */
  const project = (events: [string, unknown][], seqs?: number[]): EventProjection =>
    foldProjection(events.map(([name, data], i) => ({ seq: seqs?.[i] ?? i + 1, label: name, ...projectEvent(name, data, ids) })));

  it('folds in stream order whatever the delivery order: a user.created redelivered after its user.updated is not the end state', () => {
    const created: [string, unknown] = ['user.created', { runId: U2, user: user('Dev') }];
    const updated: [string, unknown] = ['user.updated', { runId: U2, user: user('Lead'), changes: { jobTitle: { from: 'Dev', to: 'Lead' } } }];
    const inOrder = project([created, updated]);
    expect(compareProjections(inOrder, project([updated, created], [2, 1]))).toMatchObject({ gaps: 0, duplicates: 0, unexpected: 0 });
    // Without the sequences (folded as delivered) it would end on the creation: the gap CI saw.
    expect(compareProjections(inOrder, project([updated, created]))).toMatchObject({ gaps: 1 });
  });

  it('the same end state cut into other runs compares equal; a stale last change is a gap, a repeat a duplicate', () => {
    const reference = project([['user.created', { runId: U2, user: user('Dev') }], ['user.updated', { runId: U2, user: user('Lead'), changes: { jobTitle: { from: 'Dev', to: 'Lead' } } }]]);
    const merged = project([['user.created', { runId: U2, user: user('Lead') }], ['membership.added', { runId: U2, teamId: T1, userId: U1 }]]);
    expect(compareProjections(reference, merged)).toMatchObject({ gaps: 0, duplicates: 0, unexpected: 1 });
    const stale = project([['user.created', { runId: U2, user: user('Lead') }], ['user.updated', { runId: U2, user: user('Dev'), changes: { jobTitle: { from: 'Lead', to: 'Dev' } } }]]);
    expect(compareProjections(reference, stale)).toMatchObject({ gaps: 1, duplicates: 0, unexpected: 0 });
    // The report says which field the stale change left behind, not two payloads cut short.
    expect(compareProjections(reference, stale).samples).toEqual([expect.stringMatching(/^stale: user\.updated: 1 field\(s\) differ — profile\.jobTitle: reference "Lead", got "Dev"$/)]);
    const twice = project([['user.created', { runId: U2, user: user('Dev') }], ['user.created', { runId: U1, user: user('Dev') }], ['user.updated', { user: user('Lead'), changes: {} }]]);
    expect(compareProjections(reference, twice)).toMatchObject({ gaps: 0, duplicates: 1 });
  });
});

