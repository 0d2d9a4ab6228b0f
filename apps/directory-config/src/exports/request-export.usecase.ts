import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { MikroORM } from '@mikro-orm/postgresql';
import { Outbox, OutboxRelay } from '@roster/messaging';
import { RecipientsValidator } from '../directories/recipients.validator';
import { TenantsUseCase } from '../tenants/tenants.usecase';
import { ExportStatusUseCase } from './export-status.usecase';

/**
 * R-EXP-01: an admin asks for the tenant's users as a CSV file, mailed to them. The address must be a user of
 * the tenant (the same check as report recipients, R-NOT-02), so a file of the directory never goes to an
 * outsider. The request is an event through the outbox; the reconciler writes the file. Its status starts as
 * `requested` in the same transaction (`GET …/exports/{exportId}`).
 */
@Injectable()
export class RequestExportUseCase {
  constructor(
    private readonly orm: MikroORM,
    private readonly tenants: TenantsUseCase,
    private readonly recipients: RecipientsValidator,
    private readonly outbox: Outbox,
    private readonly relay: OutboxRelay,
    private readonly status: ExportStatusUseCase,
  ) {}

  async execute(tenantId: string, email: string): Promise<{ exportId: string }> {
    await this.tenants.get(tenantId);
    await this.recipients.assertUsersOfTenant(tenantId, [email]);
    const exportId = randomUUID();
    try {
      const requestedAt = new Date();
      // The status row and the request commit together: a status is readable as soon as the id is answered.
      await this.orm.em.fork().transactional(async (em) => {
        await this.status.created(em, tenantId, exportId, { email, requestedAt });
        await this.outbox.add(em, 'export.requested', { exportId, email, requestedAt: requestedAt.toISOString() }, { tenantId, id: exportId });
      });
    } finally {
      this.relay.kick();
    }
    return { exportId };
  }
}
