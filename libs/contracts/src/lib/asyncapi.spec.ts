import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildAsyncApiDocument } from './asyncapi';
import { Events, filterOf, subjectOf } from './contracts';
import { createEnvelope } from './envelope';
import { ContractViolation, parseEvent } from './parse';

describe('contracts', () => {
  it('R-EVT-01 the committed AsyncAPI document is the one generated from the zod schemas (no drift)', () => {
    const committed = JSON.parse(readFileSync(join(__dirname, '../../../../docs/asyncapi.json'), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(buildAsyncApiDocument())));
  });

  it('R-EVT-01 lists every subject on the bus, versioned and lower-case', () => {
    const doc = buildAsyncApiDocument();
    const addresses = Object.values(doc.channels).map((c) => (c as { address: string }).address);
    expect(addresses.sort()).toEqual(Object.values(Events).map((e) => e.subject).sort());
    for (const a of addresses) expect(a).toMatch(/^roster(\.([a-z-]+|\{[a-zA-Z]+\}))+\.v\d+$/);
  });

  it('R-TEN-01 puts the tenant in every subject and refuses tokens that would widen it', () => {
    expect(subjectOf('user.created', { tenant: 't-1' })).toBe('roster.directory.t-1.user.created.v1');
    expect(() => subjectOf('user.created', { tenant: 't.*' })).toThrow(/single subject token/);
    expect(() => subjectOf('user.created', { tenant: '>' })).toThrow(/single subject token/);
    expect(filterOf('sync.requested', { directoryType: 'sftp-csv' })).toBe('roster.runs.*.sftp-csv.sync.requested.v1');
  });

  it('R-SAFE-02 parses a valid event and names the field of an invalid one', () => {
    const good = createEnvelope({
      type: Events['run.progress'].type,
      source: 'test',
      tenantId: 't',
      data: { runId: '00000000-0000-4000-8000-000000000001', directoryId: '00000000-0000-4000-8000-000000000002', status: 'fetching' },
    });
    expect(parseEvent(JSON.stringify(good)).name).toBe('run.progress');
    const bad = { ...good, data: { ...good.data, status: 'dancing' } };
    expect(() => parseEvent(JSON.stringify(bad))).toThrow(ContractViolation);
    expect(() => parseEvent(JSON.stringify(bad))).toThrow(/status/);
    expect(() => parseEvent('{')).toThrow(/not JSON/);
    expect(() => parseEvent(JSON.stringify({ ...good, type: 'io.roster.nope.v1' }))).toThrow(/unknown event type/);
    // Bytes as the NATS client hands them: a view into a larger read buffer, other messages' bytes around it.
    const text = JSON.stringify({ ...good, data: { ...good.data, status: 'reconciling' } });
    const read = Buffer.from(`}{"junk": 1}${text}{"more":`);
    const view = new Uint8Array(read.buffer, read.byteOffset + 12, Buffer.byteLength(text));
    expect(parseEvent(view).event.data).toEqual({ ...good.data, status: 'reconciling' });
  });
});
