import { randomBytes, randomUUID } from 'node:crypto';
import { HrisEmulator, startHrisEmulator, waitFor } from '@roster/testing';
import { World, hrisEmulatorEnv, startWorld } from './support/world';

type Method = 'get' | 'post' | 'patch' | 'delete';
interface Call {
  status: number;
  body: { code?: string; message?: string } & Record<string, unknown>;
  headers: Headers;
}
interface JsonSchema {
  type?: string;
  format?: string;
  enum?: unknown[];
  minLength?: number;
  minimum?: number;
  required?: string[];
  properties?: Record<string, JsonSchema>;
}
interface Operation {
  'x-roster-access'?: string;
  parameters?: { name: string; in: string; schema: JsonSchema }[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
}
interface Route {
  method: Method;
  path: string;
  op: Operation;
}

/** Every operation of the served OpenAPI document. */
async function documentedRoutes(apiUrl: string): Promise<Route[]> {
  const doc = (await (await fetch(`${apiUrl}/openapi.json`)).json()) as { paths: Record<string, Partial<Record<Method, Operation>>> };
  return Object.entries(doc.paths).flatMap(([path, ops]) => (Object.entries(ops) as [Method, Operation][]).map(([method, op]) => ({ method, path, op })));
}

/** The smallest body the document's schema accepts: its required fields, each at its smallest (none: no body). */
function minimalBody(route: Route): Record<string, unknown> | undefined {
  const schema = route.op.requestBody?.content['application/json']?.schema;
  if (!schema) return route.method === 'get' || route.method === 'delete' ? undefined : {};
  const value = (s: JsonSchema): unknown =>
    s.enum ? s.enum[0] : s.type === 'string' ? 'x'.repeat(Math.max(s.minLength ?? 1, 8)) : s.type === 'integer' || s.type === 'number' ? (s.minimum ?? 1) : s.type === 'boolean' ? false : {};
  return Object.fromEntries((schema.required ?? []).map((name) => [name, value(schema.properties?.[name] ?? {})]));
}

/**
 * R-SEC-02 and R-TEN-01 through the running admin API: every route of the OpenAPI document is tried with a
 * tenant admin's and a read-only key of tenant A against tenant B (and against the operator-wide routes), and
 * every id route inside tenant A's own path with tenant B's real ids (a directory with runs, a run held for
 * approval, a user, a dead letter, a replay consumer); tenant B is read back by an operator to prove nothing was
 * read or written. A new route is covered the day it appears in the document. directory-config runs behind a
 * "proxy" here (ROSTER_TRUST_PROXY=loopback), so X-Forwarded-For names the client.
 */
describe('admin API: keys, roles and tenant isolation (R-SEC-02, R-TEN-01)', () => {
  let emulator: HrisEmulator;
  let world: World;
  let tenantA: string;
  let tenantB: string;
  let directoryA: string;
  const keys: Record<'adminA' | 'readA' | 'operator', { id: string; key: string }> = {} as never;
  /** Tenant B's real resources, by the document's path parameter names. */
  const idsOfB: Record<string, string> = {};

  const call = async (key: string | undefined, method: string, path: string, body?: unknown, clientAddress?: string): Promise<Call> => {
    const res = await fetch(`${world.platform.apiUrl}${path}`, {
      method: method.toUpperCase(),
      headers: {
        ...(key === undefined ? {} : { 'x-api-key': key }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(clientAddress === undefined ? {} : { 'x-forwarded-for': clientAddress }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      // A run's stream answers 404 before it starts; were it to start, the test must not hang on it.
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Call['body']) : {}, headers: res.headers };
  };
  const operator = (method: string, path: string, body?: unknown) => call(world.platform.apiKey, method, path, body);

  const issue = async (name: string, role: string, tenantId?: string) => {
    const res = await operator('post', '/v1/api-keys', { name, role, ...(tenantId ? { tenantId } : {}) });
    expect(res.status).toBe(201);
    return { id: res.body['id'] as string, key: res.body['key'] as string };
  };

  /** Everything an operator can see of tenant B: compared before and after the attempts. */
  const snapshotB = async () => {
    const read = async (path: string) => (await operator('get', `/v1/tenants/${tenantB}${path}`)).body;
    return {
      tenant: await read(''),
      directories: await read('/directories'),
      runs: await read(`/directories/${idsOfB['directoryId']}/runs`),
      heldRun: await read(`/runs/${idsOfB['runId']}`),
      users: await read('/users?limit=200'),
      user: await read(`/users/${idsOfB['userId']}`),
      deadLetters: await read('/dead-letters'),
      replays: await read('/replays'),
    };
  };

  /** Tenant B with one of everything an id names: an HR-API directory, its users, a run held for approval, a dead letter, a replay, an export. */
  const populateB = async () => {
    const directoryId = await world.createHrisDirectory(tenantB, emulator, {
      pageSize: 10,
      policy: { orphans: 'deactivate', safeguard: { count: 1, percent: 100 } },
    });
    expect(await world.waitForRun(tenantB, await world.startRun(tenantB, directoryId), 60_000)).toMatchObject({ status: 'succeeded', counts: { created: 6 } });
    emulator.setEmployeeCount(3); // 3 of 6 users would go: over the count of 1, held for approval
    const runId = await world.startRun(tenantB, directoryId);
    await waitFor(async () => (await operator('get', `/v1/tenants/${tenantB}/runs/${runId}`)).body['status'] === 'awaiting-approval', {
      timeoutMs: 60_000,
      description: "tenant B's second run to be held for approval",
    });
    const users = (await operator('get', `/v1/tenants/${tenantB}/users`)).body['users'] as { userId: string; email: string }[];
    const exported = await operator('post', `/v1/tenants/${tenantB}/exports`, { email: users[0]?.email });
    expect(exported.status).toBe(202);
    await world.nc.jetstream().publish(`roster.records.${tenantB}.batch.v1`, Buffer.from('not json at all'));
    const deadLetter = await waitFor(
      async () => ((await operator('get', `/v1/tenants/${tenantB}/dead-letters`)).body['items'] as { sequence: number }[])[0],
      { timeoutMs: 20_000, description: "tenant B's dead letter" },
    );
    const replay = await operator('post', `/v1/tenants/${tenantB}/replays`, { stream: 'ROSTER_RUNS', name: 'b-audit' });
    expect(replay.status).toBe(201);
    Object.assign(idsOfB, {
      tenantId: tenantB,
      directoryId,
      runId,
      userId: users[0]?.userId,
      sequence: String(deadLetter.sequence),
      stream: replay.body['stream'],
      name: replay.body['name'],
      exportId: exported.body['exportId'],
    });
  };

  beforeAll(async () => {
    emulator = await startHrisEmulator({ employees: 6 });
    world = await startWorld('e2e_tenancy', {
      sftp: false,
      env: { ...hrisEmulatorEnv(emulator), ROSTER_API_RATE_BURST: '120', ROSTER_API_RATE_PER_SECOND: '20', ROSTER_TRUST_PROXY: 'loopback' },
    });
    tenantA = await world.createTenant('Tenant A');
    tenantB = await world.createTenant('Tenant B');
    directoryA = (await operator('post', `/v1/tenants/${tenantA}/directories`, { name: 'Payroll events', type: 'event' })).body['id'] as string;
    keys.adminA = await issue('A admin', 'tenant-admin', tenantA);
    keys.readA = await issue('A auditor', 'read-only', tenantA);
    keys.operator = await issue('second operator', 'operator');
    await populateB();
  }, 180_000);

  afterAll(async () => {
    await world?.stop();
    await emulator?.close();
  }, 60_000);

  it('R-SEC-02 shows a key once and stores only its hash: the list and the database never hold it', async () => {
    expect(keys.adminA.key).toMatch(/^rk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/);
    const list = await operator('get', '/v1/api-keys');
    expect(JSON.stringify(list.body)).not.toContain(keys.adminA.key);
    expect(list.body).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: keys.adminA.id, role: 'tenant-admin', tenantId: tenantA, prefix: keys.adminA.key.slice(3, 11), revokedAt: null })]),
    );
    const { rows } = await world.pg.query(`select * from directory_config.api_keys`);
    expect(JSON.stringify(rows)).not.toContain(keys.adminA.key);
    expect(rows.every((r: { key_hash: string }) => /^[0-9a-f]{64}$/.test(r.key_hash))).toBe(true);
  });

