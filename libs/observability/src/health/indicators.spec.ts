import { natsIndicator, postgresIndicator, type NatsTarget } from '../index';

const never = () => new Promise<never>(() => undefined);

describe('postgresIndicator', () => {
  it('is up when select 1 answers, whatever shape the resource has', async () => {
    const execute = jest.fn().mockResolvedValue([{ '?column?': 1 }]);
    const query = jest.fn().mockResolvedValue({ rows: [] });
    const connection = { execute };
    for (const target of [{ em: { getConnection: () => connection } }, { getConnection: () => connection }, connection, { query }]) {
      await expect(postgresIndicator(() => target)()).resolves.toEqual({
        postgres: { status: 'up', latencyMs: expect.any(Number) },
      });
    }
    expect(execute).toHaveBeenCalledWith('select 1');
    expect(query).toHaveBeenCalledWith('select 1');
  });

  it('is down with the reason when the query fails, hangs, or nothing is there yet', async () => {
    const failing = { execute: () => Promise.reject(new Error('connection refused')) };
    await expect(postgresIndicator(() => failing)()).resolves.toEqual({
      postgres: { status: 'down', message: 'connection refused' },
    });
    await expect(postgresIndicator(() => ({ execute: never }), { timeoutMs: 20 })()).resolves.toEqual({
      postgres: { status: 'down', message: 'timed out after 20 ms' },
    });
    await expect(postgresIndicator(() => undefined, { key: 'db' })()).resolves.toEqual({
      db: { status: 'down', message: 'not initialised' },
    });
  });

  it('reports a throwing getter as down instead of rejecting', async () => {
    const indicator = postgresIndicator(() => {
      throw new Error('orm not ready');
    });
    await expect(indicator()).resolves.toEqual({ postgres: { status: 'down', message: 'orm not ready' } });
  });
});

describe('natsIndicator', () => {
  const connection = (overrides: Partial<NatsTarget> = {}): NatsTarget => ({
    isClosed: () => false,
    isDraining: () => false,
    rtt: () => Promise.resolve(3),
    ...overrides,
  });

  it('is up with the round-trip time when connected', async () => {
    await expect(natsIndicator(() => connection())()).resolves.toEqual({ nats: { status: 'up', rttMs: 3 } });
  });

  it.each([
    ['no connection yet', undefined, 'not connected'],
    ['closed', connection({ isClosed: () => true }), 'connection closed'],
    ['draining', connection({ isDraining: () => true }), 'connection draining'],
    ['reconnecting', connection({ rtt: () => Promise.reject(new Error('DISCONNECT')) }), 'DISCONNECT'],
  ])('is down when %s', async (_, target, message) => {
    await expect(natsIndicator(() => target)()).resolves.toEqual({ nats: { status: 'down', message } });
  });

  it('is down when the PING does not come back in time', async () => {
    await expect(natsIndicator(() => connection({ rtt: never }), { timeoutMs: 20 })()).resolves.toEqual({
      nats: { status: 'down', message: 'timed out after 20 ms' },
    });
  });
});
