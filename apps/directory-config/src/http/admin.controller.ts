import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, UseFilters, UseGuards } from '@nestjs/common';
import { DirectoriesUseCase, directoryView } from '../directories/directories.usecase';
import { RunsUseCase, runView } from '../runs/runs.usecase';
import { TenantsUseCase } from '../tenants/tenants.usecase';
import { ApiKeyGuard } from './api-key.guard';
import { AdminApiExceptionFilter } from './directory-config.exception';
import { CreateSftpDirectoryBody, CreateTenantBody, StartRunBody } from './schemas';

const uuid = new ParseUUIDPipe({ version: undefined });

/** The admin API (v1). Bodies are parsed with the zod schemas that also produce the OpenAPI document. */
@Controller('v1/tenants')
@UseGuards(ApiKeyGuard)
@UseFilters(AdminApiExceptionFilter)
export class AdminController {
  constructor(
    private readonly tenants: TenantsUseCase,
    private readonly directories: DirectoriesUseCase,
    private readonly runs: RunsUseCase,
  ) {}

  @Post()
  async createTenant(@Body() body: unknown) {
    const t = await this.tenants.create(CreateTenantBody.parse(body));
    return { ...t, createdAt: t.createdAt.toISOString() };
  }

  @Get(':tenantId')
  async getTenant(@Param('tenantId', uuid) tenantId: string) {
    const t = await this.tenants.get(tenantId);
    return { ...t, createdAt: t.createdAt.toISOString() };
  }

  @Post(':tenantId/directories')
  async createDirectory(@Param('tenantId', uuid) tenantId: string, @Body() body: unknown) {
    return directoryView(await this.directories.create(tenantId, CreateSftpDirectoryBody.parse(body)));
  }

  @Get(':tenantId/directories')
  async listDirectories(@Param('tenantId', uuid) tenantId: string) {
    return (await this.directories.list(tenantId)).map(directoryView);
  }

  @Get(':tenantId/directories/:directoryId')
  async getDirectory(@Param('tenantId', uuid) tenantId: string, @Param('directoryId', uuid) directoryId: string) {
    return directoryView(await this.directories.get(tenantId, directoryId));
  }

  @Post(':tenantId/directories/:directoryId/runs')
  @HttpCode(202)
  async startRun(
    @Param('tenantId', uuid) tenantId: string,
    @Param('directoryId', uuid) directoryId: string,
    @Body() body: unknown,
  ) {
    const { trigger } = StartRunBody.parse(body ?? {});
    return runView(await this.runs.start(tenantId, directoryId, trigger));
  }

  @Get(':tenantId/directories/:directoryId/runs')
  async listRuns(@Param('tenantId', uuid) tenantId: string, @Param('directoryId', uuid) directoryId: string) {
    return (await this.runs.list(tenantId, directoryId)).map(runView);
  }

  @Get(':tenantId/runs/:runId')
  async getRun(@Param('tenantId', uuid) tenantId: string, @Param('runId', uuid) runId: string) {
    return runView(await this.runs.get(tenantId, runId));
  }
}