  it('R-SEC-02 GET /v1/me answers every role with its own identity, never a key or its hash, and 401 without a valid key', async () => {
    const me = async (key: string | undefined) => call(key, 'get', '/v1/me');
    const issued = (k: { id: string; key: string }, name: string) => ({ kind: 'issued', id: k.id, name, prefix: k.key.slice(3, 11), createdAt: expect.any(String) });
    expect(await me(world.platform.apiKey)).toMatchObject({ status: 200, body: { role: 'operator', tenantId: null, key: { kind: 'bootstrap', name: 'ROSTER_API_KEY' } } });
    expect((await me(keys.operator.key)).body).toEqual({ role: 'operator', tenantId: null, key: issued(keys.operator, 'second operator') });
    expect((await me(keys.adminA.key)).body).toEqual({ role: 'tenant-admin', tenantId: tenantA, key: issued(keys.adminA, 'A admin') });
    expect((await me(keys.readA.key)).body).toEqual({ role: 'read-only', tenantId: tenantA, key: issued(keys.readA, 'A auditor') });

    const answers = JSON.stringify(await Promise.all([world.platform.apiKey, keys.operator.key, keys.adminA.key, keys.readA.key].map(async (k) => (await me(k)).body)));
    const { rows } = await world.pg.query(`select key_hash from directory_config.api_keys`);
    for (const secret of [world.platform.apiKey, keys.operator.key, keys.adminA.key, keys.readA.key, ...rows.map((r: { key_hash: string }) => r.key_hash)]) expect(answers).not.toContain(secret);

    // Unauthenticated: the same 401 shape as every route.
    const refused = { status: 401, body: { code: 'UNAUTHENTICATED', message: 'a valid x-api-key header is required' } };
    expect(await me(undefined)).toMatchObject(refused);
    expect(await me('rk_00000000_nope')).toMatchObject(refused);
    expect((await call(undefined, 'get', `/v1/tenants/${tenantA}`)).body).toEqual((await me(undefined)).body);
  });

