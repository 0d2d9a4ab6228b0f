import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { PUBLIC_ROUTE } from '@roster/observability';
import { ApiKeysUseCase } from '../auth/api-keys.usecase';
import { ApiRateLimits } from '../auth/api-rate-limits';
import { Principal, authorize } from '../auth/authorize';
import { DirectoryConfigException, DirectoryConfigExceptionCode } from './directory-config.exception';

export const ADMIN_API_KEY = Symbol('ADMIN_API_KEY');

const digest = (value: string) => createHash('sha256').update(value).digest();
const CONFIG_OPERATOR: Principal = { role: 'operator', tenantId: null, keyId: 'config' };
const unauthenticated = () => new DirectoryConfigException(DirectoryConfigExceptionCode.UNAUTHENTICATED, 'a valid x-api-key header is required');

const CALLER_SCOPED = 'roster:caller-scoped';

/**
 * Marks a read that answers only about the calling key itself (`GET /v1/me`), so tenant and read-only keys may
 * use it although its path names no tenant. Give it to nothing that reads a tenant's data or other keys.
 */
export const CallerScoped = () => SetMetadata(CALLER_SCOPED, true);

/** The request's principal, once the guard has let it through. */
export function principalOf(req: Request): Principal | undefined {
  return (req as Request & { principal?: Principal }).principal;
}

/**
 * R-SEC-02 on every HTTP route, by construction: the guard is global (`APP_GUARD` in AuthModule), so a new
 * controller needs a key without anyone remembering it; only routes marked `@Public()` (health, metrics, the OpenAPI
 * document, the console's static files) answer without one. The `x-api-key` is the bootstrap operator key from
 * config or an issued key (stored hashed; revoked keys fail); each key is rate limited (429 with Retry-After), and
 * failed attempts per client address and targeted key (`failureBucket`) and per client address for all keys (the
 * address is X-Forwarded-For's only behind the proxies `ROSTER_TRUST_PROXY` names). `authorize` scopes the key: operators everywhere, tenant keys to
 * their own tenant's routes only, read-only keys to reads, and every key to the reads marked `@CallerScoped()`
 * (about itself). Refusals say why without telling whether another tenant exists.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly bootstrap: Buffer;

  constructor(
    @Inject(ADMIN_API_KEY) apiKey: string,
    private readonly keys: ApiKeysUseCase,
    private readonly limits: ApiRateLimits,
    private readonly reflector: Reflector,
  ) {
    this.bootstrap = digest(apiKey);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // Global guards also wrap the JetStream handlers (the microservice inherits the app's config): messages carry
    // no API key; the stream's subjects and each payload's schema are their gate.
    if (context.getType() !== 'http') return true;
    if (this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()]) === true) return true;
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const principal = await this.authenticate(req, res);
    this.charge(res, this.limits.perKey.take(principal.keyId));
    const tenantId = req.params?.['tenantId'];
    const callerScoped = this.reflector.getAllAndOverride<boolean | undefined>(CALLER_SCOPED, [context.getHandler(), context.getClass()]) === true;
    const decision = authorize(principal, { method: req.method, tenantId: typeof tenantId === 'string' ? tenantId : undefined, callerScoped });
    if (!decision.allowed) throw new DirectoryConfigException(DirectoryConfigExceptionCode.FORBIDDEN, decision.reason);
    (req as Request & { principal?: Principal }).principal = principal;
    return true;
  }

  private async authenticate(req: Request, res: Response): Promise<Principal> {
    const header = req.headers['x-api-key'];
    // No key is no guess at one: refused at once, counted nowhere.
    if (typeof header !== 'string' || header.length === 0) throw unauthenticated();
    // Too many failures from this address at the key this one tries to be, or at any keys: refused before it is
    // looked at (no guessing at speed, no lookup per sprayed prefix), while other keys from the same address go on
    // until the address's own budget is spent.
    const address = req.ip ?? 'unknown';
    this.charge(res, this.limits.failureWait(address, header));
    if (timingSafeEqual(digest(header), this.bootstrap)) return CONFIG_OPERATOR;
    const principal = header.startsWith('rk_') ? await this.keys.principalOf(header) : undefined;
    if (principal) return principal;
    this.limits.failed(address, header);
    throw unauthenticated();
  }

  private charge(res: Response, waitSeconds: number): void {
    if (waitSeconds === 0) return;
    res.setHeader('Retry-After', String(waitSeconds));
    throw new DirectoryConfigException(DirectoryConfigExceptionCode.RATE_LIMITED, `too many requests; retry in ${waitSeconds} s`);
  }
}
