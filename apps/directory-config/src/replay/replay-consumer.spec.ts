import type { ConsumerInfo } from 'nats';
import { ReplayRequest, consumerConfigOf, differences, replayFilter, replayName, replayRecordOf } from './replay-consumer';

const T = '7e1a0000-0000-4000-8000-0000000000a1';
const OTHER = '7e1a0000-0000-4000-8000-0000000000b2';

const request = (o: Partial<ReplayRequest> = {}): ReplayRequest => ({
  stream: 'ROSTER_DIRECTORY',
  name: 'replay-follow',
  durable: true,
  filterSubject: `roster.directory.${T}.>`,
  tenantId: T,
  startTime: new Date('2026-11-25T10:00:00.000Z'),
  startSequence: null,
  endTime: new Date('2026-11-25T11:00:00.000Z'),
  endSequence: null,
  inactiveSeconds: 300,
  ...o,
});

/** What the server answers for a consumer created from `r`, with the end resolved to `endSequence`. */
const infoOf = (r: ReplayRequest, endSequence: number | null): ConsumerInfo => {
  const config = consumerConfigOf({ ...r, endSequence });
  return { name: r.name, stream_name: r.stream, config } as unknown as ConsumerInfo;
};

describe('replay consumers (R-OPS-01)', () => {
  it('R-OPS-01 names replay consumers replay-…, so they cannot collide with service durables', () => {
    expect(replayName('follow')).toBe('replay-follow');
    expect(replayName('replay-follow')).toBe('replay-follow');
  });

  it('R-OPS-01 R-TEN-01 keeps a filter within its stream and pins a tenant’s to the tenant', () => {
    expect(replayFilter('ROSTER_DIRECTORY', undefined, null)).toBe('roster.directory.>');
    expect(replayFilter('ROSTER_DIRECTORY', undefined, T)).toBe(`roster.directory.${T}.>`);
    expect(replayFilter('ROSTER_DIRECTORY', 'roster.directory.>', T)).toBe(`roster.directory.${T}.>`);
    expect(replayFilter('ROSTER_DIRECTORY', 'roster.directory.*.user.created.v1', T)).toBe(`roster.directory.${T}.user.created.v1`);
    expect(replayFilter('ROSTER_RECORDS', `roster.records.${T.toUpperCase()}.batch.v1`, T)).toBe(`roster.records.${T}.batch.v1`);
    expect(replayFilter('ROSTER_RUNS', 'roster.runs.*.run.>', null)).toBe('roster.runs.*.run.>');
    expect(() => replayFilter('ROSTER_DIRECTORY', `roster.directory.${OTHER}.>`, T)).toThrow(/another tenant/);
    expect(() => replayFilter('ROSTER_RUNS', 'roster.directory.>', null)).toThrow(/not a subject of ROSTER_RUNS/);
    expect(() => replayFilter('ROSTER_INBOUND', 'roster.*.>', null)).toThrow(/not a subject of ROSTER_INBOUND/);
    expect(() => replayFilter('ROSTER_INBOUND', 'roster.inbound', null)).toThrow(/not a subject of ROSTER_INBOUND/);
    expect(() => replayFilter('ROSTER_INBOUND', 'roster.inbound.>.x', null)).toThrow(/not a NATS subject/);
    expect(() => replayFilter('ROSTER_INBOUND', 'roster inbound', null)).toThrow(/not a NATS subject/);
  });

  it('R-OPS-01 records the parameters in the description and finds the same request the same (end compared as asked)', () => {
    const r = request();
    const info = infoOf(r, 42);
    const record = replayRecordOf(info);
    expect(record).toEqual({ tenantId: T, startTime: '2026-11-25T10:00:00.000Z', startSequence: null, endTime: '2026-11-25T11:00:00.000Z', endSequence: 42 });
    expect(info.config).toMatchObject({ durable_name: 'replay-follow', ack_policy: 'explicit', deliver_policy: 'by_start_time', opt_start_time: '2026-11-25T10:00:00.000Z' });
    // The same request again: its end time resolves anew only on create, so it is the same consumer.
    expect(differences(info, record!, request())).toEqual([]);
    expect(differences(info, record!, request({ startTime: new Date(0) }))).toEqual([expect.stringMatching(/^startTime/)]);
    expect(differences(info, record!, request({ endTime: null, endSequence: 42 }))).toEqual([expect.stringMatching(/^endTime/)]);
    expect(differences(info, record!, request({ durable: false }))).toEqual([expect.stringMatching(/^durable/)]);
    expect(differences(info, record!, request({ filterSubject: `roster.directory.${T}.user.>` }))).toEqual([expect.stringMatching(/^filterSubject/)]);
  });

  it('R-OPS-01 ephemeral consumers expire when unused; consumers that are not replays are not read as replays', () => {
    const config = consumerConfigOf(request({ durable: false, startTime: null, startSequence: 7, inactiveSeconds: 60 }));
    expect(config.durable_name).toBeUndefined();
    expect(config).toMatchObject({ name: 'replay-follow', inactive_threshold: 60e9, deliver_policy: 'by_start_sequence', opt_start_seq: 7 });
    expect(replayRecordOf({ name: 'directory-config-run-lifecycle', config: {} } as unknown as ConsumerInfo)).toBeUndefined();
    expect(replayRecordOf({ name: 'replay-x', config: { description: 'made by hand' } } as unknown as ConsumerInfo)).toBeUndefined();
  });
});
