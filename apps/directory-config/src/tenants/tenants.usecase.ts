import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { MikroORM } from '@mikro-orm/postgresql';
import { Tenant, TenantEntity } from '../entities/tenant.entity';
import { CreateTenantBody } from '../http/schemas';
import { DirectoryConfigException, DirectoryConfigExceptionCode } from '../http/directory-config.exception';

@Injectable()
export class TenantsUseCase {
  constructor(private readonly orm: MikroORM) {}

  async create(body: CreateTenantBody): Promise<Tenant> {
    const em = this.orm.em.fork();
    const tenant = em.create(TenantEntity, {
      id: randomUUID(),
      name: body.name,
      ownerEmail: body.ownerEmail ?? null,
      createdAt: new Date(),
    });
    await em.flush();
    return tenant;
  }

  async get(tenantId: string): Promise<Tenant> {
    const tenant = await this.orm.em.fork().findOne(TenantEntity, { id: tenantId });
    if (!tenant) throw new DirectoryConfigException(DirectoryConfigExceptionCode.TENANT_NOT_FOUND, `tenant ${tenantId} does not exist`);
    return tenant;
  }
}