  it('R-SEC-02 refuses a missing, unknown or malformed key, and a tenant key without its tenant', async () => {
    expect((await call(undefined, 'get', `/v1/tenants/${tenantA}`)).status).toBe(401);
    expect((await call('rk_00000000_nope', 'get', `/v1/tenants/${tenantA}`)).status).toBe(401);
    expect((await call(`${keys.adminA.key}x`, 'get', `/v1/tenants/${tenantA}`)).status).toBe(401);
    const noTenant = await operator('post', '/v1/api-keys', { name: 'x', role: 'tenant-admin' });
    expect(noTenant).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect((await operator('post', '/v1/api-keys', { name: 'x', role: 'tenant-admin', tenantId: randomUUID() })).status).toBe(404);
  });

  it('R-TEN-01 R-SEC-02 every route of the API, tried by tenant A\'s keys on tenant B or operator-wide, is refused and changes nothing', async () => {
    const all = (await documentedRoutes(world.platform.apiUrl)).map(({ method, path, op }) => ({ method, path, access: op['x-roster-access'] }));
    expect(all.length).toBeGreaterThan(25);
    expect(all.filter((r) => !['operator', 'tenant', 'caller'].includes(r.access ?? ''))).toEqual([]);
    // Caller-scoped routes answer any key about itself (proven below): exactly this one, so a new one is a decision.
    expect(all.filter((r) => r.access === 'caller').map((r) => `${r.method.toUpperCase()} ${r.path}`)).toEqual(['GET /v1/me']);
    const routes = all.filter((r) => r.access !== 'caller');
    const before = await snapshotB();
    // Tenant B's real ids where B has one, a made-up one elsewhere (operator-wide routes).
    const fill = (path: string) => path.replace(/\{(\w+)\}/g, (_, name: string) => idsOfB[name] ?? (name === 'sequence' ? '1' : randomUUID()));
    const passed: string[] = [];
    for (const { method, path } of routes) {
      for (const who of ['adminA', 'readA'] as const) {
        const res = await call(keys[who].key, method, fill(path), method === 'get' || method === 'delete' ? undefined : {});
        if (res.status !== 403 || res.body.code !== 'FORBIDDEN') passed.push(`${who} ${method.toUpperCase()} ${path} → ${res.status}`);
      }
    }
    expect(passed).toEqual([]);
    expect(await snapshotB()).toEqual(before);
  }, 120_000);

