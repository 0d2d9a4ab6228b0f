import type { ApiKeyRole } from './api-key.entity';

/** Who is calling: the bootstrap key from config is an operator without a key row. */
export interface Principal {
  role: ApiKeyRole;
  tenantId: string | null;
  /** The key's id, or `config` for the bootstrap key ROSTER_API_KEY. */
  keyId: string;
}

export interface RouteAccess {
  method: string;
  /** The `:tenantId` of the matched route, absent on operator-wide routes. */
  tenantId?: string;
  /**
   * A route that answers only about the caller itself (`GET /v1/me`): it reads no tenant's data and nothing of
   * other keys, so every authenticated key may read it. Marked on the route (`@CallerScoped()`), never inferred.
   */
  callerScoped?: boolean;
}

export type Decision = { allowed: true } | { allowed: false; reason: string };

const READS = new Set(['GET', 'HEAD']);

/**
 * R-SEC-02 / R-TEN-01, by construction: a route without a tenant in its path (tenants list and create, dead
 * letters and replays across tenants, API keys, the scheduler tick) is an operator's; a tenant's routes take an
 * operator or a key of that very tenant; a read-only key only reads. Nothing else is looked at, so a new route
 * is covered the day it is added. The one exception is explicit: a caller-scoped read (who am I) is every key's.
 */
export function authorize(principal: Principal, route: RouteAccess): Decision {
  if (principal.role === 'operator') return { allowed: true };
  if (route.callerScoped && READS.has(route.method.toUpperCase())) return { allowed: true };
  if (route.tenantId === undefined) return { allowed: false, reason: `a ${principal.role} key cannot use operator-wide routes` };
  if (principal.tenantId !== route.tenantId) return { allowed: false, reason: 'this key belongs to another tenant' };
  if (principal.role === 'read-only' && !READS.has(route.method.toUpperCase())) {
    return { allowed: false, reason: 'a read-only key can only read' };
  }
  return { allowed: true };
}
