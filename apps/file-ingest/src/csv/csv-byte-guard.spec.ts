import fc from 'fast-check';
import { isUtf8 } from 'node:buffer';
import { CsvImportException, CsvImportExceptionCode } from './csv-import.exception';
import { firstInvalidUtf8Offset, incompleteUtf8TailLength } from './utf8';
import { readCsv, rejection } from './users-csv.test-helpers';

const fatal = new TextDecoder('utf-8', { fatal: true });
const decodes = (bytes: Uint8Array): boolean => {
  try {
    fatal.decode(bytes);
    return true;
  } catch {
    return false;
  }
};

describe('R-CSV-15 a file that is not UTF-8 or not CSV is rejected whole, with where and why', () => {
  it('R-CSV-15 a Latin-1 file is NOT_UTF8 with the offset and value of the first bad byte', async () => {
    const head = 'User Email,User Name\r\nann@x.com,Ann\r\nzoe@x.com,Zo';
    const latin1 = Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from([0xe9]), Buffer.from('\r\n', 'latin1')]);
    for (const chunkSize of [1, 7, 64 * 1024]) {
      const refused = await rejection(latin1, {}, chunkSize);
      expect(refused.code).toBe(CsvImportExceptionCode.NOT_UTF8);
      expect(refused.byteOffset).toBe(head.length);
      expect(refused.lineNumber).toBe(3);
      expect(refused.message).toBe(`users.csv is not UTF-8: invalid byte 0xE9 at byte offset ${head.length} (line 3); save it as "CSV UTF-8"`);
    }
  });

  it('R-CSV-15 the byte offset counts the BOM and earlier multi-byte characters', async () => {
    const prefix = Buffer.from('\uFEFFUser Email,User Name\nann@x.com,Zoë\n');
    const refused = await rejection(Buffer.concat([prefix, Buffer.from([0xc3, 0x28])]), {}, 5);
    expect(refused.byteOffset).toBe(prefix.length);
  });

  it('R-CSV-15 a multi-byte character cut off by the end of the file is NOT_UTF8', async () => {
    const body = Buffer.from('User Email,User Name\nann@x.com,A');
    const refused = await rejection(Buffer.concat([body, Buffer.from([0xe2, 0x82])]));
    expect(refused.code).toBe(CsvImportExceptionCode.NOT_UTF8);
    expect(refused.byteOffset).toBe(body.length);
    expect(refused.message).toContain('cut off at the end of the file');
  });

  it('R-CSV-15 a UTF-16 file is NOT_UTF8 and says so', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('User Email,User Name\r\n', 'utf16le')]);
    const refused = await rejection(utf16);
    expect(refused.code).toBe(CsvImportExceptionCode.NOT_UTF8);
    expect(refused.message).toContain('UTF-16');
  });

  it('R-CSV-15 a binary file (NUL bytes) is NOT_CSV with the offset', async () => {
    const binary = Buffer.from('User Email,User Name\nabc\u0000\u0001\u0002');
    const refused = await rejection(binary);
    expect(refused.code).toBe(CsvImportExceptionCode.NOT_CSV);
    expect(refused.byteOffset).toBe(24);
    expect(refused.lineNumber).toBe(2);
    expect(refused.message).toMatch(/NUL byte at byte offset 24/);
  });

  it('R-CSV-15 an Excel workbook dropped instead of a CSV is NOT_CSV and says so', async () => {
    const xlsx = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]);
    const refused = await rejection(xlsx);
    expect(refused.code).toBe(CsvImportExceptionCode.NOT_CSV);
    expect(refused.message).toContain('.xlsx');
  });

  it('R-CSV-15 a file with no newline and the wrong delimiter hits the record bound (RECORD_TOO_LARGE)', async () => {
    const oneLine = `User Email;User Name;${Array.from({ length: 5000 }, (_, i) => `user${i}@x.com;User ${i}`).join(';')}`;
    const refused = await rejection(oneLine, { maxRecordBytes: 64 * 1024 }, 16 * 1024);
    expect(refused.code).toBe(CsvImportExceptionCode.RECORD_TOO_LARGE);
    expect(refused.lineNumber).toBe(1);
    expect(refused.byteOffset).toBe(0);
    expect(refused.message).toMatch(/users\.csv line 1 \(from byte offset 0\) is longer than 65536 bytes/);
  });

  it('R-CSV-15 a line of empty cells (which csv-parse does not count) still hits the bound', async () => {
    const refused = await rejection(`User Email,User Name\r\na@x.com,A${','.repeat(200_000)}\r\n`);
    expect(refused.code).toBe(CsvImportExceptionCode.RECORD_TOO_LARGE);
    expect(refused.lineNumber).toBe(2);
  });

  it('long lines under the bound pass, including a CR LF pair split across chunks', async () => {
    const row = `a@x.com,${'x'.repeat(190)}`;
    const { employees } = await readCsv(`User Email,User Name\r\n${row}\r\n`, { maxRecordBytes: 200 }, 3);
    expect(employees).toHaveLength(1);
  });
});

describe('UTF-8 validation', () => {
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 40 }),
    // Mostly valid text with a few raw bytes spliced in, to exercise boundaries near real characters.
    fc
      .tuple(fc.string({ unit: 'binary', maxLength: 20 }), fc.uint8Array({ maxLength: 3 }), fc.string({ unit: 'binary', maxLength: 20 }))
      .map(([a, raw, b]) => new Uint8Array(Buffer.concat([Buffer.from(a), Buffer.from(raw), Buffer.from(b)]))),
  );

  it('firstInvalidUtf8Offset agrees with a fatal TextDecoder and with isUtf8', () => {
    fc.assert(
      fc.property(bytes, (input) => {
        const offset = firstInvalidUtf8Offset(input);
        expect(offset === -1).toBe(decodes(input));
        expect(offset === -1).toBe(isUtf8(input));
        if (offset !== -1) {
          expect(decodes(input.subarray(0, offset))).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('incompleteUtf8TailLength only holds back a prefix that a continuation could complete', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 10 }), fc.nat(3), (text, cut) => {
        const full = Buffer.from(text);
        const truncated = full.subarray(0, Math.max(0, full.length - cut));
        const tail = incompleteUtf8TailLength(truncated);
        expect(isUtf8(truncated.subarray(0, truncated.length - tail))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('the reader accepts any valid UTF-8 under any chunking, and rejects invalid bytes only as NOT_UTF8 at the decoder offset', async () => {
    await fc.assert(
      fc.asyncProperty(bytes, fc.integer({ min: 1, max: 8 }), async (value, chunkSize) => {
        const header = Buffer.from('User Email,User Name,Note\na@x.com,A,"');
        const file = Buffer.concat([header, Buffer.from(value).filter((b) => b !== 0x22 && b !== 0), Buffer.from('"\n')]);
        const valid = decodes(file);
        try {
          await readCsv(file, {}, chunkSize);
          expect(valid).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(CsvImportException);
          const refused = error as CsvImportException;
          expect(valid).toBe(false);
          expect(refused.code).toBe(CsvImportExceptionCode.NOT_UTF8);
          expect(refused.byteOffset).toBe(firstInvalidUtf8Offset(file));
        }
      }),
      { numRuns: 1000 },
    );
  });
});
