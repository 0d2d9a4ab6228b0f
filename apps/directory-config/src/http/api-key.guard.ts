import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { Request } from 'express';
import { DirectoryConfigException, DirectoryConfigExceptionCode } from './directory-config.exception';

export const ADMIN_API_KEY = Symbol('ADMIN_API_KEY');

const digest = (value: string) => createHash('sha256').update(value).digest();

/** The admin API needs the key from config in `x-api-key` (tenant-scoped roles arrive with issue 8). */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(@Inject(ADMIN_API_KEY) apiKey: string) {
    this.expected = digest(apiKey);
  }

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<Request>().headers['x-api-key'];
    const given = typeof header === 'string' ? digest(header) : undefined;
    if (!given || !timingSafeEqual(given, this.expected)) {
      throw new DirectoryConfigException(DirectoryConfigExceptionCode.UNAUTHENTICATED, 'a valid x-api-key header is required');
    }
    return true;
  }
}
