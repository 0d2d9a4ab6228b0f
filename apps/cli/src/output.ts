import { CliError } from './exit-codes';

export interface Streams {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
}

/**
 * One place decides what goes where: the result on stdout (one JSON document with `--json`, text otherwise),
 * progress and errors on stderr (NDJSON with `--json`), so `roster … --json | jq` always reads one document.
 */
export class Output {
  constructor(
    readonly json: boolean,
    private readonly io: Streams = process,
  ) {}

  /** The command's result: JSON as is, or the text `render` makes of it. */
  result<T>(value: T, render: (v: T) => string): void {
    this.io.stdout.write(this.json ? `${JSON.stringify(value, null, 2)}\n` : `${render(value).replace(/\n?$/, '\n')}`);
  }

  progress(event: Record<string, unknown>, text: string): void {
    this.io.stderr.write(this.json ? `${JSON.stringify({ event: 'progress', ...event })}\n` : `${text}\n`);
  }

  /** The error as the result (`{ error }` on stdout with `--json`) and for whoever watches stderr (NDJSON with `--json`). */
  error(e: CliError): void {
    if (this.json) {
      this.io.stdout.write(`${JSON.stringify({ error: { code: e.code, message: e.message, details: e.details } }, null, 2)}\n`);
      this.io.stderr.write(`${JSON.stringify({ event: 'error', code: e.code, message: e.message })}\n`);
    } else {
      this.io.stderr.write(`roster: ${e.message}\n`);
    }
  }
}

/** A plain text table: one header row, columns padded to their widest cell. */
export function table(headers: string[], rows: (string | number | boolean | null | undefined)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return cells.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

/** Text longer than this is cut in `details` (a dead letter's payload can hold a 400 KB custom field). */
export const LONG_TEXT = 1000;

/** A long string cut for reading, saying how much is left out and where the whole of it is. */
function cutLong(text: string): string {
  return text.length <= LONG_TEXT ? text : `${text.slice(0, LONG_TEXT)}… (${text.length - LONG_TEXT} more characters: --json shows all)`;
}

/**
 * `key: value` lines for the scalar fields, then the nested ones as indented JSON; text longer than `LONG_TEXT` is cut
 * (the whole value is in `--json`), so one large field does not fill the terminal.
 */
export function details(value: Record<string, unknown>): string {
  const lines: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    if (v !== null && typeof v === 'object') {
      const json = JSON.stringify(v, (_key, inner: unknown) => (typeof inner === 'string' ? cutLong(inner) : inner), 2);
      lines.push(`${k}: ${json.replace(/\n/g, '\n  ')}`);
    } else lines.push(`${k}: ${v === null || v === undefined ? '-' : cutLong(String(v))}`);
  }
  return lines.join('\n');
}
