import { Inject, Injectable } from '@nestjs/common';
import { DirectoryConfigException, DirectoryConfigExceptionCode } from '../http/directory-config.exception';
import { ASKER, type Asker } from '../rpc/rpc.client';

/**
 * R-NOT-02: recipients must be users of the tenant, so a report never goes to an outsider. The reconciler
 * owns the users and answers. A new tenant has no users yet: its directories start without recipients.
 */
@Injectable()
export class RecipientsValidator {
  constructor(@Inject(ASKER) private readonly rpc: Asker) {}

  async assertUsersOfTenant(tenantId: string, recipients: readonly string[]): Promise<void> {
    if (recipients.length === 0) return;
    const { existing } = await this.rpc.ask('users.existing', { tenantId, emails: [...recipients] });
    const known = new Set(existing.map((e) => e.toLowerCase()));
    const unknown = recipients.filter((r) => !known.has(r.toLowerCase()));
    if (unknown.length > 0) {
      throw new DirectoryConfigException(
        DirectoryConfigExceptionCode.RECIPIENT_NOT_A_USER,
        `recipients must be users of the tenant; not users: ${unknown.join(', ')}`,
        { unknown },
      );
    }
  }
}
