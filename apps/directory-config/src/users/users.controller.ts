import { Controller, Get, Param, ParseUUIDPipe, Query, UseFilters } from '@nestjs/common';
import { AdminApiExceptionFilter } from '../http/directory-config.exception';
import { ListUsersQuery } from './users.schemas';
import { UsersUseCase } from './users.usecase';

const uuid = new ParseUUIDPipe({ version: undefined });

/** Issue 9: reads of the tenant's users (search, profile) for the console, the CLI and scripts. */
@Controller('v1/tenants')
@UseFilters(AdminApiExceptionFilter)
export class UsersController {
  constructor(private readonly users: UsersUseCase) {}

  @Get(':tenantId/users')
  list(@Param('tenantId', uuid) tenantId: string, @Query() query: unknown) {
    return this.users.list(tenantId, ListUsersQuery.parse(query ?? {}));
  }

  @Get(':tenantId/users/:userId')
  get(@Param('tenantId', uuid) tenantId: string, @Param('userId', uuid) userId: string) {
    return this.users.get(tenantId, userId);
  }
}
