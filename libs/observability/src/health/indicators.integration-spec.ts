import { MikroORM } from '@mikro-orm/postgresql';
import { connect, type NatsConnection } from 'nats';
import { Client } from 'pg';
import { natsIndicator, postgresIndicator } from '../index';

// Real PostgreSQL and nats-server, as elsewhere in the suite (see libs/testing global setup).
const PG_URL = process.env.ROSTER_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const NATS_URL = process.env.ROSTER_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

describe('postgresIndicator against PostgreSQL', () => {
  it('is up through a MikroORM instance and down once it is closed', async () => {
    const orm = await MikroORM.init({ clientUrl: PG_URL, entities: [], discovery: { warnWhenNoEntities: false } });
    const indicator = postgresIndicator(() => orm, { timeoutMs: 5000 });
    try {
      await expect(indicator()).resolves.toEqual({ postgres: { status: 'up', latencyMs: expect.any(Number) } });
    } finally {
      await orm.close(true);
    }
    await expect(indicator()).resolves.toMatchObject({ postgres: { status: 'down', message: expect.any(String) } });
  });

  it('is up through a pg client', async () => {
    const client = new Client({ connectionString: PG_URL });
    await client.connect();
    try {
      await expect(postgresIndicator(() => client)()).resolves.toMatchObject({ postgres: { status: 'up' } });
    } finally {
      await client.end();
    }
  });
});

describe('natsIndicator against nats-server', () => {
  let nc: NatsConnection;

  beforeEach(async () => {
    nc = await connect({ servers: NATS_URL, name: 'observability-health-test' });
  });
  afterEach(async () => {
    if (!nc.isClosed()) await nc.close();
  });

  it('is up while connected and down while draining and after close', async () => {
    const indicator = natsIndicator(() => nc);
    await expect(indicator()).resolves.toEqual({ nats: { status: 'up', rttMs: expect.any(Number) } });

    const drained = nc.drain();
    await expect(indicator()).resolves.toEqual({ nats: { status: 'down', message: 'connection draining' } });
    await drained;
    await expect(indicator()).resolves.toEqual({ nats: { status: 'down', message: 'connection closed' } });
  });
});
