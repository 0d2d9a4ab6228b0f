import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { type EntityManager, LockMode, MikroORM } from '@mikro-orm/postgresql';
import { type DataKey, type OutboundUrlPolicy, SecretBox, checkOutboundUrl, directorySecretOwner } from '@roster/security';
import { subjectOf } from '@roster/contracts';
import { Directory, DirectoryEntity, eventOf, hrisOf, sftpOf } from '../entities/directory.entity';
import { RunEntity } from '../entities/run.entity';
import type { CreateDirectoryBody, UpdateDirectoryBody } from '../http/schemas';
import { DirectoryConfigException, DirectoryConfigExceptionCode } from '../http/directory-config.exception';
import { firstRunAt } from '../scheduler/next-run';
import { SECRET_BOX, TenantDataKeys } from '../keys/tenant-data-keys';
import { TenantsUseCase } from '../tenants/tenants.usecase';
import { applyDirectoryPatch } from './directory-patch';
import { RecipientsValidator } from './recipients.validator';
import { sameSchedule } from './schedule';

export { SECRET_BOX } from '../keys/tenant-data-keys';
/** The SSRF policy for HR API base URLs (`ROSTER_HRIS_BRIDGE_ALLOWED_HOSTS`, `ROSTER_HRIS_ALLOW_LOOPBACK`). */
export const OUTBOUND_URL_POLICY = Symbol('OUTBOUND_URL_POLICY');

/**
 * Refuses an HR API base URL the gateway would refuse (a host off the allow-list, scheme, credentials, internal
 * address) at config time, as a field error on `hris.baseUrl`.
 * Names are resolved only when the gateway connects (a name may move; it checks again there).
 */
export function assertOutboundUrl(url: string, policy: OutboundUrlPolicy): void {
  const checked = checkOutboundUrl(url, policy);
  if (!checked.ok) {
    throw new DirectoryConfigException(DirectoryConfigExceptionCode.VALIDATION_FAILED, `hris.baseUrl: ${checked.reason}`, [
      { path: 'hris.baseUrl', message: checked.reason },
    ]);
  }
}

const NO_SCHEDULE = { kind: 'disabled' } as const;

