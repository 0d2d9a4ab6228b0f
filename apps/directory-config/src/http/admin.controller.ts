import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, UseFilters } from '@nestjs/common';
import { TestConnectionUseCase } from '../connection/test-connection.usecase';
import { DirectoriesUseCase, directoryView } from '../directories/directories.usecase';
import { RunProblemsUseCase } from '../runs/run-problems.usecase';
import { RunsUseCase, runView } from '../runs/runs.usecase';
import { TenantsUseCase } from '../tenants/tenants.usecase';
import { AdminApiExceptionFilter } from './directory-config.exception';
import {
  CreateDirectoryBody,
  CreateTenantBody,
  ListRunsQuery,
  ProblemsQuery,
  StartRunBody,
  TestConnectionBody,
  UpdateDirectoryBody,
} from './schemas';

const uuid = new ParseUUIDPipe({ version: undefined });

/** The admin API (v1). Bodies are parsed with the zod schemas that also produce the OpenAPI document. */
@Controller('v1/tenants')
@UseFilters(AdminApiExceptionFilter)
export class AdminController {
  constructor(
    private readonly tenants: TenantsUseCase,
    private readonly directories: DirectoriesUseCase,
    private readonly runs: RunsUseCase,
    private readonly problems: RunProblemsUseCase,
    private readonly connection: TestConnectionUseCase,
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
    return directoryView(await this.directories.create(tenantId, CreateDirectoryBody.parse(body)));
  }

  @Get(':tenantId/directories')
  async listDirectories(@Param('tenantId', uuid) tenantId: string) {
    return (await this.directories.list(tenantId)).map(directoryView);
  }

  @Get(':tenantId/directories/:directoryId')
  async getDirectory(@Param('tenantId', uuid) tenantId: string, @Param('directoryId', uuid) directoryId: string) {
    return directoryView(await this.directories.get(tenantId, directoryId));
  }

  @Patch(':tenantId/directories/:directoryId')
  async updateDirectory(
    @Param('tenantId', uuid) tenantId: string,
    @Param('directoryId', uuid) directoryId: string,
    @Body() body: unknown,
  ) {
    return directoryView(await this.directories.update(tenantId, directoryId, UpdateDirectoryBody.parse(body ?? {})));
  }

  @Post(':tenantId/directories/:directoryId/disable')
  @HttpCode(200)
  async disableDirectory(@Param('tenantId', uuid) tenantId: string, @Param('directoryId', uuid) directoryId: string) {
    return directoryView(await this.directories.update(tenantId, directoryId, { enabled: false }));
  }

  @Post(':tenantId/directories/:directoryId/enable')
  @HttpCode(200)
  async enableDirectory(@Param('tenantId', uuid) tenantId: string, @Param('directoryId', uuid) directoryId: string) {
    return directoryView(await this.directories.update(tenantId, directoryId, { enabled: true }));
  }

  @Delete(':tenantId/directories/:directoryId')
  @HttpCode(204)
  async deleteDirectory(@Param('tenantId', uuid) tenantId: string, @Param('directoryId', uuid) directoryId: string) {
    await this.directories.delete(tenantId, directoryId);
  }

  @Post(':tenantId/directories/test')
  @HttpCode(200)
  async testUnsavedConnection(@Param('tenantId', uuid) tenantId: string, @Body() body: unknown) {
    return this.connection.testUnsaved(tenantId, TestConnectionBody.parse(body));
  }

  @Post(':tenantId/directories/:directoryId/test')
  @HttpCode(200)
  async testConnection(@Param('tenantId', uuid) tenantId: string, @Param('directoryId', uuid) directoryId: string) {
    return this.connection.testSaved(tenantId, directoryId);
  }

  @Post(':tenantId/directories/:directoryId/runs')
  @HttpCode(202)
  async startRun(
    @Param('tenantId', uuid) tenantId: string,
    @Param('directoryId', uuid) directoryId: string,
    @Body() body: unknown,
  ) {
    const { trigger, fetch } = StartRunBody.parse(body ?? {});
    return runView(await this.runs.start(tenantId, directoryId, trigger, fetch));
  }

  @Get(':tenantId/directories/:directoryId/runs')
  async listRuns(
    @Param('tenantId', uuid) tenantId: string,
    @Param('directoryId', uuid) directoryId: string,
    @Query() query: unknown,
  ) {
    return (await this.runs.list(tenantId, directoryId, ListRunsQuery.parse(query ?? {}))).map(runView);
  }

  @Get(':tenantId/runs/:runId/problems')
  async runProblems(@Param('tenantId', uuid) tenantId: string, @Param('runId', uuid) runId: string, @Query() query: unknown) {
    const { offset, limit } = ProblemsQuery.parse(query ?? {});
    return this.problems.page(tenantId, runId, offset, limit);
  }

  /** R-SAFE-01: every user a held run would deactivate or delete, paged (the run view carries the first 100). */
  @Get(':tenantId/runs/:runId/held-removals')
  async heldRemovals(@Param('tenantId', uuid) tenantId: string, @Param('runId', uuid) runId: string, @Query() query: unknown) {
    const { offset, limit } = ProblemsQuery.parse(query ?? {});
    return this.problems.heldRemovals(tenantId, runId, offset, limit);
  }

  /** R-SAFE-01: approve a run held in awaiting-approval. */
  @Post(':tenantId/runs/:runId/approve')
  @HttpCode(202)
  async approveRun(@Param('tenantId', uuid) tenantId: string, @Param('runId', uuid) runId: string) {
    return runView(await this.runs.decide(tenantId, runId, 'approve'));
  }

  /** R-SAFE-01: reject a run held in awaiting-approval (nothing of it is applied). */
  @Post(':tenantId/runs/:runId/reject')
  @HttpCode(202)
  async rejectRun(@Param('tenantId', uuid) tenantId: string, @Param('runId', uuid) runId: string) {
    return runView(await this.runs.decide(tenantId, runId, 'reject'));
  }

  @Get(':tenantId/runs/:runId')
  async getRun(@Param('tenantId', uuid) tenantId: string, @Param('runId', uuid) runId: string) {
    return runView(await this.runs.get(tenantId, runId));
  }
}
