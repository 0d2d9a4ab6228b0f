import { Body, Controller, Delete, Get, Param, ParseUUIDPipe, Post, UseFilters } from '@nestjs/common';
import { AdminApiExceptionFilter } from '../http/directory-config.exception';
import { CreateApiKeyBody } from './api-keys.schemas';
import { ApiKeysUseCase } from './api-keys.usecase';

/** R-SEC-02: operators issue, list and revoke API keys (operator-wide routes: only an operator passes the guard). */
@Controller('v1/api-keys')
@UseFilters(AdminApiExceptionFilter)
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysUseCase) {}

  /** The key is in this answer only; it cannot be read again. */
  @Post()
  create(@Body() body: unknown) {
    return this.keys.create(CreateApiKeyBody.parse(body));
  }

  @Get()
  list() {
    return this.keys.list();
  }

  @Delete(':keyId')
  revoke(@Param('keyId', new ParseUUIDPipe({ version: undefined })) keyId: string) {
    return this.keys.revoke(keyId);
  }
}
