/**
 * Offset of the first byte of the first ill-formed UTF-8 sequence in `bytes` (Unicode table 3-7: no overlongs,
 * no surrogates, nothing above U+10FFFF), or -1 when well-formed. A sequence cut off by the end counts as
 * ill-formed. Only run on the error path: `isUtf8` from node:buffer does the fast check.
 */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  const n = bytes.length;
  const cont = (at: number, low = 0x80, high = 0xbf): boolean => {
    const b = bytes[at];
    return at < n && b !== undefined && b >= low && b <= high;
  };
  let i = 0;
  while (i < n) {
    const b = bytes[i] ?? 0;
    if (b < 0x80) {
      i += 1;
    } else if (b >= 0xc2 && b <= 0xdf) {
      if (!cont(i + 1)) return i;
      i += 2;
    } else if (b >= 0xe0 && b <= 0xef) {
      const low = b === 0xe0 ? 0xa0 : 0x80;
      const high = b === 0xed ? 0x9f : 0xbf;
      if (!cont(i + 1, low, high) || !cont(i + 2)) return i;
      i += 3;
    } else if (b >= 0xf0 && b <= 0xf4) {
      const low = b === 0xf0 ? 0x90 : 0x80;
      const high = b === 0xf4 ? 0x8f : 0xbf;
      if (!cont(i + 1, low, high) || !cont(i + 2) || !cont(i + 3)) return i;
      i += 4;
    } else {
      return i;
    }
  }
  return -1;
}

/**
 * How many bytes at the end of `bytes` start a multi-byte sequence that the next chunk may complete
 * (0..3). Invalid bytes are not held back: the validator reports them.
 */
export function incompleteUtf8TailLength(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = bytes[n - back] ?? 0;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for its lead
    if (b < 0xc0) return 0; // ASCII
    const needed = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
    return back < needed ? back : 0;
  }
  return 0;
}
