import { ApiClient, ApiError } from './client';
import type { Me, Role, Tenant } from './types';

/**
 * Who is signed in. The key lives in sessionStorage only: it is gone when the tab closes and never reaches
 * localStorage, a cookie or a URL.
 */
export interface Session {
  apiKey: string;
  /** From `GET /v1/me`; it shapes the screens, and the API stays the judge of every call. */
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
 * The session of a key from the API's answer to `GET /v1/me`, and the tenant to open first: an operator opens the
 * tenant typed at sign-in (if it is an id; else the tenants list); a tenant key opens its own tenant, which
 * `/v1/me` names, so nothing has to be typed — a typed tenant that is not the key's is refused, not ignored.
 */
export function sessionOf(me: Me, apiKey: string, typedTenantId: string): { session: Session; openTenant: string | null } {
  const typed = typedTenantId.trim();
  if (me.role === 'operator') return { session: { apiKey, role: 'operator', tenantId: null }, openTenant: UUID.test(typed) ? typed : null };
  if (!me.tenantId) throw new ApiError(0, 'TENANT_MISSING', `The API names no tenant for this ${me.role} key; ask an operator to issue a new one.`);
  if (typed && typed.toLowerCase() !== me.tenantId.toLowerCase()) {
    throw new ApiError(0, 'TENANT_MISMATCH', `This key belongs to tenant ${me.tenantId}, not ${typed}. Leave the tenant ID blank to open the key’s own tenant.`);
  }
  return { session: { apiKey, role: me.role, tenantId: me.tenantId }, openTenant: me.tenantId };
}

/**
 * Signs a key in: one `GET /v1/me` says who the key is (role and tenant); an operator who typed a tenant id also
 * reads that tenant, so a wrong one fails here and not on the next page. The role only shapes the screens (which
 * buttons exist); the API's guard decides every call.
 */
export async function discoverSession(api: ApiClient, apiKey: string, tenantId: string): Promise<{ session: Session; tenant: Tenant | null }> {
  const key = apiKey.trim();
  if (!key) throw new ApiError(0, 'API_KEY_REQUIRED', 'Enter an API key.');
  const me = await api.request<Me>('GET', '/v1/me', undefined, key);
  const { session, openTenant } = sessionOf(me, key, tenantId);
  const tenant = session.role === 'operator' && openTenant ? await api.request<Tenant>('GET', `/v1/tenants/${openTenant}`, undefined, key) : null;
  return { session, tenant };
}
