import type { RpcName, RpcReplyOf, RpcRequestOf } from '@roster/contracts';
import { DirectoryConfigExceptionCode } from '../http/directory-config.exception';
import type { Asker } from '../rpc/rpc.client';
import { RecipientsValidator } from './recipients.validator';

const TENANT = '00000000-0000-4000-8000-000000000001';

/** The reconciler's answer for a tenant whose users are `users`. */
function reconcilerWith(users: string[]): Asker & { asked: unknown[] } {
  const asked: unknown[] = [];
  return {
    asked,
    async ask<N extends RpcName>(name: N, request: RpcRequestOf<N>): Promise<RpcReplyOf<N>> {
      asked.push({ name, request });
      const { emails } = request as RpcRequestOf<'users.existing'>;
      return { existing: emails.map((e) => e.toLowerCase()).filter((e) => users.includes(e)) } as RpcReplyOf<N>;
    },
  };
}

describe('RecipientsValidator', () => {
  it('R-NOT-02 accepts recipients who are users of the tenant, compared case-insensitively', async () => {
    const rpc = reconcilerWith(['hr@acme.test', 'ops@acme.test']);
    await expect(new RecipientsValidator(rpc).assertUsersOfTenant(TENANT, ['HR@acme.test', 'ops@acme.test'])).resolves.toBeUndefined();
    expect(rpc.asked).toEqual([{ name: 'users.existing', request: { tenantId: TENANT, emails: ['HR@acme.test', 'ops@acme.test'] } }]);
  });

  it('R-NOT-02 refuses with the list of addresses that are not users', async () => {
    const validator = new RecipientsValidator(reconcilerWith(['hr@acme.test']));
    await expect(validator.assertUsersOfTenant(TENANT, ['hr@acme.test', 'ceo@gmail.test', 'x@acme.test'])).rejects.toMatchObject({
      code: DirectoryConfigExceptionCode.RECIPIENT_NOT_A_USER,
      message: 'recipients must be users of the tenant; not users: ceo@gmail.test, x@acme.test',
      details: { unknown: ['ceo@gmail.test', 'x@acme.test'] },
    });
  });

  it('R-NOT-02 lets a new tenant, with no users yet, configure a directory without recipients (no question asked)', async () => {
    const rpc = reconcilerWith([]);
    await new RecipientsValidator(rpc).assertUsersOfTenant(TENANT, []);
    expect(rpc.asked).toEqual([]);
  });
});
