import fc from 'fast-check';
import { API_KEY_ROLES } from './api-key.entity';
import { authorize, type Principal } from './authorize';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const METHODS = ['GET', 'HEAD', 'POST', 'PATCH', 'PUT', 'DELETE'];

describe('authorize (R-SEC-02, R-TEN-01)', () => {
  it('R-SEC-02 operators pass every route', () => {
    for (const method of METHODS) {
      expect(authorize({ role: 'operator', tenantId: null, keyId: 'k' }, { method })).toEqual({ allowed: true });
      expect(authorize({ role: 'operator', tenantId: null, keyId: 'k' }, { method, tenantId: B })).toEqual({ allowed: true });
    }
  });

  it('R-TEN-01 a tenant key never passes another tenant\'s route nor an operator-wide one, whatever the method', () => {
    fc.assert(
      fc.property(fc.constantFrom('tenant-admin' as const, 'read-only' as const), fc.constantFrom(...METHODS), fc.option(fc.constantFrom(B, 'B', ''), { nil: undefined }), (role, method, tenantId) => {
        expect(authorize({ role, tenantId: A, keyId: 'k' }, { method, tenantId }).allowed).toBe(false);
      }),
    );
  });

  it('R-SEC-02 a tenant admin does anything in its own tenant; a read-only key only reads there', () => {
    for (const method of METHODS) {
      expect(authorize({ role: 'tenant-admin', tenantId: A, keyId: 'k' }, { method, tenantId: A }).allowed).toBe(true);
      expect(authorize({ role: 'read-only', tenantId: A, keyId: 'k' }, { method, tenantId: A }).allowed).toBe(['GET', 'HEAD'].includes(method));
    }
    expect(authorize({ role: 'read-only', tenantId: A, keyId: 'k' }, { method: 'post', tenantId: A })).toEqual({ allowed: false, reason: 'a read-only key can only read' });
  });

  it('R-SEC-02 a caller-scoped read (GET /v1/me) is open to every role; a caller-scoped write falls back to the operator-wide rule', () => {
    for (const role of API_KEY_ROLES) {
      const p: Principal = { role, tenantId: role === 'operator' ? null : A, keyId: 'k' };
      expect(authorize(p, { method: 'GET', callerScoped: true })).toEqual({ allowed: true });
      expect(authorize(p, { method: 'POST', callerScoped: true }).allowed).toBe(role === 'operator');
      // The mark opens only that route: the same key on an unmarked operator-wide route is still refused.
      expect(authorize(p, { method: 'GET' }).allowed).toBe(role === 'operator');
    }
  });

  it('R-SEC-02 every role is decided (no role falls through to allowed by accident)', () => {
    for (const role of API_KEY_ROLES) {
      const p: Principal = { role, tenantId: role === 'operator' ? null : A, keyId: 'k' };
      expect(authorize(p, { method: 'DELETE', tenantId: B }).allowed).toBe(role === 'operator');
    }
  });
});
