import { waitFor } from '@roster/testing';
import { World, startWorld } from './support/world';

interface Summary {
  sequence: number;
  service: string;
  consumer: string;
  code: string;
  reason: string;
  deliveries: number;
  tenantId: string | null;
  original: { subject: string; stream: string; sequence: number; msgId: string | null };
}
interface Page {
  items: Summary[];
  nextAfterSequence: number | null;
}
interface Detail extends Summary {
  headers: Record<string, string[]>;
  payload: { encoding: string; json?: unknown; text?: string };
}
interface Redrive {
  sequence: number;
  outcome: 'redriven' | 'duplicate';
  republished: { subject: string; stream: string; sequence: number };
}

/**
 * R-OPS-02 end to end: the five services dead-letter malformed messages for real; an operator lists, inspects,
 * redrives and discards them through the admin API, tenant by tenant or across tenants, and /metrics counts them.
 */
describe('dead letters through the admin API', () => {
  let world: World;
  let acme: string;
  let globex: string;

  beforeAll(async () => {
    world = await startWorld('e2e_dlq', { sftp: false, logLevel: 'info' });
    acme = await world.createTenant('Acme');
    globex = await world.createTenant('Globex');
  }, 120_000);

  afterAll(async () => {
    await world?.stop();
  }, 60_000);

  const api = <T>(method: string, path: string, body?: unknown) => world.platform.api<T>(method, path, body);
  const tenantList = async (tenantId: string, query = '') => (await api<Page>('GET', `/v1/tenants/${tenantId}/dead-letters${query}`)).body.items;
  const badRunFinished = (tenantId: string) =>
    JSON.stringify({
      specversion: '1.0',
      id: `bad-run-finished-${tenantId}`,
      source: 'e2e',
      type: 'io.roster.runs.run.finished.v1',
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      tenantid: tenantId,
      data: { runId: 'nope' },
    });

  it('R-OPS-02 lists the dead letters of each tenant, filtered by service, consumer, subject and code, and across tenants for operators', async () => {
    const js = world.nc.jetstream();
    // A contract violation goes straight to the DLQ: run.finished reaches directory-config, notifier and
    // connector-gateway (three dead letters), a records batch that is not JSON reaches the reconciler.
    await js.publish(`roster.runs.${acme}.run.finished.v1`, Buffer.from(badRunFinished(acme)));
    await js.publish(`roster.records.${acme}.batch.v1`, Buffer.from('not json at all'));
    await js.publish(`roster.records.${globex}.batch.v1`, Buffer.from('{"half":'));
    await waitFor(async () => (await tenantList(acme)).length === 4 && (await tenantList(globex)).length === 1, {
      timeoutMs: 20_000,
      description: 'four dead letters of Acme and one of Globex',
    });

    const items = await tenantList(acme);
    expect(items.map((d) => `${d.consumer} ${d.code}`).sort()).toEqual([
      'connector-gateway-run-finished BAD_PAYLOAD',
      'directory-config-run-lifecycle BAD_PAYLOAD',
      'notifier-run-finished BAD_PAYLOAD',
      'reconciler-records NOT_JSON',
    ]);
    expect(items.every((d) => d.tenantId === acme && d.deliveries === 1)).toBe(true);
    expect((await tenantList(acme, '?service=reconciler')).map((d) => d.consumer)).toEqual(['reconciler-records']);
    expect((await tenantList(acme, '?consumer=notifier-run-finished')).map((d) => d.code)).toEqual(['BAD_PAYLOAD']);
    expect(await tenantList(acme, `?subject=roster.runs.${acme}.>&code=BAD_PAYLOAD`)).toHaveLength(3);
    expect(await tenantList(acme, '?code=MAX_DELIVERIES')).toEqual([]);
    const paged = await api<Page>('GET', `/v1/tenants/${acme}/dead-letters?limit=2`);
    expect(paged.body.items).toHaveLength(2);
    expect((await tenantList(acme, `?afterSequence=${paged.body.nextAfterSequence}`)).map((d) => d.sequence)).toEqual([items[2].sequence, items[3].sequence]);

    // Operators see every tenant, and can narrow to one.
    const all = await api<Page>('GET', '/v1/dead-letters?code=NOT_JSON');
    expect(all.body.items.map((d) => d.tenantId).sort()).toEqual([acme, globex].sort());
    expect((await api<Page>('GET', `/v1/dead-letters?tenantId=${globex}`)).body.items).toHaveLength(1);

    expect((await api<{ code: string }>('GET', '/v1/dead-letters?limit=9999')).body.code).toBe('VALIDATION_FAILED');
    expect((await api<{ code: string }>('GET', '/v1/tenants/00000000-0000-4000-8000-000000000000/dead-letters')).body.code).toBe('TENANT_NOT_FOUND');
    const unauthenticated = await fetch(`${world.platform.apiUrl}/v1/dead-letters`);
    expect(unauthenticated.status).toBe(401);
  }, 60_000);

  it('R-OPS-02 R-TEN-01 inspects a dead letter: payload, headers, error and origin; another tenant gets 404', async () => {
    const [d] = await tenantList(acme, '?consumer=notifier-run-finished');
    const res = await api<Detail>('GET', `/v1/tenants/${acme}/dead-letters/${d.sequence}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      sequence: d.sequence,
      service: 'notifier',
      consumer: 'notifier-run-finished',
      code: 'BAD_PAYLOAD',
      deliveries: 1,
      tenantId: acme,
      original: { subject: `roster.runs.${acme}.run.finished.v1`, stream: 'ROSTER_RUNS' },
      payload: { encoding: 'json', json: { id: `bad-run-finished-${acme}`, data: { runId: 'nope' } } },
    });
    expect(res.body.reason).toMatch(/invalid io\.roster\.runs\.run\.finished\.v1 payload: runId/);
    expect(res.body.original.sequence).toBeGreaterThan(0);
    const [bad] = await tenantList(acme, '?code=NOT_JSON');
    expect((await api<Detail>('GET', `/v1/dead-letters/${bad.sequence}`)).body.payload).toEqual({ encoding: 'text', text: 'not json at all' });

    const foreign = await api<{ code: string }>('GET', `/v1/tenants/${globex}/dead-letters/${d.sequence}`);
    expect(foreign.status).toBe(404);
    expect(foreign.body.code).toBe('DEAD_LETTER_NOT_FOUND');
    expect((await api('POST', `/v1/tenants/${globex}/dead-letters/${d.sequence}/redrive`)).status).toBe(404);
    expect((await api('GET', '/v1/dead-letters/abc')).status).toBe(400);
  });

  it('R-OPS-02 redrive re-publishes to the original subject: the consumer gets it again; a second redrive is a no-op', async () => {
    const [bad] = await tenantList(acme, '?code=NOT_JSON');
    const lastRecord = async () => (await (await world.nc.jetstreamManager()).streams.info('ROSTER_RECORDS')).state.last_seq;
    const before = await lastRecord();
    const first = await api<Redrive>('POST', `/v1/tenants/${acme}/dead-letters/${bad.sequence}/redrive`);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      sequence: bad.sequence,
      outcome: 'redriven',
      republished: { subject: `roster.records.${acme}.batch.v1`, stream: 'ROSTER_RECORDS' },
    });
    expect(first.body.republished.sequence).toBe(before + 1);
    // Still not JSON, so the reconciler dead-letters the redriven copy: proof it was delivered again.
    const again = await waitFor(
      async () => (await tenantList(acme, '?code=NOT_JSON')).find((d) => d.original.sequence === first.body.republished.sequence),
      { timeoutMs: 15_000, description: 'the redriven message dead-lettered again' },
    );
    const detail = await api<Detail>('GET', `/v1/tenants/${acme}/dead-letters/${again.sequence}`);
    expect(detail.body.headers['Roster-Redrive-Of']).toEqual([String(bad.sequence)]);

    const second = await api<{ code: string }>('POST', `/v1/tenants/${acme}/dead-letters/${bad.sequence}/redrive`);
    expect(second.status).toBe(404);
    expect(second.body.code).toBe('DEAD_LETTER_NOT_FOUND');
    expect(await lastRecord()).toBe(first.body.republished.sequence);
  }, 40_000);

  it('R-OPS-02 redrives every dead letter matching a filter: one re-publish for a message three consumers gave up on', async () => {
    const res = await api<{ redriven: Redrive[]; failed: unknown[]; more: boolean }>('POST', `/v1/tenants/${acme}/dead-letters/redrive`, {
      subject: 'roster.runs.*.run.finished.v1',
    });
    expect(res.status).toBe(200);
    expect(res.body.failed).toEqual([]);
    expect(res.body.more).toBe(false);
    expect(res.body.redriven.map((r) => r.outcome).sort()).toEqual(['duplicate', 'duplicate', 'redriven']);
    expect(new Set(res.body.redriven.map((r) => r.republished.sequence)).size).toBe(1);
    // All three consumers fail on the one copy again.
    await waitFor(
      async () => (await tenantList(acme, '?code=BAD_PAYLOAD')).filter((d) => d.original.sequence === res.body.redriven[0].republished.sequence).length === 3,
      { timeoutMs: 15_000, description: 'every consumer dead-letters the redriven run.finished' },
    );
  }, 40_000);

  it('R-OPS-02 discards a dead letter with a reason: gone, and the reason is in the log', async () => {
    const [d] = await tenantList(globex);
    expect((await api<{ code: string }>('POST', `/v1/tenants/${globex}/dead-letters/${d.sequence}/discard`, {})).body.code).toBe('VALIDATION_FAILED');
    const res = await api('POST', `/v1/tenants/${globex}/dead-letters/${d.sequence}/discard`, { reason: 'half a message from a test publisher' });
    expect(res).toEqual({
      status: 200,
      body: {
        sequence: d.sequence,
        consumer: 'reconciler-records',
        code: 'NOT_JSON',
        originalSubject: `roster.records.${globex}.batch.v1`,
        reason: 'half a message from a test publisher',
        discarded: true,
      },
    });
    expect(await tenantList(globex)).toEqual([]);
    expect((await api('GET', `/v1/dead-letters/${d.sequence}`)).status).toBe(404);
    await waitFor(() => /dead letter discarded/.test(world.platform.services['directory-config'].process.output()), {
      timeoutMs: 5000,
      description: 'the discard logged',
    });
    const line = world.platform.services['directory-config'].process
      .output()
      .split('\n')
      .find((l) => l.includes('dead letter discarded'));
    expect(JSON.parse(line!)).toMatchObject({ reason: 'half a message from a test publisher', sequence: d.sequence, consumer: 'reconciler-records', tenantId: globex });
  });

  it('R-OPS-02 R-OPS-03 dead letters are metered: dead-lettered per consumer and code, stored per consumer, resolved per action', async () => {
    const reconciler = await (await fetch(`http://127.0.0.1:${world.platform.services.reconciler.port}/metrics`)).text();
    // Acme's and Globex's batches, and the redriven one.
    expect(reconciler).toMatch(/roster_dead_letters_total\{consumer="reconciler-records",code="NOT_JSON",service="reconciler"\} 3/);
    const metrics = await (await fetch(`http://127.0.0.1:${world.platform.services['directory-config'].port}/metrics`)).text();
    expect(metrics).toMatch(/roster_dead_letters_stored\{consumer="reconciler-records",service="directory-config"\} 1/);
    expect(metrics).toMatch(/roster_dead_letters_stored\{consumer="notifier-run-finished",service="directory-config"\} 1/);
    expect(metrics).toMatch(/roster_dead_letters_resolved_total\{consumer="reconciler-records",action="discarded",service="directory-config"\} 1/);
    expect(metrics).toMatch(/roster_dead_letters_resolved_total\{consumer="reconciler-records",action="redriven",service="directory-config"\} 1/);
  });

  it('R-OPS-02 the OpenAPI document lists the dead-letter routes', async () => {
    const doc = (await (await fetch(`${world.platform.apiUrl}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/dead-letters',
        '/v1/dead-letters/{sequence}',
        '/v1/dead-letters/{sequence}/redrive',
        '/v1/dead-letters/redrive',
        '/v1/dead-letters/{sequence}/discard',
        '/v1/tenants/{tenantId}/dead-letters',
        '/v1/tenants/{tenantId}/dead-letters/{sequence}/discard',
      ]),
    );
  });
});
