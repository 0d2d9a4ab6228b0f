import { DynamicModule, Module } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import { ASKER, RpcClient } from '../rpc/rpc.client';
import { TenantsUseCase } from '../tenants/tenants.usecase';
import { UsersController } from './users.controller';
import { DIRECTORY_NAMES, UsersUseCase, directoryNamesFrom } from './users.usecase';

/** Issue 9: the users read API (the reconciler owns users; this module asks it). */
@Module({})
export class UsersModule {
  static register(): DynamicModule {
    return {
      module: UsersModule,
      controllers: [UsersController],
      providers: [
        { provide: ASKER, useClass: RpcClient },
        { provide: DIRECTORY_NAMES, useFactory: directoryNamesFrom, inject: [MikroORM] },
        TenantsUseCase,
        UsersUseCase,
      ],
    };
  }
}
