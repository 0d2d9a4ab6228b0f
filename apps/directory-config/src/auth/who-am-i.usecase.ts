import { Injectable } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import { DirectoryConfigException, DirectoryConfigExceptionCode } from '../http/directory-config.exception';
import { ApiKeyEntity } from './api-key.entity';
import type { MeView } from './api-keys.schemas';
import type { Principal } from './authorize';

/**
 * R-SEC-02 `GET /v1/me`: the calling key's role, tenant and name, so a client (the admin console) shapes its
 * screens without probing routes. Reads only the caller's own key row; never the key or its hash.
 */
@Injectable()
export class WhoAmIUseCase {
  constructor(private readonly orm: MikroORM) {}

  async execute(principal: Principal): Promise<MeView> {
    const identity = { role: principal.role, tenantId: principal.tenantId };
    if (principal.keyId === 'config') return { ...identity, key: { kind: 'bootstrap', name: 'ROSTER_API_KEY' } };
    const row = await this.orm.em.fork().findOne(ApiKeyEntity, { id: principal.keyId });
    // Keys are revoked, never deleted; a row gone between the guard and here is a key that no longer exists.
    if (!row) throw new DirectoryConfigException(DirectoryConfigExceptionCode.UNAUTHENTICATED, 'a valid x-api-key header is required');
    return { ...identity, key: { kind: 'issued', id: row.id, name: row.name, prefix: row.prefix, createdAt: new Date(row.createdAt).toISOString() } };
  }
}
