import { Inject, Injectable } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import { DirectoryEntity } from '../entities/directory.entity';
import { DirectoryConfigException, DirectoryConfigExceptionCode } from '../http/directory-config.exception';
import { ASKER, type Asker } from '../rpc/rpc.client';
import { TenantsUseCase } from '../tenants/tenants.usecase';
import type { ListUsersQuery } from './users.schemas';

/** The names of a tenant's directories by id: what the user views show next to the owning directory's id. */
export const DIRECTORY_NAMES = Symbol('DIRECTORY_NAMES');
export type DirectoryNames = (tenantId: string) => Promise<Map<string, string>>;

export const directoryNamesFrom =
  (orm: MikroORM): DirectoryNames =>
  async (tenantId) =>
    new Map((await orm.em.fork().find(DirectoryEntity, { tenantId }, { fields: ['id', 'name'] })).map((d) => [d.id, d.name]));

/**
 * Issue 9: the tenant's users, read from the reconciler (which owns them) over request/reply — a keyset page of
 * the search, or one user's profile with teams and manager chain — with the owning directory's name added from
 * this service's own table. The tenant is checked first, so an unknown tenant is 404, not an empty list.
 */
@Injectable()
export class UsersUseCase {
  constructor(
    private readonly tenants: TenantsUseCase,
    @Inject(ASKER) private readonly rpc: Asker,
    @Inject(DIRECTORY_NAMES) private readonly directoryNames: DirectoryNames,
  ) {}

  async list(tenantId: string, query: ListUsersQuery) {
    await this.tenants.get(tenantId);
    const { q, ...filters } = query;
    const [page, names] = await Promise.all([
      this.rpc.ask('users.search', { tenantId, ...filters, ...(q ? { q } : {}) }),
      this.directoryNames(tenantId),
    ]);
    return {
      users: page.users.map((u) => ({ ...u, directoryName: nameOf(names, u.sourceDirectoryId) })),
      nextAfter: page.nextAfter,
      limit: query.limit,
    };
  }

  async get(tenantId: string, userId: string) {
    await this.tenants.get(tenantId);
    const [{ user }, names] = await Promise.all([this.rpc.ask('user.profile', { tenantId, userId }), this.directoryNames(tenantId)]);
    if (!user) throw new DirectoryConfigException(DirectoryConfigExceptionCode.USER_NOT_FOUND, `user ${userId} does not exist in tenant ${tenantId}`);
    return { ...user, directoryName: nameOf(names, user.sourceDirectoryId) };
  }
}

const nameOf = (names: Map<string, string>, id: string | null) => (id === null ? null : (names.get(id) ?? null));
