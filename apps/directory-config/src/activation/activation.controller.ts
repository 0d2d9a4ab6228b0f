import { Controller, HttpCode, Param, ParseUUIDPipe, Post, Req, UseFilters } from '@nestjs/common';
import type { Request } from 'express';
import { principalOf } from '../http/api-key.guard';
import { AdminApiExceptionFilter } from '../http/directory-config.exception';
import { ActivateUserUseCase } from './activate-user.usecase';

const uuid = new ParseUUIDPipe({ version: undefined });

/** R-API-05: activate an inactive user (tenant admins and operators; read-only keys are refused by the guard). */
@Controller('v1/tenants')
@UseFilters(AdminApiExceptionFilter)
export class ActivationController {
  constructor(private readonly activate: ActivateUserUseCase) {}

  @Post(':tenantId/users/:userId/activate')
  @HttpCode(202)
  request(@Param('tenantId', uuid) tenantId: string, @Param('userId', uuid) userId: string, @Req() req: Request) {
    return this.activate.request(tenantId, userId, principalOf(req)?.keyId ?? 'unknown');
  }
}
