import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { MikroORM } from '@mikro-orm/postgresql';
import { SecretBox, directorySecretOwner } from '@roster/security';
import { Directory, DirectoryEntity } from '../entities/directory.entity';
import { CreateSftpDirectoryBody } from '../http/schemas';
import { DirectoryConfigException, DirectoryConfigExceptionCode } from '../http/directory-config.exception';
import { TenantsUseCase } from '../tenants/tenants.usecase';

export const SECRET_BOX = Symbol('SECRET_BOX');

@Injectable()
export class DirectoriesUseCase {
  constructor(
    private readonly orm: MikroORM,
    private readonly tenants: TenantsUseCase,
    @Inject(SECRET_BOX) private readonly secrets: SecretBox,
  ) {}

  async create(tenantId: string, body: CreateSftpDirectoryBody): Promise<Directory> {
    await this.tenants.get(tenantId);
    const em = this.orm.em.fork();
    const id = randomUUID();
    const { password, ...sftp } = body.sftp;
    const directory = em.create(DirectoryEntity, {
      id,
      tenantId,
      name: body.name,
      type: body.type,
      settings: { ...sftp, dateFormat: body.dateFormat, headerMapping: body.headerMapping },
      secrets: { password: this.secrets.seal(password, directorySecretOwner(tenantId, id)) },
      recipients: body.recipients,
      enabled: true,
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    await em.flush();
    return directory;
  }

  async get(tenantId: string, directoryId: string): Promise<Directory> {
    // The tenant is part of every lookup: a directory id of another tenant is "not found" (R-TEN-01).
    const directory = await this.orm.em.fork().findOne(DirectoryEntity, { id: directoryId, tenantId });
    if (!directory) {
      throw new DirectoryConfigException(
        DirectoryConfigExceptionCode.DIRECTORY_NOT_FOUND,
        `directory ${directoryId} does not exist in tenant ${tenantId}`,
      );
    }
    return directory;
  }

  list(tenantId: string): Promise<Directory[]> {
    return this.orm.em.fork().find(DirectoryEntity, { tenantId }, { orderBy: { createdAt: 'asc' } });
  }
}

export function directoryView(d: Directory) {
  return {
    id: d.id,
    tenantId: d.tenantId,
    name: d.name,
    type: d.type,
    enabled: d.enabled,
    sftp: {
      host: d.settings.host,
      port: d.settings.port,
      username: d.settings.username,
      folder: d.settings.folder,
      hostKeyFingerprint: d.settings.hostKeyFingerprint,
      hasPassword: Boolean(d.secrets.password),
    },
    dateFormat: d.settings.dateFormat,
    headerMapping: d.settings.headerMapping,
    recipients: d.recipients,
    createdAt: d.createdAt.toISOString(),
  };
}