  it('R-TEN-01 R-SEC-02 every id route of the document, called in tenant A\'s own path with tenant B\'s real ids, is not found and changes nothing', async () => {
    const idRoutes = (await documentedRoutes(world.platform.apiUrl)).filter((r) => r.path.includes('{tenantId}') && r.path.match(/\{\w+\}/g)!.length > 1);
    expect(idRoutes.length).toBeGreaterThan(20);
    const params = (r: Route) => (r.op.parameters ?? []).filter((p) => p.in === 'path' && p.name !== 'tenantId');
    // Every id a route names, B has a real one of: a route with a new kind of id needs B to have one here.
    expect(idRoutes.flatMap((r) => params(r).filter((p) => idsOfB[p.name] === undefined).map((p) => `${r.path} {${p.name}}`))).toEqual([]);
    // The same route with a made-up id: B's real id must get the very same "not found" (no existence oracle).
    const madeUp = (schema: JsonSchema, real: string) =>
      schema.enum ? real : schema.format === 'uuid' ? randomUUID() : schema.type === 'integer' ? '2147483647' : `nobody-${randomBytes(4).toString('hex')}`;
    const before = await snapshotB();
    const reached: string[] = [];
    for (const route of idRoutes) {
      const path = (value: (name: string, schema: JsonSchema) => string) =>
        route.path.replace('{tenantId}', tenantA).replace(/\{(\w+)\}/g, (_, name: string) => value(name, params(route).find((p) => p.name === name)?.schema ?? {}));
      const withB = await call(keys.adminA.key, route.method, path((name) => idsOfB[name]!), minimalBody(route));
      const control = await call(keys.adminA.key, route.method, path((name, schema) => madeUp(schema, idsOfB[name]!)), minimalBody(route));
      const answer = (c: Call) => `${c.status} ${c.body.code}`;
      if (withB.status !== 404 || !/_NOT_FOUND$/.test(withB.body.code ?? '') || answer(withB) !== answer(control)) {
        reached.push(`${route.method.toUpperCase()} ${route.path} → ${answer(withB)} (made-up id: ${answer(control)})`);
      }
    }
    expect(reached).toEqual([]);
    expect(await snapshotB()).toEqual(before);
    expect(before.heldRun).toMatchObject({ status: 'awaiting-approval' });
    expect(before.user).toMatchObject({ userId: idsOfB['userId'], status: 'active' });
  }, 120_000);

  it('R-SEC-02 a tenant admin manages its own tenant; a read-only key reads it and writes nothing', async () => {
    expect((await call(keys.adminA.key, 'get', `/v1/tenants/${tenantA}/directories`)).status).toBe(200);
    const renamed = await call(keys.adminA.key, 'patch', `/v1/tenants/${tenantA}/directories/${directoryA}`, { name: 'Renamed by A' });
    expect(renamed).toMatchObject({ status: 200, body: { name: 'Renamed by A' } });

    expect((await call(keys.readA.key, 'get', `/v1/tenants/${tenantA}/directories/${directoryA}`)).body).toMatchObject({ name: 'Renamed by A' });
    const write = await call(keys.readA.key, 'patch', `/v1/tenants/${tenantA}/directories/${directoryA}`, { name: 'Renamed by the auditor' });
    expect(write).toMatchObject({ status: 403, body: { code: 'FORBIDDEN', message: 'a read-only key can only read' } });
    expect((await operator('get', `/v1/tenants/${tenantA}/directories/${directoryA}`)).body).toMatchObject({ name: 'Renamed by A' });
  });

  it('R-SEC-02 an issued operator key works everywhere; a revoked key fails from the next request on', async () => {
    expect((await call(keys.operator.key, 'get', `/v1/tenants/${tenantB}/directories`)).status).toBe(200);
    expect((await call(keys.operator.key, 'get', '/v1/api-keys')).status).toBe(200);
    expect((await operator('delete', `/v1/api-keys/${keys.operator.id}`)).body).toMatchObject({ id: keys.operator.id, revokedAt: expect.any(String) });
    expect((await call(keys.operator.key, 'get', `/v1/tenants/${tenantB}/directories`)).status).toBe(401);
    expect((await call(keys.operator.key, 'get', '/v1/me')).status).toBe(401);
  });

