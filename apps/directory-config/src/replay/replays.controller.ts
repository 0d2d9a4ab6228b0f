import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Res, UseFilters } from '@nestjs/common';
import type { Response } from 'express';
import { AdminApiExceptionFilter } from '../http/directory-config.exception';
import { runView } from '../runs/runs.usecase';
import { TenantsUseCase } from '../tenants/tenants.usecase';
import { CreateReplayBody, ListReplaysQuery, ReplayParams } from './replays.schemas';
import { ReplaysUseCase } from './replays.usecase';
import { RerunRunUseCase } from './rerun-run.usecase';

const uuid = new ParseUUIDPipe({ version: undefined });

/** R-OPS-01 for operators: replay consumers on any tenant's subjects. */
@Controller('v1/replays')
@UseFilters(AdminApiExceptionFilter)
export class ReplaysController {
  constructor(private readonly replays: ReplaysUseCase) {}

  /** 201 with a new consumer; 200 when it existed with the same parameters (nothing changed). */
  @Post()
  async create(@Body() body: unknown, @Res({ passthrough: true }) res: Response) {
    const view = await this.replays.create(null, CreateReplayBody.parse(body ?? {}));
    res.status(view.created ? 201 : 200);
    return view;
  }

  @Get()
  list(@Query() query: unknown) {
    return this.replays.list(null, ListReplaysQuery.parse(query ?? {}).stream);
  }

  @Get(':stream/:name')
  get(@Param() params: unknown) {
    const { stream, name } = ReplayParams.parse(params);
    return this.replays.get(null, stream, name);
  }

  @Delete(':stream/:name')
  @HttpCode(204)
  async delete(@Param() params: unknown) {
    const { stream, name } = ReplayParams.parse(params);
    await this.replays.delete(null, stream, name);
  }
}

/** R-OPS-01 within one tenant (R-TEN-01): every filter is pinned to the tenant's subjects. */
@Controller('v1/tenants/:tenantId/replays')
@UseFilters(AdminApiExceptionFilter)
export class TenantReplaysController {
  constructor(
    private readonly replays: ReplaysUseCase,
    private readonly tenants: TenantsUseCase,
  ) {}

  @Post()
  async create(@Param('tenantId', uuid) tenantId: string, @Body() body: unknown, @Res({ passthrough: true }) res: Response) {
    const parsed = CreateReplayBody.parse(body ?? {});
    await this.tenants.get(tenantId);
    const view = await this.replays.create(tenantId.toLowerCase(), parsed);
    res.status(view.created ? 201 : 200);
    return view;
  }

  @Get()
  async list(@Param('tenantId', uuid) tenantId: string, @Query() query: unknown) {
    const { stream } = ListReplaysQuery.parse(query ?? {});
    await this.tenants.get(tenantId);
    return this.replays.list(tenantId.toLowerCase(), stream);
  }

  @Get(':stream/:name')
  get(@Param('tenantId', uuid) tenantId: string, @Param('stream') stream: string, @Param('name') name: string) {
    const p = ReplayParams.parse({ stream, name });
    return this.replays.get(tenantId.toLowerCase(), p.stream, p.name);
  }

  @Delete(':stream/:name')
  @HttpCode(204)
  async delete(@Param('tenantId', uuid) tenantId: string, @Param('stream') stream: string, @Param('name') name: string) {
    const p = ReplayParams.parse({ stream, name });
    await this.replays.delete(tenantId.toLowerCase(), p.stream, p.name);
  }
}

/** R-OPS-01: re-run a past run from its retained source record batches. */
@Controller('v1/tenants/:tenantId/runs')
@UseFilters(AdminApiExceptionFilter)
export class RerunController {
  constructor(private readonly rerun: RerunRunUseCase) {}

  @Post(':runId/rerun')
  @HttpCode(202)
  async rerunRun(@Param('tenantId', uuid) tenantId: string, @Param('runId', uuid) runId: string) {
    return runView(await this.rerun.execute(tenantId, runId));
  }
}
