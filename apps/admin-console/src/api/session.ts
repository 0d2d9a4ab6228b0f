import { ApiClient, ApiError } from './client';
import type { Role, Tenant } from './types';

/**
 * Who is signed in. The key lives in sessionStorage only: it is gone when the tab closes and never reaches
 * localStorage, a cookie or a URL.
 */
export interface Session {
  apiKey: string;
  /** `tenant-admin` may also be a key whose writes turn out refused; the API stays the judge of every call. */
  role: Role;
  /** The key's tenant (tenant-admin, read-only); null for an operator. */
  tenantId: string | null;
}

const KEY = 'roster.console.session';

export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export function loadSession(store: KeyValueStore): Session | null {
  const raw = store.getItem(KEY);
  if (!raw) return null;
  try {
    const s = JSON.parse(raw) as Session;
    return typeof s.apiKey === 'string' && ['operator', 'tenant-admin', 'read-only'].includes(s.role) ? s : null;
  } catch {
    return null;
  }
}

export function saveSession(store: KeyValueStore, session: Session): void {
  store.setItem(KEY, JSON.stringify(session));
}

export function clearSession(store: KeyValueStore): void {
  store.removeItem(KEY);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * What a key may do, learnt from the admin API itself (it has no "who am I" route): an operator can list the
 * API keys (an operator-only read); a tenant key reads its tenant, and a tenant-admin key gets past the guard of
 * a write that then fails validation (test connection with an empty body: 400), where a read-only key is
 * refused (403). Nothing is changed by either probe.
 */
export async function discoverSession(api: ApiClient, apiKey: string, tenantId: string): Promise<{ session: Session; tenant: Tenant | null }> {
  const key = apiKey.trim();
  if (!key) throw new ApiError(0, 'API_KEY_REQUIRED', 'Enter an API key.');
  try {
    await api.request('GET', '/v1/api-keys', undefined, key);
    const tenant = UUID.test(tenantId.trim()) ? await api.request<Tenant>('GET', `/v1/tenants/${tenantId.trim()}`, undefined, key) : null;
    return { session: { apiKey: key, role: 'operator', tenantId: null }, tenant };
  } catch (e) {
    if (!(e instanceof ApiError) || e.code !== 'FORBIDDEN') throw e;
  }
  const id = tenantId.trim();
  if (!id) throw new ApiError(0, 'TENANT_REQUIRED', 'This key belongs to one tenant: enter that tenant’s ID as well.');
  if (!UUID.test(id)) throw new ApiError(0, 'TENANT_ID_INVALID', 'A tenant ID looks like 3f1c2a9e-…: 36 characters, letters a–f, digits and dashes.');
  const tenant = await api.request<Tenant>('GET', `/v1/tenants/${id}`, undefined, key);
  let role: Role = 'tenant-admin';
  try {
    await api.request('POST', `/v1/tenants/${id}/directories/test`, {}, key);
  } catch (e) {
    if (e instanceof ApiError && e.code === 'FORBIDDEN') role = 'read-only';
    else if (!(e instanceof ApiError) || e.code !== 'VALIDATION_FAILED') throw e;
  }
  return { session: { apiKey: key, role, tenantId: id }, tenant };
}
