import { Transform, TransformCallback } from 'node:stream';
import { isUtf8 } from 'node:buffer';
import { CsvImportException, CsvImportExceptionCode } from './csv-import.exception';
import { firstInvalidUtf8Offset, incompleteUtf8TailLength } from './utf8';

const LF = 0x0a;
const CR = 0x0d;

/** Recognisable non-CSV files, checked on the first chunk, so the message says what was dropped instead. */
const SIGNATURES: readonly { bytes: readonly number[]; code: CsvImportExceptionCode; what: string }[] = [
  { bytes: [0xff, 0xfe], code: CsvImportExceptionCode.NOT_UTF8, what: 'UTF-16 text (byte order mark FF FE); save it as "CSV UTF-8"' },
  { bytes: [0xfe, 0xff], code: CsvImportExceptionCode.NOT_UTF8, what: 'UTF-16 text (byte order mark FE FF); save it as "CSV UTF-8"' },
  { bytes: [0x50, 0x4b, 0x03, 0x04], code: CsvImportExceptionCode.NOT_CSV, what: 'a ZIP archive (an .xlsx workbook?); export it as CSV' },
  { bytes: [0xd0, 0xcf, 0x11, 0xe0], code: CsvImportExceptionCode.NOT_CSV, what: 'an old Office document (.xls?); export it as CSV' },
  { bytes: [0x1f, 0x8b], code: CsvImportExceptionCode.NOT_CSV, what: 'a gzip archive' },
  { bytes: [0x25, 0x50, 0x44, 0x46], code: CsvImportExceptionCode.NOT_CSV, what: 'a PDF document' },
];

/**
 * Byte-level checks in front of csv-parse, streaming with O(maxLineBytes) memory:
 * - strict UTF-8 (a multi-byte sequence split across chunks is carried over, never replaced by U+FFFD);
 * - no NUL byte (binary content is not CSV);
 * - no physical line longer than `maxLineBytes` (wrong delimiter, no newlines, or a flood of empty cells that
 *   csv-parse's max_record_size does not count).
 * Errors are CsvImportException with the byte offset (BOM included) and line number.
 */
export class CsvByteGuard extends Transform {
  private received = 0;
  private carry: Buffer | undefined;
  private line = 1;
  private lineStart = 0;
  private lastWasCr = false;

  constructor(
    private readonly fileName: string,
    private readonly maxLineBytes: number,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      callback(null, this.check(chunk));
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    if (this.carry !== undefined) {
      const at = this.received - this.carry.length;
      callback(this.notUtf8(at, this.carry[0] ?? 0, this.line, 'a multi-byte character is cut off at the end of the file'));
      return;
    }
    callback();
  }

  private check(chunk: Buffer): Buffer {
    const chunkStart = this.received;
    this.received += chunk.length;
    if (chunkStart === 0) this.sniff(chunk);

    const nul = chunk.indexOf(0);
    if (nul !== -1) {
      const at = chunkStart + nul;
      const line = this.lineOf(chunk.subarray(0, nul));
      throw new CsvImportException(
        CsvImportExceptionCode.NOT_CSV,
        this.fileName,
        `${this.fileName} is not a CSV text file: NUL byte at byte offset ${at} (line ${line}); binary content?`,
        { byteOffset: at, lineNumber: line },
      );
    }

    const carried = this.carry;
    const bytes = carried === undefined ? chunk : Buffer.concat([carried, chunk]);
    const bytesStart = chunkStart - (carried?.length ?? 0);
    const tail = incompleteUtf8TailLength(bytes);
    const body = tail === 0 ? bytes : bytes.subarray(0, bytes.length - tail);
    this.carry = tail === 0 ? undefined : Buffer.from(bytes.subarray(bytes.length - tail));
    if (!isUtf8(body)) {
      const bad = Math.max(0, firstInvalidUtf8Offset(body));
      throw this.notUtf8(bytesStart + bad, body[bad] ?? 0, this.lineOf(body.subarray(0, bad)));
    }
    this.checkLines(body, bytesStart);
    return body;
  }

  private sniff(head: Buffer): void {
    const match = SIGNATURES.find(({ bytes }) => bytes.every((b, i) => head[i] === b));
    if (match === undefined) return;
    throw new CsvImportException(match.code, this.fileName, `${this.fileName} is not a UTF-8 CSV file: it looks like ${match.what}`, {
      byteOffset: 0,
    });
  }

  private notUtf8(at: number, byte: number, line: number, why?: string): CsvImportException {
    const hex = byte.toString(16).toUpperCase().padStart(2, '0');
    return new CsvImportException(
      CsvImportExceptionCode.NOT_UTF8,
      this.fileName,
      `${this.fileName} is not UTF-8: ${why ?? `invalid byte 0x${hex}`} at byte offset ${at} (line ${line}); ` +
        'save it as "CSV UTF-8"',
      { byteOffset: at, lineNumber: line },
    );
  }

  /** Line number reached after `before`, which follows everything already counted (error path only). */
  private lineOf(before: Uint8Array): number {
    let line = this.line;
    let previous = this.lastWasCr ? CR : -1;
    for (const b of before) {
      if (b === CR || (b === LF && previous !== CR)) line += 1;
      previous = b;
    }
    return line;
  }

  /** Counts lines (CRLF, LF or CR) and bounds their length; `indexOf` keeps this native-speed. */
  private checkLines(body: Buffer, bodyStart: number): void {
    let pos = 0;
    let lf = body.indexOf(LF);
    let cr = body.indexOf(CR);
    for (;;) {
      if (lf !== -1 && lf < pos) lf = body.indexOf(LF, pos);
      if (cr !== -1 && cr < pos) cr = body.indexOf(CR, pos);
      const brk = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
      const end = brk === -1 ? body.length : brk;
      if (bodyStart + end - this.lineStart > this.maxLineBytes) {
        throw new CsvImportException(
          CsvImportExceptionCode.RECORD_TOO_LARGE,
          this.fileName,
          `${this.fileName} line ${this.line} (from byte offset ${this.lineStart}) is longer than ${this.maxLineBytes} bytes: ` +
            `is the delimiter a comma and are there line breaks?`,
          { lineNumber: this.line, byteOffset: this.lineStart },
        );
      }
      if (brk === -1) break;
      const isLfAfterCr = body[brk] === LF && (brk > 0 ? body[brk - 1] === CR : this.lastWasCr);
      if (!isLfAfterCr) this.line += 1;
      this.lineStart = bodyStart + brk + 1;
      pos = brk + 1;
    }
    if (body.length > 0) this.lastWasCr = body[body.length - 1] === CR;
  }
}
