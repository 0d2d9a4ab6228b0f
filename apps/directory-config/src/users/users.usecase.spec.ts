import type { RpcName, RpcReplyOf, RpcRequestOf } from '@roster/contracts';
import { DirectoryConfigException } from '../http/directory-config.exception';
import type { Asker } from '../rpc/rpc.client';
import type { TenantsUseCase } from '../tenants/tenants.usecase';
import { ListUsersQuery } from './users.schemas';
import { UsersUseCase } from './users.usecase';

const T = '6f1c2a9e-0000-4000-8000-00000000000a';
const D = '6f1c2a9e-0000-4000-8000-0000000000d1';
const GONE = '6f1c2a9e-0000-4000-8000-0000000000d9';
const U = '6f1c2a9e-0000-4000-8000-000000000001';

const summary = (email: string, sourceDirectoryId: string | null) => ({
  userId: U,
  email,
  username: null,
  firstName: null,
  lastName: null,
  displayName: null,
  status: 'active' as const,
  jobTitle: null,
  department: null,
  sourceDirectoryId,
  managerId: null,
  teams: [],
});

/** Issue 9: the users read API's use case, with the reconciler and the tenants faked. */
describe('UsersUseCase', () => {
  const asked: { name: RpcName; request: unknown }[] = [];
  let reply: unknown;
  const rpc: Asker = {
    ask: <N extends RpcName>(name: N, request: RpcRequestOf<N>) => {
      asked.push({ name, request });
      return Promise.resolve(reply as RpcReplyOf<N>);
    },
  };
  let tenantExists = true;
  const tenants = {
    get: (id: string) => (tenantExists ? Promise.resolve({ id }) : Promise.reject(new DirectoryConfigException('TENANT_NOT_FOUND' as never, `tenant ${id} does not exist`))),
  } as unknown as TenantsUseCase;
  const useCase = new UsersUseCase(tenants, rpc, () => Promise.resolve(new Map([[D, 'HR drop']])));

  beforeEach(() => {
    asked.length = 0;
    tenantExists = true;
  });

  it('asks the reconciler for a page with the filters given (a blank search is none) and names the owning directories', async () => {
    reply = { users: [summary('a@x.test', D), summary('b@x.test', GONE), summary('c@x.test', null)], nextAfter: 'c@x.test' };
    const page = await useCase.list(T, ListUsersQuery.parse({ q: '  ', status: 'active', limit: '3' }));
    expect(asked).toEqual([{ name: 'users.search', request: { tenantId: T, status: 'active', limit: 3 } }]);
    expect(page.users.map((u) => u.directoryName)).toEqual(['HR drop', null, null]);
    expect(page).toMatchObject({ nextAfter: 'c@x.test', limit: 3 });
  });

  it('answers USER_NOT_FOUND for a user the tenant does not have, and checks the tenant before asking', async () => {
    reply = {};
    await expect(useCase.get(T, U)).rejects.toMatchObject({ code: 'USER_NOT_FOUND', message: `user ${U} does not exist in tenant ${T}` });
    tenantExists = false;
    asked.length = 0;
    await expect(useCase.list(T, ListUsersQuery.parse({}))).rejects.toMatchObject({ code: 'TENANT_NOT_FOUND' });
    expect(asked).toEqual([]);
  });

  it('validates the query: limit 1..200 (default 50), ids, statuses, no unknown parameter', () => {
    expect(ListUsersQuery.parse({})).toEqual({ limit: 50 });
    const bad = ListUsersQuery.safeParse({ limit: '500', directoryId: 'nope', status: 'gone', page: '2' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join('.') || i.code).sort()).toEqual(['directoryId', 'limit', 'status', 'unrecognized_keys'].sort());
  });
});
