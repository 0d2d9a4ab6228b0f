import { Body, Controller, HttpCode, Param, ParseUUIDPipe, Post, UseFilters } from '@nestjs/common';
import { AdminApiExceptionFilter } from '../http/directory-config.exception';
import { RequestExportBody } from './exports.schemas';
import { RequestExportUseCase } from './request-export.usecase';

const uuid = new ParseUUIDPipe({ version: undefined });

/** R-EXP-01: `POST /v1/tenants/{tenantId}/exports` `{ email }` → 202 `{ exportId }`; the file is mailed. */
@Controller('v1/tenants')
@UseFilters(AdminApiExceptionFilter)
export class ExportsController {
  constructor(private readonly requestExport: RequestExportUseCase) {}

  @Post(':tenantId/exports')
  @HttpCode(202)
  request(@Param('tenantId', uuid) tenantId: string, @Body() body: unknown) {
    return this.requestExport.execute(tenantId, RequestExportBody.parse(body ?? {}).email);
  }
}
