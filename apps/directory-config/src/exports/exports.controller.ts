import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, UseFilters } from '@nestjs/common';
import { AdminApiExceptionFilter } from '../http/directory-config.exception';
import { ExportStatusUseCase } from './export-status.usecase';
import { RequestExportBody } from './exports.schemas';
import { RequestExportUseCase } from './request-export.usecase';

const uuid = new ParseUUIDPipe({ version: undefined });

/**
 * R-EXP-01: `POST /v1/tenants/{tenantId}/exports` `{ email }` → 202 `{ exportId }`; the file is mailed.
 * `GET /v1/tenants/{tenantId}/exports/{exportId}` → where it is (requested, building, ready, mailed or failed).
 */
@Controller('v1/tenants')
@UseFilters(AdminApiExceptionFilter)
export class ExportsController {
  constructor(
    private readonly requestExport: RequestExportUseCase,
    private readonly exportStatus: ExportStatusUseCase,
  ) {}

  @Post(':tenantId/exports')
  @HttpCode(202)
  request(@Param('tenantId', uuid) tenantId: string, @Body() body: unknown) {
    return this.requestExport.execute(tenantId, RequestExportBody.parse(body ?? {}).email);
  }

  @Get(':tenantId/exports/:exportId')
  get(@Param('tenantId', uuid) tenantId: string, @Param('exportId', uuid) exportId: string) {
    return this.exportStatus.get(tenantId, exportId);
  }
}
