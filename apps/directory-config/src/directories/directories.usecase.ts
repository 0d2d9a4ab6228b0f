import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { LockMode, MikroORM } from '@mikro-orm/postgresql';
import { SecretBox, directorySecretOwner } from '@roster/security';
import { Directory, DirectoryEntity } from '../entities/directory.entity';
import { RunEntity } from '../entities/run.entity';
import { CreateSftpDirectoryBody, UpdateDirectoryBody } from '../http/schemas';
import { DirectoryConfigException, DirectoryConfigExceptionCode } from '../http/directory-config.exception';
import { firstRunAt } from '../scheduler/next-run';
import { TenantsUseCase } from '../tenants/tenants.usecase';
import { applyDirectoryPatch } from './directory-patch';
import { RecipientsValidator } from './recipients.validator';
import { sameSchedule } from './schedule';

export const SECRET_BOX = Symbol('SECRET_BOX');

const notFound = (tenantId: string, directoryId: string) =>
  new DirectoryConfigException(
    DirectoryConfigExceptionCode.DIRECTORY_NOT_FOUND,
    `directory ${directoryId} does not exist in tenant ${tenantId}`,
  );

@Injectable()
export class DirectoriesUseCase {
  constructor(
    private readonly orm: MikroORM,
    private readonly tenants: TenantsUseCase,
    private readonly recipients: RecipientsValidator,
    @Inject(SECRET_BOX) private readonly secrets: SecretBox,
  ) {}

  async create(tenantId: string, body: CreateSftpDirectoryBody): Promise<Directory> {
    await this.tenants.get(tenantId);
    await this.recipients.assertUsersOfTenant(tenantId, body.recipients);
    const em = this.orm.em.fork();
    const id = randomUUID();
    const { password, privateKey, ...sftp } = body.sftp;
    const owner = directorySecretOwner(tenantId, id);
    const now = new Date();
    const directory = em.create(DirectoryEntity, {
      id,
      tenantId,
      name: body.name,
      type: body.type,
      settings: { ...sftp, dateFormat: body.dateFormat, headerMapping: body.headerMapping },
      secrets: {
        ...(password ? { password: this.secrets.seal(password, owner) } : {}),
        ...(privateKey ? { privateKey: this.secrets.seal(privateKey, owner) } : {}),
      },
      recipients: body.recipients,
      schedule: body.schedule,
      enabled: body.enabled,
      nextRunAt: firstRunAt(body.schedule, body.enabled, now),
      createdAt: now,
      updatedAt: now,
    });
    await em.flush();
    return directory;
  }

  async get(tenantId: string, directoryId: string): Promise<Directory> {
    // The tenant is part of every lookup: a directory id of another tenant is "not found" (R-TEN-01).
    const directory = await this.orm.em.fork().findOne(DirectoryEntity, { id: directoryId, tenantId });
    if (!directory) throw notFound(tenantId, directoryId);
    return directory;
  }

  list(tenantId: string): Promise<Directory[]> {
    return this.orm.em.fork().find(DirectoryEntity, { tenantId }, { orderBy: { createdAt: 'asc' } });
  }

  /** R-DIR-01: partial update; recipients are checked again when they change (R-NOT-02). */
  async update(tenantId: string, directoryId: string, patch: UpdateDirectoryBody): Promise<Directory> {
    if (patch.recipients) await this.recipients.assertUsersOfTenant(tenantId, patch.recipients);
    return this.orm.em.fork().transactional(async (em) => {
      const directory = await em.findOne(DirectoryEntity, { id: directoryId, tenantId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!directory) throw notFound(tenantId, directoryId);
      const owner = directorySecretOwner(tenantId, directoryId);
      const before = { schedule: directory.schedule, enabled: directory.enabled };
      const now = new Date();
      applyDirectoryPatch(directory, patch, (plain) => this.secrets.seal(plain, owner), now);
      // R-DIR-04: a new schedule or enabled state is a new next run; other changes keep it.
      if (!sameSchedule(before.schedule, directory.schedule) || before.enabled !== directory.enabled) {
        const lastRun = directory.schedule.kind === 'every' ? await em.findOne(RunEntity, { tenantId, directoryId }, { orderBy: { createdAt: 'desc' } }) : null;
        directory.nextRunAt = firstRunAt(directory.schedule, directory.enabled, now, lastRun?.createdAt);
      }
      await em.flush();
      return directory;
    });
  }

  /**
   * Deletes a directory's settings and secrets; its runs stay readable as history. Refused while a run is
   * active (the source may still be reading the sealed secrets it carries): wait for the run to end.
   */
  async delete(tenantId: string, directoryId: string): Promise<void> {
    await this.orm.em.fork().transactional(async (em) => {
      // The lock orders this delete against a run starting now (start re-reads the directory in its transaction).
      const directory = await em.findOne(DirectoryEntity, { id: directoryId, tenantId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!directory) throw notFound(tenantId, directoryId);
      const active = await em.findOne(RunEntity, { tenantId, directoryId, active: true });
      if (active) {
        throw new DirectoryConfigException(
          DirectoryConfigExceptionCode.RUN_IN_PROGRESS,
          `directory ${directoryId} has a run in progress (${active.id}, ${active.status}); delete it once the run ends, or disable it now`,
          { activeRunId: active.id },
        );
      }
      em.remove(directory);
      await em.flush();
    });
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
      hasPrivateKey: Boolean(d.secrets.privateKey),
    },
    dateFormat: d.settings.dateFormat,
    headerMapping: d.settings.headerMapping,
    recipients: d.recipients,
    schedule: d.schedule,
    nextRunAt: d.nextRunAt?.toISOString() ?? null,
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
  };
}
