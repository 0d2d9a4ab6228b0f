import { NatsConnection, connect } from 'nats';
import { NatsServerFixture, startNatsServer } from '@roster/testing';
import { RpcError, rpcRequest, rpcRespond } from './index';

const TENANT = '00000000-0000-4000-8000-000000000001';
const RUN = '00000000-0000-4000-8000-000000000002';

describe('core NATS request/reply with typed contracts, on a real nats-server', () => {
  let nats: NatsServerFixture;
  let server: NatsConnection;
  let client: NatsConnection;

  beforeAll(async () => {
    nats = await startNatsServer();
    [server, client] = await Promise.all([connect({ servers: nats.url }), connect({ servers: nats.url })]);
  });

  afterAll(async () => {
    await Promise.all([server?.drain(), client?.drain()]);
    await nats?.stop();
  });

  it('answers a typed request with a reply validated both ways', async () => {
    const seen: unknown[] = [];
    const responder = rpcRespond(server, 'run.problems', async (q) => {
      seen.push(q);
      return { total: 1, problems: [{ rowNumber: 2, field: 'User Email', code: 'INVALID_EMAIL', message: 'not an email' }] };
    });
    await responder.ready;
    try {
      const reply = await rpcRequest(client, 'run.problems', { tenantId: TENANT, runId: RUN, offset: 0, limit: 10 }, { timeoutMs: 2000 });
      expect(reply).toEqual({ total: 1, problems: [{ rowNumber: 2, field: 'User Email', code: 'INVALID_EMAIL', message: 'not an email' }] });
      expect(seen).toEqual([{ tenantId: TENANT, runId: RUN, offset: 0, limit: 10 }]);
    } finally {
      await responder.drain();
    }
  });

  it('refuses a request that breaks its contract before it leaves', async () => {
    await expect(
      rpcRequest(client, 'run.problems', { tenantId: 'not-a-uuid', runId: RUN, offset: 0, limit: 10 }, { timeoutMs: 500 }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('reports a handler failure and a reply that breaks the contract, without hanging the caller', async () => {
    const failing = rpcRespond(server, 'users.existing', async () => {
      throw new Error('database is down');
    });
    await failing.ready;
    try {
      const error = await rpcRequest(client, 'users.existing', { tenantId: TENANT, emails: ['a@x.test'] }, { timeoutMs: 2000 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RpcError);
      expect(error).toMatchObject({ code: 'FAILED' });
      expect((error as Error).message).not.toContain('database is down');
    } finally {
      await failing.drain();
    }
  });

  it('is UNAVAILABLE at once when nobody answers the subject', async () => {
    const started = Date.now();
    const error = await rpcRequest(client, 'sftp.test', {
      tenantId: TENANT,
      directoryId: RUN,
      host: 'h',
      port: 22,
      username: 'u',
      folder: '/in',
    }, { timeoutMs: 5000 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UNAVAILABLE' });
    expect((error as Error).message).toMatch(/file-ingest is not answering sftp\.test/);
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('shares requests between replicas in one queue group, and a drained replica takes no more', async () => {
    const answeredBy: string[] = [];
    const replica = (name: string) =>
      rpcRespond(server, 'users.existing', async () => {
        answeredBy.push(name);
        return { existing: [] };
      });
    const a = replica('a');
    const b = replica('b');
    await Promise.all([a.ready, b.ready]);
    for (let i = 0; i < 20; i++) await rpcRequest(client, 'users.existing', { tenantId: TENANT, emails: [] }, { timeoutMs: 2000 });
    expect(answeredBy).toHaveLength(20); // each request answered once, not once per replica
    await a.drain();
    answeredBy.length = 0;
    for (let i = 0; i < 5; i++) await rpcRequest(client, 'users.existing', { tenantId: TENANT, emails: [] }, { timeoutMs: 2000 });
    expect(answeredBy).toEqual(['b', 'b', 'b', 'b', 'b']);
    await b.drain();
  });
});
