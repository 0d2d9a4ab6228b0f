/**
 * The first row of every email seen in a file, for R-CSV duplicate detection, in ~12 bytes per email instead of
 * the ~100 of a `Map<string, number>` (whose keys are the email strings): 24 MB rather than ~100 MB of heap for a
 * million-row file. Keys are 64-bit hashes of the email in an open-addressing table (typed arrays, linear probing,
 * doubled at half full). Two different emails share a 64-bit hash with probability ~n²/2⁶⁵ (≈ 3·10⁻⁸ for a
 * million distinct emails); the cost of that event is one valid row reported as a duplicate of another.
 */
export class EmailRowIndex {
  private hi: Uint32Array;
  private lo: Uint32Array;
  /** Row number + 1; 0 marks an empty slot. */
  private rows: Uint32Array;
  private size = 0;

  constructor(initialCapacity = 1024) {
    const capacity = 2 ** Math.ceil(Math.log2(Math.max(16, initialCapacity)));
    this.hi = new Uint32Array(capacity);
    this.lo = new Uint32Array(capacity);
    this.rows = new Uint32Array(capacity);
  }

  get count(): number {
    return this.size;
  }

  /** The row the email was first seen on; or records `row` for it and returns undefined. */
  firstRowOrAdd(email: string, row: number): number | undefined {
    const [h, l] = hash64(email);
    const found = this.find(h, l);
    if (this.rows[found] !== 0) return (this.rows[found] as number) - 1;
    this.rows[found] = row + 1;
    this.hi[found] = h;
    this.lo[found] = l;
    this.size++;
    if (this.size * 2 > this.rows.length) this.grow();
    return undefined;
  }

  /** The slot holding (h, l), or the empty slot where it would go. */
  private find(h: number, l: number): number {
    const mask = this.rows.length - 1;
    let slot = (l ^ Math.imul(h, 0x9e3779b1)) & mask;
    while (this.rows[slot] !== 0 && (this.hi[slot] !== h || this.lo[slot] !== l)) slot = (slot + 1) & mask;
    return slot;
  }

  private grow(): void {
    const { hi, lo, rows } = this;
    this.hi = new Uint32Array(rows.length * 2);
    this.lo = new Uint32Array(rows.length * 2);
    this.rows = new Uint32Array(rows.length * 2);
    for (let i = 0; i < rows.length; i++) {
      if (rows[i] === 0) continue;
      const slot = this.find(hi[i] as number, lo[i] as number);
      this.hi[slot] = hi[i] as number;
      this.lo[slot] = lo[i] as number;
      this.rows[slot] = rows[i] as number;
    }
  }
}

/** Two independent 32-bit mixes of the string's UTF-16 code units (cyrb53's construction, kept at 64 bits). */
export function hash64(s: string): [number, number] {
  let h1 = 0xdeadbeef ^ s.length;
  let h2 = 0x41c6ce57 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [h1 >>> 0, h2 >>> 0];
}
