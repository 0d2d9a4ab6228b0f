import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { ApiKeysUseCase } from '../auth/api-keys.usecase';
import { ApiRateLimits } from '../auth/api-rate-limits';
import { Principal, authorize } from '../auth/authorize';
import { DirectoryConfigException, DirectoryConfigExceptionCode } from './directory-config.exception';

export const ADMIN_API_KEY = Symbol('ADMIN_API_KEY');

const digest = (value: string) => createHash('sha256').update(value).digest();
const CONFIG_OPERATOR: Principal = { role: 'operator', tenantId: null, keyId: 'config' };

/** The request's principal, once the guard has let it through. */
export function principalOf(req: Request): Principal | undefined {
  return (req as Request & { principal?: Principal }).principal;
}

/**
 * R-SEC-02 on every admin route: the `x-api-key` is the bootstrap operator key from config or an issued key
 * (stored hashed; revoked keys fail), each key is rate limited (429 with Retry-After; failed attempts by client
 * address), and `authorize` scopes it: operators everywhere, tenant keys to their own tenant's routes only,
 * read-only keys to reads. Refusals say why without telling whether another tenant exists.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly bootstrap: Buffer;

  constructor(
    @Inject(ADMIN_API_KEY) apiKey: string,
    private readonly keys: ApiKeysUseCase,
    private readonly limits: ApiRateLimits,
  ) {
    this.bootstrap = digest(apiKey);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const principal = await this.authenticate(req, res);
    this.charge(res, this.limits.perKey.take(principal.keyId));
    const tenantId = req.params?.['tenantId'];
    const decision = authorize(principal, { method: req.method, tenantId: typeof tenantId === 'string' ? tenantId : undefined });
    if (!decision.allowed) throw new DirectoryConfigException(DirectoryConfigExceptionCode.FORBIDDEN, decision.reason);
    (req as Request & { principal?: Principal }).principal = principal;
    return true;
  }

  private async authenticate(req: Request, res: Response): Promise<Principal> {
    // An address that has failed too often is refused before its key is even looked at (no guessing at speed).
    const address = req.ip ?? 'unknown';
    this.charge(res, this.limits.failures.wait(address));
    const header = req.headers['x-api-key'];
    if (typeof header === 'string' && header.length > 0) {
      if (timingSafeEqual(digest(header), this.bootstrap)) return CONFIG_OPERATOR;
      const principal = header.startsWith('rk_') ? await this.keys.principalOf(header) : undefined;
      if (principal) return principal;
    }
    this.limits.failures.take(address);
    throw new DirectoryConfigException(DirectoryConfigExceptionCode.UNAUTHENTICATED, 'a valid x-api-key header is required');
  }

  private charge(res: Response, waitSeconds: number): void {
    if (waitSeconds === 0) return;
    res.setHeader('Retry-After', String(waitSeconds));
    throw new DirectoryConfigException(DirectoryConfigExceptionCode.RATE_LIMITED, `too many requests; retry in ${waitSeconds} s`);
  }
}
