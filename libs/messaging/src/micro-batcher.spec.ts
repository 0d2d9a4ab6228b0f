import { MicroBatcher } from './lib/micro-batcher';

describe('MicroBatcher', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const recorder = () => {
    const batches: { key: string; items: number[] }[] = [];
    return { batches, flush: async (key: string, items: number[]) => void batches.push({ key, items: [...items] }) };
  };

  it('R-EVT-02 flushes a group when its time window ends', async () => {
    const { batches, flush } = recorder();
    const batcher = new MicroBatcher<number>({ maxItems: 100, windowMs: 200 }, flush);
    batcher.add('t1/d1', 1);
    batcher.add('t1/d1', 2);
    await jest.advanceTimersByTimeAsync(199);
    expect(batches).toEqual([]);
    expect(batcher.pending).toBe(2);
    await jest.advanceTimersByTimeAsync(1);
    expect(batches).toEqual([{ key: 't1/d1', items: [1, 2] }]);
    expect(batcher.pending).toBe(0);
  });

  it('R-EVT-02 flushes at once when a group reaches its count; the next item opens a new batch', async () => {
    const { batches, flush } = recorder();
    const batcher = new MicroBatcher<number>({ maxItems: 3, windowMs: 10_000 }, flush);
    for (const n of [1, 2, 3, 4]) batcher.add('k', n);
    await jest.advanceTimersByTimeAsync(0);
    expect(batches).toEqual([{ key: 'k', items: [1, 2, 3] }]);
    expect(batcher.pending).toBe(1);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(batches).toEqual([{ key: 'k', items: [1, 2, 3] }, { key: 'k', items: [4] }]);
  });

  it('R-EVT-02 keeps one group per (tenant, directory) key', async () => {
    const { batches, flush } = recorder();
    const batcher = new MicroBatcher<number>({ maxItems: 10, windowMs: 50 }, flush);
    batcher.add('a', 1);
    batcher.add('b', 2);
    batcher.add('a', 3);
    await jest.advanceTimersByTimeAsync(50);
    expect(batches.sort((x, y) => x.key.localeCompare(y.key))).toEqual([
      { key: 'a', items: [1, 3] },
      { key: 'b', items: [2] },
    ]);
  });

  it("R-EVT-02 a failed flush is reported with its key and does not stop the key's next batch", async () => {
    const errors: string[] = [];
    const flushed: number[][] = [];
    const batcher = new MicroBatcher<number>(
      { maxItems: 2, windowMs: 1000 },
      async (_key, items) => {
        flushed.push(items);
        if (items.includes(1)) throw new Error('directory d is not an event directory');
      },
      (error, key) => errors.push(`${key}: ${(error as Error).message}`),
    );
    batcher.add('k', 1);
    batcher.add('k', 2);
    batcher.add('k', 3);
    await jest.advanceTimersByTimeAsync(1000);
    expect(errors).toEqual(['k: directory d is not an event directory']);
    expect(flushed).toEqual([[1, 2], [3]]);
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
    batcher.add('k', 1);
    batcher.add('k', 2);
    batcher.add('other', 9);
    await jest.advanceTimersByTimeAsync(10);
    expect(order).toEqual(['start 1', 'start 9', 'end 9']);
    release();
    await batcher.drain();
    expect(order).toEqual(['start 1', 'start 9', 'end 9', 'end 1', 'start 2', 'end 2']);
  });

  it('R-EVT-02 drain flushes the open groups at once and waits for every flush (shutdown)', async () => {
    const { batches, flush } = recorder();
    const batcher = new MicroBatcher<number>({ maxItems: 10, windowMs: 60_000 }, flush);
    batcher.add('k', 7);
    await batcher.drain();
    expect(batches).toEqual([{ key: 'k', items: [7] }]);
  });
});
