import { Body, Controller, HttpCode, Post, UseFilters } from '@nestjs/common';
import { AdminApiExceptionFilter } from '../http/directory-config.exception';
import { RotateKeysBody } from './keys.schemas';
import { KeyRotationReport, RotateKeysUseCase } from './rotate-keys.usecase';

/** R-SEC-01: operators rotate the secrets' keys (an operator-wide route: only an operator passes the guard). */
@Controller('v1/keys')
@UseFilters(AdminApiExceptionFilter)
export class KeysController {
  constructor(private readonly rotateKeys: RotateKeysUseCase) {}

  @Post('rotate')
  @HttpCode(200)
  rotate(@Body() body: unknown): Promise<KeyRotationReport> {
    const { rotateDataKeys, tenantIds } = RotateKeysBody.parse(body ?? {});
    return this.rotateKeys.execute({ rotateDataKeys, tenantIds });
  }
}