  it('R-SEC-02 rate limits each key: over its burst it answers 429 with Retry-After, other keys unaffected', async () => {
    const noisy = await issue('noisy', 'read-only', tenantA);
    const answers = await Promise.all(Array.from({ length: 400 }, () => call(noisy.key, 'get', `/v1/tenants/${tenantA}`)));
    const limited = answers.filter((a) => a.status === 429);
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(100);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]?.body.code).toBe('RATE_LIMITED');
    expect(Number(limited[0]?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await call(keys.adminA.key, 'get', `/v1/tenants/${tenantA}`)).status).toBe(200);
  });

  /** Guesses `key(i)` from `address` until one is refused unread (429), at most `max` times; the statuses. */
  const guessUntilThrottled = async (address: string, key: (i: number) => string, max = 60): Promise<number[]> => {
    const answers: number[] = [];
    while (answers.length < max && answers.at(-1) !== 429) answers.push((await call(key(answers.length), 'get', `/v1/tenants/${tenantA}`, undefined, address)).status);
    return answers;
  };
  const guessAt = (prefix: string) => (i: number) => `rk_${prefix}_${randomBytes(32).toString('base64url')}${i}`;
  const prefixOf = (key: string) => key.slice(3, 11);

  it('R-SEC-02 behind a trusted proxy, X-Forwarded-For tells clients apart: one client guessing is throttled, another is not', async () => {
    const guesses = await guessUntilThrottled('203.0.113.10', guessAt('0badc0de'));
    expect(guesses.at(-1)).toBe(429);
    expect(guesses.slice(0, -1).every((s) => s === 401)).toBe(true);
    expect(guesses.length).toBeGreaterThan(10);
    // The same guess from another client is looked at (401, not 429); so is the first client's valid key.
    expect((await call(guessAt('0badc0de')(0), 'get', `/v1/tenants/${tenantA}`, undefined, '203.0.113.20')).status).toBe(401);
    expect((await call(keys.adminA.key, 'get', `/v1/tenants/${tenantA}`, undefined, '203.0.113.10')).status).toBe(200);
  });

  it('R-SEC-02 a flood of bad keys from one address, within its budget, never locks out the valid keys used from that address', async () => {
    const shared = '198.51.100.7'; // one NAT, or an ingress without ROSTER_TRUST_PROXY: everybody's address
    const flood = await Promise.all(
      Array.from({ length: 150 }, (_, i) => call(i % 3 === 0 ? `wrong-key-${i}` : guessAt(randomBytes(4).toString('hex'))(i), 'get', `/v1/tenants/${tenantA}`, undefined, shared)),
    );
    expect(flood.filter((a) => a.status === 401).length).toBeGreaterThan(100);
    expect(flood.every((a) => a.status === 401 || a.body.code === 'RATE_LIMITED')).toBe(true);
    for (const key of [keys.adminA.key, keys.readA.key]) expect((await call(key, 'get', `/v1/tenants/${tenantA}`, undefined, shared)).status).toBe(200);
  });

  it('R-SEC-02 a spray of new key prefixes from one address is throttled by the address budget (300, then 5 a second), then refuses every key from there', async () => {
    const sprayer = '198.51.100.99';
    const spray = await guessUntilThrottled(sprayer, (i) => guessAt(randomBytes(4).toString('hex'))(i), 400);
    expect(spray.at(-1)).toBe(429);
    expect(spray.slice(0, -1).every((s) => s === 401)).toBe(true);
    expect(spray.length).toBeGreaterThan(300); // each prefix is a fresh per-key bucket: only the address's budget stops it
    // The documented trade-off: past the budget a valid key from that address is refused unread too; not elsewhere.
    expect((await call(keys.adminA.key, 'get', `/v1/tenants/${tenantA}`, undefined, sprayer)).body.code).toBe('RATE_LIMITED');
    expect((await call(keys.adminA.key, 'get', `/v1/tenants/${tenantA}`, undefined, '198.51.100.98')).status).toBe(200);
  });

  // Last: it leaves a few address-and-key buckets of this suite empty for a few seconds.
  it('R-SEC-02 a brute force from one address is still throttled, at an issued key and at the bootstrap key, even when a guess is right', async () => {
    const attacker = '192.0.2.66';
    const victim = await issue('victim', 'read-only', tenantA);
    const atVictim = await guessUntilThrottled(attacker, guessAt(prefixOf(victim.key)));
    expect(atVictim.at(-1)).toBe(429);
    expect(atVictim.length).toBeGreaterThan(10);
    // Now even the right key is refused unread from there: a guess that happens to be right gains nothing.
    const right = await call(victim.key, 'get', `/v1/tenants/${tenantA}`, undefined, attacker);
    expect(right).toMatchObject({ status: 429, body: { code: 'RATE_LIMITED' } });
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await call(victim.key, 'get', `/v1/tenants/${tenantA}`, undefined, '192.0.2.67')).status).toBe(200);

    const atBootstrap = await guessUntilThrottled(attacker, (i) => `bootstrap-guess-${i}-${randomBytes(8).toString('hex')}`);
    expect(atBootstrap.at(-1)).toBe(429);
    expect(atBootstrap.length).toBeGreaterThan(10);
    expect((await call(world.platform.apiKey, 'get', `/v1/tenants/${tenantA}`, undefined, attacker)).status).toBe(429);
    expect((await call(keys.adminA.key, 'get', `/v1/tenants/${tenantA}`, undefined, attacker)).status).toBe(200);
  });
});
