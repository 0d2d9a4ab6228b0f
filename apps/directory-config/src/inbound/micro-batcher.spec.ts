import { MicroBatcher } from './micro-batcher';

describe('MicroBatcher', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const recorder = () => {
    const batches: { key: string; items: number[] }[] = [];
    return { batches, flush: async (key: string, items: number[]) => void batches.push({ key, items: [...items] }) };
  };

  it('R-EVT-02 flushes a group when its time window ends, and resolves every item of it', async () => {
    const { batches, flush } = recorder();
    const batcher = new MicroBatcher<number>({ maxItems: 100, windowMs: 200 }, flush);
    const done = [batcher.add('t1/d1', 1), batcher.add('t1/d1', 2)];
    await jest.advanceTimersByTimeAsync(199);
    expect(batches).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    await Promise.all(done);
    expect(batches).toEqual([{ key: 't1/d1', items: [1, 2] }]);
    expect(batcher.pending).toBe(0);
  });

  it('R-EVT-02 flushes at once when a group reaches its count; the next item opens a new batch', async () => {
    const { batches, flush } = recorder();
    const batcher = new MicroBatcher<number>({ maxItems: 3, windowMs: 10_000 }, flush);
    const first = [1, 2, 3].map((n) => batcher.add('k', n));
    const fourth = batcher.add('k', 4);
    await Promise.all(first);
    expect(batches).toEqual([{ key: 'k', items: [1, 2, 3] }]);
    expect(batcher.pending).toBe(1);
    await jest.advanceTimersByTimeAsync(10_000);
    await fourth;
    expect(batches).toEqual([{ key: 'k', items: [1, 2, 3] }, { key: 'k', items: [4] }]);
  });

  it('R-EVT-02 keeps one group per (tenant, directory) key', async () => {
    const { batches, flush } = recorder();
    const batcher = new MicroBatcher<number>({ maxItems: 10, windowMs: 50 }, flush);
    const done = [batcher.add('a', 1), batcher.add('b', 2), batcher.add('a', 3)];
    await jest.advanceTimersByTimeAsync(50);
    await Promise.all(done);
    expect(batches.sort((x, y) => x.key.localeCompare(y.key))).toEqual([
      { key: 'a', items: [1, 3] },
      { key: 'b', items: [2] },
    ]);
  });

  it("R-EVT-02 a failed flush rejects every item of its batch (so each message is retried or dead-lettered), not the next batch's", async () => {
    let calls = 0;
    const batcher = new MicroBatcher<number>({ maxItems: 2, windowMs: 1000 }, async () => {
      calls++;
      if (calls === 1) throw new Error('directory d is not an event directory');
    });
    const failed = [batcher.add('k', 1), batcher.add('k', 2)].map((p) => p.then(() => 'ok', (e: Error) => e.message));
    const next = batcher.add('k', 3);
    expect(await Promise.all(failed)).toEqual(['directory d is not an event directory', 'directory d is not an event directory']);
    await jest.advanceTimersByTimeAsync(1000);
    await expect(next).resolves.toBeUndefined();
  });

  it("R-EVT-02 a key's batches flush one after the other, in order, even when a later one fills during a slow flush", async () => {
    const order: string[] = [];
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    const batcher = new MicroBatcher<number>({ maxItems: 1, windowMs: 1000 }, async (_key, items) => {
      order.push(`start ${items[0]}`);
      if (items[0] === 1) await slow;
      order.push(`end ${items[0]}`);
    });
    const one = batcher.add('k', 1);
    const two = batcher.add('k', 2);
    await jest.advanceTimersByTimeAsync(10);
    expect(order).toEqual(['start 1']);
    release();
    await Promise.all([one, two]);
    expect(order).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('R-EVT-02 drain flushes the open groups at once (shutdown)', async () => {
    const { batches, flush } = recorder();
    const batcher = new MicroBatcher<number>({ maxItems: 10, windowMs: 60_000 }, flush);
    const done = batcher.add('k', 7);
    await batcher.drain();
    await done;
    expect(batches).toEqual([{ key: 'k', items: [7] }]);
  });
});
