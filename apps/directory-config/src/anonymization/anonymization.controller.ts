import { Controller, HttpCode, Param, ParseUUIDPipe, Post, Req, UseFilters } from '@nestjs/common';
import type { Request } from 'express';
import { principalOf } from '../http/api-key.guard';
import { AdminApiExceptionFilter } from '../http/directory-config.exception';
import { AnonymizeUserUseCase } from './anonymize-user.usecase';

const uuid = new ParseUUIDPipe({ version: undefined });

/** R-API-07: erase a user's personal data (tenant admins and operators; read-only keys are refused by the guard). */
@Controller('v1/tenants')
@UseFilters(AdminApiExceptionFilter)
export class AnonymizationController {
  constructor(private readonly anonymize: AnonymizeUserUseCase) {}

  @Post(':tenantId/users/:userId/anonymize')
  @HttpCode(202)
  request(@Param('tenantId', uuid) tenantId: string, @Param('userId', uuid) userId: string, @Req() req: Request) {
    return this.anonymize.request(tenantId, userId, principalOf(req)?.keyId ?? 'unknown');
  }
}
