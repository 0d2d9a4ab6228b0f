import { Inject, Injectable, Logger } from '@nestjs/common';
import { Readable } from 'node:stream';
import { IsolationLevel, MikroORM } from '@mikro-orm/postgresql';
import type { EntityManager } from '@mikro-orm/postgresql';
import { nanos, type NatsConnection, type ObjectStore } from 'nats';
import { stringify } from 'csv-stringify/sync';
import {
  EXPORTS_BUCKET,
  EXPORTS_TTL_DAYS,
  EXPORT_CSV_OPTIONS,
  exportObjectName,
  type CloudEvent,
  type PayloadOf,
} from '@roster/contracts';
import { Outbox, OutboxRelay, handleOnce } from '@roster/messaging';
import { qualified, sql } from '@roster/persistence';
import { NATS_CONNECTION } from '@roster/platform';
import { ExportUserDbRow, sortedCustomLabels, usersExportHeader, usersExportRow } from './users-export.rows';

/** Users read per query: memory holds one page, never the whole tenant. */
export const EXPORT_PAGE_SIZE = 1000;
const CONSUMER = 'reconciler-exports';
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * R-EXP-01: writes the tenant's users as a users file into the JetStream object store and announces it
 * (`export.ready`, outbox). Users are read in keyset pages (by id) inside one REPEATABLE READ, read-only
 * transaction, so the file is one consistent snapshot; each page goes through csv-stringify and straight into
 * the object store's upload. Idempotent on the export: the object name is the export's (a redelivery overwrites
 * the same object), and `export.ready` is written once, with the inbox claim of the request. `export.building` is
 * announced first, so the export's status shows the file being written.
 */
@Injectable()
export class ExportUsersUseCase {
  private readonly logger = new Logger(ExportUsersUseCase.name);
  private store?: Promise<ObjectStore>;

  constructor(
    private readonly orm: MikroORM,
    private readonly outbox: Outbox,
    private readonly relay: OutboxRelay,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
  ) {}

  async execute(event: CloudEvent<PayloadOf<'export.requested'>>): Promise<void> {
    const { tenantid: tenantId, data } = event;
    if (await this.alreadyHandled(event.id)) return;
    await this.announceBuilding(tenantId, data.exportId);
    const objectName = exportObjectName(tenantId, data.exportId);
    const store = await this.objectStore();
    let rowCount = 0;
    const info = await this.orm.em.fork().transactional(
      async (em) => {
        const customLabels = await this.customLabels(em, tenantId);
        const chunks = this.csvChunks(em, tenantId, customLabels, () => (rowCount += 1));
        const body = Readable.toWeb(Readable.from(chunks)) as unknown as globalThis.ReadableStream<Uint8Array>;
        return store.put({ name: objectName, description: `users export ${data.exportId}` }, body);
      },
      { isolationLevel: IsolationLevel.REPEATABLE_READ, readOnly: true },
    );
    const createdAt = new Date();
    const outcome = await handleOnce(this.orm, CONSUMER, event.id, (em) =>
      this.outbox.add(
        em,
        'export.ready',
        {
          exportId: data.exportId,
          email: data.email,
          bucket: EXPORTS_BUCKET,
          objectName,
          fileName: `users-export-${createdAt.toISOString().slice(0, 10)}.csv`,
          rowCount,
          size: info.size,
          digest: info.digest,
          createdAt: createdAt.toISOString(),
        },
        { tenantId, id: `${data.exportId}:ready` },
      ),
    );
    this.relay.kick();
    if (!outcome.duplicate) this.logger.log({ tenantId, exportId: data.exportId, rowCount, size: info.size }, 'users export written');
  }

  /**
   * `export.building` for the export's status (directory-config): written before the file, in its own transaction,
   * so it is announced while the file is written. A redelivery writes it again under the same id (a duplicate).
   */
  private async announceBuilding(tenantId: string, exportId: string): Promise<void> {
    await this.orm.em.fork().transactional((em) =>
      this.outbox.add(em, 'export.building', { exportId, startedAt: new Date().toISOString() }, { tenantId, id: `${exportId}:building` }),
    );
    this.relay.kick();
  }

  private async alreadyHandled(eventId: string): Promise<boolean> {
    const em = this.orm.em.fork();
    const rows = await sql(em, `select 1 from ${qualified(em, 'inbox')} where consumer = ? and event_id = ?`, [CONSUMER, eventId]);
    return rows.length > 0;
  }

  /** The bucket, created on first use (idempotent); its objects expire after EXPORTS_TTL_DAYS. */
  private objectStore(): Promise<ObjectStore> {
    this.store ??= this.nc
      .jetstream()
      .views.os(EXPORTS_BUCKET, { ttl: nanos(EXPORTS_TTL_DAYS * DAY_MS), description: 'User exports (R-EXP-01)' })
      .catch((e: unknown) => {
        this.store = undefined;
        throw e;
      });
    return this.store;
  }

  private async customLabels(em: EntityManager, tenantId: string): Promise<string[]> {
    const rows = await sql<{ label: string }>(em,
      `select label from ${qualified(em, 'custom_field_definitions')} where tenant_id = ?`,
      [tenantId],
    );
    return sortedCustomLabels(rows.map((r) => r.label));
  }

  /** The file as byte chunks: the header, then one chunk per page of users (keyset pagination by id). */
  private async *csvChunks(em: EntityManager, tenantId: string, customLabels: readonly string[], onRow: () => void): AsyncGenerator<Buffer> {
    yield Buffer.from(stringify([usersExportHeader(customLabels)], EXPORT_CSV_OPTIONS), 'utf8');
    const rowOptions = { ...EXPORT_CSV_OPTIONS, bom: false };
    let after: string | null = null;
    for (;;) {
      const page = await this.page(em, tenantId, after);
      if (page.length === 0) return;
      const records = page.map((user) => {
        onRow();
        return usersExportRow(user, customLabels);
      });
      yield Buffer.from(stringify(records, rowOptions), 'utf8');
      if (page.length < EXPORT_PAGE_SIZE) return;
      after = page[page.length - 1]?.id ?? null;
    }
  }

  private page(em: EntityManager, tenantId: string, after: string | null): Promise<ExportUserDbRow[]> {
    const users = qualified(em, 'users');
    const memberships = qualified(em, 'team_memberships');
    const teams = qualified(em, 'teams');
    return sql<ExportUserDbRow>(em,
      `select u.id, u.email, u.first_name, u.last_name, u.display_name, u.job_title, u.department, u.location,
              u.employee_id, u.start_date, u.is_org_admin, u.custom_fields, u.deactivate_at, m.email as manager_email,
              (select coalesce(json_agg(t.name order by t.name_key), '[]'::json)
                 from (select distinct t.name, t.name_key from ${memberships} tm join ${teams} t on t.id = tm.team_id and t.tenant_id = tm.tenant_id
                        where tm.tenant_id = u.tenant_id and tm.user_id = u.id) t) as teams
         from ${users} u left join ${users} m on m.id = u.manager_id and m.tenant_id = u.tenant_id
        where u.tenant_id = ?${after === null ? '' : ' and u.id > ?'}
        order by u.id limit ?`,
      after === null ? [tenantId, EXPORT_PAGE_SIZE] : [tenantId, after, EXPORT_PAGE_SIZE],
    );
  }
}
