import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import { DirectoryConfigException, DirectoryConfigExceptionCode } from '../http/directory-config.exception';
import { TenantEntity } from '../entities/tenant.entity';
import { ApiKey, ApiKeyEntity, ApiKeyRole } from './api-key.entity';
import type { Principal } from './authorize';

export interface ApiKeyView {
  id: string;
  name: string;
  role: ApiKeyRole;
  tenantId: string | null;
  prefix: string;
  createdAt: string;
  revokedAt: string | null;
}

export const hashApiKey = (key: string): string => createHash('sha256').update(key).digest('hex');

function view(k: ApiKey): ApiKeyView {
  return {
    id: k.id,
    name: k.name,
    role: k.role,
    tenantId: k.tenantId,
    prefix: k.prefix,
    createdAt: new Date(k.createdAt).toISOString(),
    revokedAt: k.revokedAt ? new Date(k.revokedAt).toISOString() : null,
  };
}

/**
 * R-SEC-02: API keys an operator issues — operator, tenant admin (one tenant) or read-only (one tenant). The key
 * is shown once, at creation; only its hash is stored, so neither the API nor a database dump can give it back.
 */
@Injectable()
export class ApiKeysUseCase {
  private readonly logger = new Logger(ApiKeysUseCase.name);

  constructor(private readonly orm: MikroORM) {}

  async create(input: { name: string; role: ApiKeyRole; tenantId?: string | null }): Promise<ApiKeyView & { key: string }> {
    const tenantId = input.role === 'operator' ? null : (input.tenantId ?? null);
    if (input.role !== 'operator' && tenantId === null) {
      throw new DirectoryConfigException(DirectoryConfigExceptionCode.VALIDATION_FAILED, `a ${input.role} key needs the tenant it belongs to`, [
        { path: 'tenantId', message: 'required for tenant-admin and read-only keys' },
      ]);
    }
    if (input.role === 'operator' && input.tenantId) {
      throw new DirectoryConfigException(DirectoryConfigExceptionCode.VALIDATION_FAILED, 'an operator key belongs to no tenant', [
        { path: 'tenantId', message: 'must be absent for operator keys' },
      ]);
    }
    const em = this.orm.em.fork();
    if (tenantId !== null && !(await em.findOne(TenantEntity, { id: tenantId }))) {
      throw new DirectoryConfigException(DirectoryConfigExceptionCode.TENANT_NOT_FOUND, `tenant ${tenantId} not found`);
    }
    const prefix = randomBytes(4).toString('hex');
    const key = `rk_${prefix}_${randomBytes(32).toString('base64url')}`;
    const row = em.create(ApiKeyEntity, {
      id: randomUUID(),
      name: input.name,
      role: input.role,
      tenantId,
      keyHash: hashApiKey(key),
      prefix,
      createdAt: new Date(),
      revokedAt: null,
    });
    await em.flush();
    this.logger.log({ keyId: row.id, prefix, role: row.role, tenantId }, 'api key created');
    return { ...view(row), key };
  }

  async list(): Promise<ApiKeyView[]> {
    const rows = await this.orm.em.fork().find(ApiKeyEntity, {}, { orderBy: { createdAt: 'asc', id: 'asc' } });
    return rows.map(view);
  }

  async revoke(id: string): Promise<ApiKeyView> {
    const em = this.orm.em.fork();
    const row = await em.findOne(ApiKeyEntity, { id });
    if (!row) throw new DirectoryConfigException(DirectoryConfigExceptionCode.API_KEY_NOT_FOUND, `api key ${id} not found`);
    row.revokedAt ??= new Date();
    await em.flush();
    this.logger.log({ keyId: row.id, prefix: row.prefix }, 'api key revoked');
    return view(row);
  }

  /** The principal of a presented key; undefined for an unknown or revoked one. */
  async principalOf(key: string): Promise<Principal | undefined> {
    const row = await this.orm.em.fork().findOne(ApiKeyEntity, { keyHash: hashApiKey(key), revokedAt: null });
    return row ? { role: row.role, tenantId: row.tenantId, keyId: row.id } : undefined;
  }
}
