export interface MicroBatcherOptions {
  /** A group is flushed as soon as it holds this many items… */
  maxItems: number;
  /** …or this long after its first item arrived, whichever comes first. */
  windowMs: number;
}

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface Group<T> {
  items: T[];
  waiters: Waiter[];
  timer?: NodeJS.Timeout;
}

/**
 * Collects items per key for a short window or up to a count, then hands each group to `flush` as one batch
 * (R-EVT-02 micro-batches). `add` resolves once the batch holding the item has been flushed, or rejects with the
 * flush's error, so a JetStream handler can ack (or nak / dead-letter) each message by its batch's outcome.
 * Flushes of one key run one after the other, in the order their groups filled; different keys flush in parallel.
 */
export class MicroBatcher<T> {
  private readonly open = new Map<string, Group<T>>();
  /** The last flush of each key: the next one of that key waits for it (keeps a key's batches in order). */
  private readonly tails = new Map<string, Promise<void>>();

  constructor(
    private readonly options: MicroBatcherOptions,
    private readonly flush: (key: string, items: T[]) => Promise<void>,
  ) {
    if (!(options.maxItems >= 1) || !(options.windowMs >= 0)) throw new Error('MicroBatcher: maxItems ≥ 1 and windowMs ≥ 0');
  }

  /** Items waiting in open groups (not yet handed to a flush). */
  get pending(): number {
    let n = 0;
    for (const g of this.open.values()) n += g.items.length;
    return n;
  }

  add(key: string, item: T): Promise<void> {
    let group = this.open.get(key);
    if (!group) {
      const created: Group<T> = { items: [], waiters: [] };
      created.timer = setTimeout(() => this.close(key, created), this.options.windowMs);
      this.open.set(key, created);
      group = created;
    }
    const done = new Promise<void>((resolve, reject) => group.waiters.push({ resolve, reject }));
    group.items.push(item);
    if (group.items.length >= this.options.maxItems) this.close(key, group);
    return done;
  }

  /** Flushes every open group now and waits for every flush (shutdown). */
  async drain(): Promise<void> {
    for (const [key, group] of [...this.open]) this.close(key, group);
    await Promise.allSettled([...this.tails.values()]);
  }

  private close(key: string, group: Group<T>): void {
    if (this.open.get(key) !== group) return; // already closed (count reached before the window)
    clearTimeout(group.timer);
    this.open.delete(key);
    const previous = this.tails.get(key) ?? Promise.resolve();
    const tail = previous.then(async () => {
      try {
        await this.flush(key, group.items);
        for (const w of group.waiters) w.resolve();
      } catch (e) {
        for (const w of group.waiters) w.reject(e);
      }
    });
    this.tails.set(key, tail);
    void tail.finally(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
  }
}
