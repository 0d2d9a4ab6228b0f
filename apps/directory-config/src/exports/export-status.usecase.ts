import { Injectable, Logger } from '@nestjs/common';
import { LockMode, MikroORM } from '@mikro-orm/postgresql';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DirectoryConfigException, DirectoryConfigExceptionCode } from '../http/directory-config.exception';
import { type Export, ExportEntity } from './export.entity';
import { type ExportChange, applyExportChange } from './export-status';
import type { ExportView } from './exports.schemas';

/** Who an export is for, when the event carries it: enough to start the row of an export requested before it was kept. */
export interface ExportOrigin {
  email: string;
  requestedAt: Date;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function exportView(e: Export): ExportView {
  return {
    exportId: e.id,
    status: e.status,
    email: e.email,
    rowCount: e.rowCount,
    size: e.size,
    fileName: e.fileName,
    failure: e.failure,
    requestedAt: e.requestedAt.toISOString(),
    startedAt: iso(e.startedAt),
    readyAt: iso(e.readyAt),
    mailedAt: iso(e.mailedAt),
    failedAt: iso(e.failedAt),
    updatedAt: e.updatedAt.toISOString(),
  };
}

/** R-EXP-01: an export's status, read by the admin API and kept from the export events (each applied once). */
@Injectable()
export class ExportStatusUseCase {
  private readonly logger = new Logger(ExportStatusUseCase.name);

  constructor(private readonly orm: MikroORM) {}

  async get(tenantId: string, exportId: string): Promise<ExportView> {
    const found = await this.orm.em.fork().findOne(ExportEntity, { tenantId, id: exportId });
    if (!found) {
      throw new DirectoryConfigException(DirectoryConfigExceptionCode.EXPORT_NOT_FOUND, `export ${exportId} does not exist in tenant ${tenantId}`);
    }
    return exportView(found);
  }

  /** The row of a new export, `requested`, in the caller's transaction (the one that writes `export.requested`). */
  async created(em: EntityManager, tenantId: string, exportId: string, origin: ExportOrigin): Promise<void> {
    await em.insert(ExportEntity, this.newRow(tenantId, exportId, origin));
  }

  /** `export.requested` seen on the bus: the row exists already unless the export was requested before it was kept. */
  async requested(em: EntityManager, tenantId: string, exportId: string, origin: ExportOrigin): Promise<void> {
    await em.upsert(ExportEntity, this.newRow(tenantId, exportId, origin), { onConflictAction: 'ignore' });
  }

  /** Applies one change under the row's lock; an unknown export is started from `origin` when the event names one. */
  async apply(em: EntityManager, tenantId: string, exportId: string, change: ExportChange, origin?: ExportOrigin): Promise<void> {
    if (origin) await this.requested(em, tenantId, exportId, origin);
    const row = await em.findOne(ExportEntity, { tenantId, id: exportId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!row) {
      this.logger.warn({ tenantId, exportId, change: change.kind }, 'export status change for an export that is not kept; ignored');
      return;
    }
    const before = row.status;
    Object.assign(row, applyExportChange(row, change), { updatedAt: new Date() });
    await em.flush();
    if (row.status !== before) this.logger.log({ tenantId, exportId, from: before, status: row.status }, 'export status changed');
  }

  private newRow(tenantId: string, exportId: string, origin: ExportOrigin): Export {
    return {
      tenantId,
      id: exportId,
      email: origin.email,
      status: 'requested',
      rowCount: null,
      size: null,
      fileName: null,
      failure: null,
      requestedAt: origin.requestedAt,
      startedAt: null,
      readyAt: null,
      mailedAt: null,
      failedAt: null,
      updatedAt: new Date(),
    };
  }
}
