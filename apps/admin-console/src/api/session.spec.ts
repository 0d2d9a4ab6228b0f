import { ApiClient, ApiError, type Fetch } from './client';
import { discoverSession, loadSession, saveSession, sessionOf } from './session';
import type { Me } from './types';

const T = '3f1c2a9e-0000-4000-8000-00000000000a';
const OTHER = '3f1c2a9e-0000-4000-8000-00000000000b';
const issued = { kind: 'issued', id: '3f1c2a9e-0000-4000-8000-0000000000f1', name: 'HR admin', prefix: 'abcd1234', createdAt: '2026-12-01T00:00:00.000Z' } as const;
const me = (role: Me['role'], tenantId: string | null): Me => ({ role, tenantId, key: issued });

/** A fetch that answers from a table of `METHOD path` → [status, body] and records the calls. */
function fakeApi(answers: Record<string, [number, unknown]>): { api: ApiClient; calls: string[] } {
  const calls: string[] = [];
  const fetch: Fetch = (input, init) => {
    const call = `${init?.method ?? 'GET'} ${input}`;
    calls.push(call);
    const [status, body] = answers[call] ?? [404, { code: 'NOT_FOUND', message: 'no such route' }];
    return Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }));
  };
  return { api: new ApiClient({ apiKey: () => null, fetch }), calls };
}

describe('admin console sign-in from GET /v1/me (issue 9, R-SEC-02)', () => {
  it('R-SEC-02 an operator opens the tenant typed, if it is an id, else the tenants list; the role comes from the API', () => {
    expect(sessionOf({ role: 'operator', tenantId: null, key: { kind: 'bootstrap', name: 'ROSTER_API_KEY' } }, 'k', ` ${T} `)).toEqual({
      session: { apiKey: 'k', role: 'operator', tenantId: null },
      openTenant: T,
    });
    expect(sessionOf(me('operator', null), 'k', 'not an id').openTenant).toBeNull();
    expect(sessionOf(me('operator', null), 'k', '').openTenant).toBeNull();
  });

  it('R-SEC-02 R-TEN-01 a tenant-admin or read-only key is its own tenant, typed or not; another tenant typed is refused', () => {
    for (const role of ['tenant-admin', 'read-only'] as const) {
      expect(sessionOf(me(role, T), 'k', '')).toEqual({ session: { apiKey: 'k', role, tenantId: T }, openTenant: T });
      expect(sessionOf(me(role, T), 'k', T.toUpperCase()).session.tenantId).toBe(T);
      expect(() => sessionOf(me(role, T), 'k', OTHER)).toThrow(expect.objectContaining({ code: 'TENANT_MISMATCH' }));
    }
    expect(() => sessionOf(me('tenant-admin', null), 'k', '')).toThrow(ApiError);
  });

  it('R-SEC-02 learns who a tenant key is from one call to /v1/me, no probing of other routes', async () => {
    const { api, calls } = fakeApi({ 'GET /v1/me': [200, me('read-only', T)] });
    expect(await discoverSession(api, ' rk_key ', '')).toEqual({ session: { apiKey: 'rk_key', role: 'read-only', tenantId: T }, tenant: null });
    expect(calls).toEqual(['GET /v1/me']);
  });

  it('R-SEC-02 an operator who typed a tenant also reads it, so a wrong id fails at sign-in; a refused key keeps the API error', async () => {
    const tenant = { id: T, name: 'Acme', ownerEmail: null, createdAt: '2026-12-01T00:00:00.000Z' };
    const ok = fakeApi({ 'GET /v1/me': [200, me('operator', null)], [`GET /v1/tenants/${T}`]: [200, tenant] });
    expect(await discoverSession(ok.api, 'k', T)).toEqual({ session: { apiKey: 'k', role: 'operator', tenantId: null }, tenant });
    expect(ok.calls).toEqual(['GET /v1/me', `GET /v1/tenants/${T}`]);

    const refused = fakeApi({ 'GET /v1/me': [401, { code: 'UNAUTHENTICATED', message: 'a valid x-api-key header is required' }] });
    await expect(discoverSession(refused.api, 'wrong', '')).rejects.toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    await expect(discoverSession(refused.api, '  ', '')).rejects.toMatchObject({ code: 'API_KEY_REQUIRED' });
    expect(refused.calls).toEqual(['GET /v1/me']);
  });

  it('keeps a session in the tab store and forgets a malformed one', () => {
    const data = new Map<string, string>();
    const store = { getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v), removeItem: (k: string) => void data.delete(k) };
    saveSession(store, { apiKey: 'k', role: 'tenant-admin', tenantId: T });
    expect(loadSession(store)).toEqual({ apiKey: 'k', role: 'tenant-admin', tenantId: T });
    data.set('roster.console.session', JSON.stringify({ apiKey: 'k', role: 'owner' }));
    expect(loadSession(store)).toBeNull();
  });
});
