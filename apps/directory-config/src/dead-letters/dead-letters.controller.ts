import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, UseFilters } from '@nestjs/common';
import { AdminApiExceptionFilter } from '../http/directory-config.exception';
import { TenantsUseCase } from '../tenants/tenants.usecase';
import {
  DeadLetterSequenceParam,
  DeadLettersQuery,
  DiscardBody,
  RedriveAllBody,
  TenantDeadLettersQuery,
  TenantRedriveAllBody,
} from './dead-letters.schemas';
import { DeadLettersUseCase, deadLetterSummaryView, deadLetterView } from './dead-letters.usecase';

const uuid = new ParseUUIDPipe({ version: undefined });
const sequenceOf = (raw: string) => DeadLetterSequenceParam.parse(raw);

/** R-OPS-02 for operators: every tenant's dead letters, and those whose tenant is unknown (a malformed envelope). */
@Controller('v1/dead-letters')
@UseFilters(AdminApiExceptionFilter)
export class DeadLettersController {
  constructor(private readonly deadLetters: DeadLettersUseCase) {}

  @Get()
  async list(@Query() query: unknown) {
    const { afterSequence, limit, ...filter } = DeadLettersQuery.parse(query ?? {});
    const page = await this.deadLetters.list(filter, { afterSequence, limit });
    return { ...page, items: page.items.map(deadLetterSummaryView) };
  }

  @Post('redrive')
  @HttpCode(200)
  redriveAll(@Body() body: unknown) {
    const { limit, afterSequence, untilSequence, ...filter } = RedriveAllBody.parse(body ?? {});
    return this.deadLetters.redriveAll(filter, { limit, afterSequence, untilSequence });
  }

  @Get(':sequence')
  async get(@Param('sequence') sequence: string) {
    return deadLetterView(await this.deadLetters.get(sequenceOf(sequence)));
  }

  @Post(':sequence/redrive')
  @HttpCode(200)
  redrive(@Param('sequence') sequence: string) {
    return this.deadLetters.redrive(sequenceOf(sequence));
  }

  @Post(':sequence/discard')
  @HttpCode(200)
  discard(@Param('sequence') sequence: string, @Body() body: unknown) {
    return this.deadLetters.discard(sequenceOf(sequence), DiscardBody.parse(body ?? {}).reason);
  }
}

/** R-OPS-02 within one tenant (R-TEN-01): only dead letters whose subject and envelope name this tenant. */
@Controller('v1/tenants/:tenantId/dead-letters')
@UseFilters(AdminApiExceptionFilter)
export class TenantDeadLettersController {
  constructor(
    private readonly deadLetters: DeadLettersUseCase,
    private readonly tenants: TenantsUseCase,
  ) {}

  @Get()
  async list(@Param('tenantId', uuid) tenantId: string, @Query() query: unknown) {
    const { afterSequence, limit, ...filter } = TenantDeadLettersQuery.parse(query ?? {});
    await this.tenants.get(tenantId);
    const page = await this.deadLetters.list({ ...filter, tenantId }, { afterSequence, limit });
    return { ...page, items: page.items.map(deadLetterSummaryView) };
  }

  @Post('redrive')
  @HttpCode(200)
  async redriveAll(@Param('tenantId', uuid) tenantId: string, @Body() body: unknown) {
    const { limit, afterSequence, untilSequence, ...filter } = TenantRedriveAllBody.parse(body ?? {});
    await this.tenants.get(tenantId);
    return this.deadLetters.redriveAll({ ...filter, tenantId }, { limit, afterSequence, untilSequence });
  }

  @Get(':sequence')
  async get(@Param('tenantId', uuid) tenantId: string, @Param('sequence') sequence: string) {
    return deadLetterView(await this.deadLetters.get(sequenceOf(sequence), tenantId));
  }

  @Post(':sequence/redrive')
  @HttpCode(200)
  redrive(@Param('tenantId', uuid) tenantId: string, @Param('sequence') sequence: string) {
    return this.deadLetters.redrive(sequenceOf(sequence), tenantId);
  }

  @Post(':sequence/discard')
  @HttpCode(200)
  discard(@Param('tenantId', uuid) tenantId: string, @Param('sequence') sequence: string, @Body() body: unknown) {
    return this.deadLetters.discard(sequenceOf(sequence), DiscardBody.parse(body ?? {}).reason, tenantId);
  }
}
