import { Controller, Get, Req, UseFilters } from '@nestjs/common';
import type { Request } from 'express';
import { CallerScoped, principalOf } from '../http/api-key.guard';
import { AdminApiExceptionFilter } from '../http/directory-config.exception';
import { WhoAmIUseCase } from './who-am-i.usecase';

/** R-SEC-02: who the calling key is. Every authenticated key may ask about itself (a caller-scoped read). */
@Controller('v1/me')
@UseFilters(AdminApiExceptionFilter)
export class MeController {
  constructor(private readonly whoAmI: WhoAmIUseCase) {}

  @Get()
  @CallerScoped()
  me(@Req() req: Request) {
    const principal = principalOf(req);
    // The guard sets the principal before any handler runs; without it the route was reached unguarded.
    if (!principal) throw new Error('GET /v1/me reached without a principal');
    return this.whoAmI.execute(principal);
  }
}