/** Whether a PATCH brings a secret to seal (a new password, private key or account token). */
const sealsSecret = (patch: UpdateDirectoryBody) => Boolean(patch.sftp?.password || patch.sftp?.privateKey || patch.hris?.accountToken);

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
    @Inject(OUTBOUND_URL_POLICY) private readonly urlPolicy: OutboundUrlPolicy,
    private readonly dataKeys: TenantDataKeys,
  ) {}

  async create(tenantId: string, body: CreateDirectoryBody): Promise<Directory> {
    if (body.type === 'hris-api') assertOutboundUrl(body.hris.baseUrl, this.urlPolicy);
    await this.tenants.get(tenantId);
    await this.recipients.assertUsersOfTenant(tenantId, body.recipients);
    // R-SEC-01: sealed with the tenant's data key, in the transaction that stores them (see TenantDataKeys).
    return this.orm.em.fork().transactional(async (em) => {
      const dataKey = body.type === 'event' ? undefined : await this.dataKeys.forSealing(em, tenantId);
      return this.insert(em, tenantId, body, dataKey);
    });
  }

  private insert(em: EntityManager, tenantId: string, body: CreateDirectoryBody, dataKey: DataKey | undefined): Directory {
    const id = randomUUID();
    const owner = directorySecretOwner(tenantId, id);
    const seal = (plain: string) => {
      if (!dataKey) throw new Error(`no data key to seal a secret of directory ${id}`);
      return this.secrets.seal(plain, owner, dataKey);
    };
    const now = new Date();
    let source: Pick<Directory, 'settings' | 'secrets'>;
    // R-EVT-02: an event directory has no schedule; each micro-batch of its events is a run.
    const schedule = body.type === 'event' ? NO_SCHEDULE : body.schedule;
    if (body.type === 'event') {
      source = { settings: { policy: body.policy }, secrets: {} };
    } else if (body.type === 'hris-api') {
      const { accountToken, ...hris } = body.hris;
      source = { settings: { ...hris, policy: body.policy }, secrets: { accountToken: seal(accountToken) } };
    } else {
      const { password, privateKey, ...sftp } = body.sftp;
      source = {
        settings: { ...sftp, dateFormat: body.dateFormat, headerMapping: body.headerMapping, safeguard: body.safeguard },
        secrets: { ...(password ? { password: seal(password) } : {}), ...(privateKey ? { privateKey: seal(privateKey) } : {}) },
      };
    }
    const directory = em.create(DirectoryEntity, {
      id,
      tenantId,
      name: body.name,
      type: body.type,
      ...source,
      recipients: body.recipients,
      schedule,
      enabled: body.enabled,
      nextRunAt: firstRunAt(schedule, body.enabled, now),
      createdAt: now,
      updatedAt: now,
    });
    return directory;
  }

  async get(tenantId: string, directoryId: string): Promise<Directory> {
    // The tenant is part of every lookup: a directory id of another tenant is "not found" (R-TEN-01).
    const directory = await this.orm.em.fork().findOne(DirectoryEntity, { id: directoryId, tenantId });
    if (!directory) throw notFound(tenantId, directoryId);
    return directory;
  }

  /** A tenant that does not exist is "not found", as on every other tenant route, rather than an empty list. */
  async list(tenantId: string): Promise<Directory[]> {
    await this.tenants.get(tenantId);
    return this.orm.em.fork().find(DirectoryEntity, { tenantId }, { orderBy: { createdAt: 'asc' } });
  }

  /** R-DIR-01: partial update; recipients are checked again when they change (R-NOT-02). */
  async update(tenantId: string, directoryId: string, patch: UpdateDirectoryBody): Promise<Directory> {
    if (patch.hris?.baseUrl !== undefined) assertOutboundUrl(patch.hris.baseUrl, this.urlPolicy);
    if (patch.recipients) await this.recipients.assertUsersOfTenant(tenantId, patch.recipients);
    return this.orm.em.fork().transactional(async (em) => {
      // The tenant's key row before the directory row: the lock order a rotation takes too.
      const dataKey = sealsSecret(patch) ? await this.dataKeys.forSealing(em, tenantId) : undefined;
      const directory = await em.findOne(DirectoryEntity, { id: directoryId, tenantId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!directory) throw notFound(tenantId, directoryId);
      const owner = directorySecretOwner(tenantId, directoryId);
      const before = { schedule: directory.schedule, enabled: directory.enabled };
      const now = new Date();
      applyDirectoryPatch(
        directory,
        patch,
        (plain) => {
          if (!dataKey) throw new Error(`no data key to seal a secret of directory ${directoryId}`);
          return this.secrets.seal(plain, owner, dataKey);
        },
        now,
      );
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
  const common = {
    id: d.id,
    tenantId: d.tenantId,
    name: d.name,
    enabled: d.enabled,
    recipients: d.recipients,
    schedule: d.schedule,
    nextRunAt: d.nextRunAt?.toISOString() ?? null,
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
  };
  if (d.type === 'event') {
    return {
      ...common,
      type: 'event' as const,
      policy: { ...eventOf(d).policy, orphans: 'ignore' as const },
      inbound: {
        upserted: subjectOf('inbound.employee.upserted', { tenant: d.tenantId }),
        terminated: subjectOf('inbound.employee.terminated', { tenant: d.tenantId }),
      },
    };
  }
  if (d.type === 'hris-api') {
    const { policy, provider, baseUrl, pageSize, fieldMappings } = hrisOf(d);
    return {
      ...common,
      type: 'hris-api' as const,
      // Secrets are write-only: the API says whether one is set, never what it is.
      hris: { provider, baseUrl, pageSize, fieldMappings, hasAccountToken: Boolean(d.secrets.accountToken) },
      policy,
    };
  }
  const s = sftpOf(d);
  return {
    ...common,
    type: 'sftp-csv' as const,
    sftp: {
      host: s.host,
      port: s.port,
      username: s.username,
      folder: s.folder,
      hostKeyFingerprint: s.hostKeyFingerprint,
      hasPassword: Boolean(d.secrets.password),
      hasPrivateKey: Boolean(d.secrets.privateKey),
    },
    dateFormat: s.dateFormat,
    headerMapping: s.headerMapping,
    safeguard: s.safeguard,
  };
}
