import fc from 'fast-check';
import { World, startWorld } from './support/world';

/** Keys the admin API knows, so generated bodies reach deep into the schemas, not only their first check. */
const KEYS = ['name', 'type', 'sftp', 'hris', 'policy', 'recipients', 'schedule', 'enabled', 'dateFormat', 'headerMapping', 'host', 'port', 'password', 'folder', 'orphans', 'safeguard', 'role', 'tenantId', 'ownerEmail'];
const body = fc.oneof(
  fc.jsonValue(),
  fc.dictionary(fc.constantFrom(...KEYS), fc.oneof(fc.jsonValue(), fc.dictionary(fc.constantFrom(...KEYS), fc.jsonValue(), { maxKeys: 4 })), { maxKeys: 6 }),
);
const CASES = 1000;

/**
 * Hostile input through the running admin API (issue 8, R-SAFE-02): 1000 generated bodies for each write route
 * that takes one. Every answer is a clear refusal (400 with the field and the reason) or a success, never a 500;
 * a refused request changes nothing stored.
 */
describe('admin API against hostile bodies (R-SAFE-02)', () => {
  let world: World;
  let tenantId: string;
  let directoryId: string;

  beforeAll(async () => {
    world = await startWorld('e2e_hostile', { sftp: false, env: { ROSTER_API_RATE_BURST: '100000', ROSTER_API_RATE_PER_SECOND: '100000' } });
    tenantId = await world.createTenant('Hostile Co');
    directoryId = (await world.platform.api<{ id: string }>('POST', `/v1/tenants/${tenantId}/directories`, { name: 'Events', type: 'event' })).body.id;
  }, 120_000);

  afterAll(async () => {
    await world?.stop();
  }, 60_000);

  const send = async (method: string, path: string, payload: unknown) => {
    const res = await fetch(`${world.platform.apiUrl}${path}`, {
      method,
      headers: { 'x-api-key': world.platform.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
    return { status: res.status, body: (await res.json()) as { code?: string; message?: string; details?: { path: string; message: string }[] } };
  };

  type Answer = Awaited<ReturnType<typeof send>>;
  /** A refusal names the problem: a code, a message, and for validation the field(s) and why. */
  const isClearRefusal = ({ status, body: b }: Answer) =>
    status < 500 &&
    typeof b.code === 'string' &&
    typeof b.message === 'string' &&
    (b.code !== 'VALIDATION_FAILED' || ((b.details?.length ?? 0) > 0 && (b.details ?? []).every((d) => typeof d.path === 'string' && typeof d.message === 'string')));
  const unclear: { payload: unknown; answer: Answer }[] = [];
  const expectClearRefusal = (answer: Answer, payload: unknown) => {
    if (!isClearRefusal(answer)) unclear.push({ payload, answer });
  };
  afterEach(() => {
    expect(unclear.splice(0, 5)).toEqual([]);
    unclear.length = 0;
  });

  it(`R-SAFE-02 ${CASES} generated directory bodies: created or clearly refused, never a 500; refusals store nothing`, async () => {
    let created = 0;
    for (const payload of fc.sample(body, { numRuns: CASES, seed: 42 })) {
      const answer = await send('POST', `/v1/tenants/${tenantId}/directories`, payload);
      if (answer.status === 201) created++;
      else expectClearRefusal(answer, payload);
    }
    const list = await world.platform.api<unknown[]>('GET', `/v1/tenants/${tenantId}/directories`);
    expect(list.body).toHaveLength(1 + created);
  }, 180_000);

  it(`R-SAFE-02 ${CASES} generated directory changes: applied or clearly refused; a refused change leaves the directory as it was`, async () => {
    const read = async () => (await world.platform.api('GET', `/v1/tenants/${tenantId}/directories/${directoryId}`)).body;
    let before = await read();
    for (const payload of fc.sample(body, { numRuns: CASES, seed: 7 })) {
      const answer = await send('PATCH', `/v1/tenants/${tenantId}/directories/${directoryId}`, payload);
      if (answer.status === 200) {
        before = await read();
        continue;
      }
      expectClearRefusal(answer, payload);
      expect(await read()).toEqual(before);
    }
  }, 180_000);

  it(`R-SAFE-02 ${CASES} generated tenant and API key bodies: created or clearly refused, never a 500`, async () => {
    for (const payload of fc.sample(body, { numRuns: CASES, seed: 3 })) {
      for (const path of ['/v1/tenants', '/v1/api-keys']) {
        const answer = await send('POST', path, payload);
        if (answer.status !== 201) expectClearRefusal(answer, payload);
      }
    }
    for (const s of Object.values(world.platform.services)) expect(s.process.isRunning()).toBe(true);
  }, 180_000);
});
