export interface MicroBatcherOptions {
  /** A group is flushed as soon as it holds this many items… */
  maxItems: number;
  /** …or this long after its first item arrived, whichever comes first. */
  windowMs: number;
}

interface Group<T> {
  items: T[];
  timer?: NodeJS.Timeout;
}

/**
 * Collects items per key for a short window or up to a count, then hands each group to `flush` as one batch
 * (R-EVT-02 micro-batches). `flush` settles its own items (the JetStream transport acks, naks or dead-letters each
 * message by its batch's outcome); an item costs no promise of its own. Flushes of one key run one after the other,
 * in the order their groups filled; different keys flush in parallel. A flush that throws is reported to `onError`
 * and does not stop the key's next batch.
 */
export class MicroBatcher<T> {
  private readonly open = new Map<string, Group<T>>();
  /** The last flush of each key: the next one of that key waits for it (keeps a key's batches in order). */
  private readonly tails = new Map<string, Promise<void>>();

  constructor(
    private readonly options: MicroBatcherOptions,
    private readonly flush: (key: string, items: T[]) => Promise<void>,
    private readonly onError: (error: unknown, key: string) => void = () => undefined,
  ) {
    if (!(options.maxItems >= 1) || !(options.windowMs >= 0)) throw new Error('MicroBatcher: maxItems ≥ 1 and windowMs ≥ 0');
  }

  /** Items waiting in open groups (not yet handed to a flush). */
  get pending(): number {
    let n = 0;
    for (const g of this.open.values()) n += g.items.length;
    return n;
  }

  add(key: string, item: T): void {
    let group = this.open.get(key);
    if (!group) {
      const created: Group<T> = { items: [] };
      created.timer = setTimeout(() => this.close(key, created), this.options.windowMs);
      this.open.set(key, created);
      group = created;
    }
    group.items.push(item);
    if (group.items.length >= this.options.maxItems) this.close(key, group);
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
    const tail = previous.then(() => this.flush(key, group.items)).catch((error: unknown) => this.onError(error, key));
    this.tails.set(key, tail);
    void tail.finally(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
  }
}
