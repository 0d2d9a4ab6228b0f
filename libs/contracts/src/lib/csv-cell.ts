/**
 * Formula-injection escaping of CSV cells (R-EXP-01, OWASP "CSV injection"). A spreadsheet evaluates a cell
 * that begins with `=`, `+`, `-`, `@`, a tab or a CR; the export prefixes such a cell with `'`, which the
 * spreadsheet shows as text. The quoting itself (RFC 4180) is csv-stringify's.
 *
 * The import reverses it (`unescapeCsvCell`), so an export re-imports unchanged. To keep the pair a bijection,
 * a cell made of apostrophes followed by a trigger (`'=x`, `''-1`) is escaped too: `escape` adds exactly one
 * `'` to every cell matching /^'*[trigger]/, and `unescape` removes exactly one from every cell matching
 * /^'+[trigger]/. So unescape(escape(v)) === v for every string, and a hand-written `'Tis` or `'quoted'`
 * (no trigger after the apostrophes) is left alone both ways.
 */
const NEEDS_ESCAPE = /^'*[=+\-@\t\r]/;
const ESCAPED = /^'+[=+\-@\t\r]/;

/** True when a cell begins with a character a spreadsheet would evaluate. */
export const startsWithFormulaTrigger = (cell: string): boolean => /^[=+\-@\t\r]/.test(cell);

/** The cell as the export writes it: `'` prepended when a spreadsheet would evaluate it. */
export function escapeCsvCell(value: string): string {
  return NEEDS_ESCAPE.test(value) ? `'${value}` : value;
}

/** The value of a cell an export escaped (the import side); other cells are returned as they are. */
export function unescapeCsvCell(cell: string): string {
  return ESCAPED.test(cell) ? cell.slice(1) : cell;
}

/**
 * csv-stringify's `cast.string` for exports: the escaped value, and an escaped cell always quoted (OWASP
 * recommends both). Other cells are quoted by csv-stringify only when RFC 4180 needs it. We do not use
 * csv-stringify's own `escape_formulas`: it does not escape `'=…`, so its output would not re-import unchanged.
 */
export function castCsvCell(value: string): string | { value: string; quoted: true } {
  const escaped = escapeCsvCell(value);
  return escaped === value ? value : { value: escaped, quoted: true };
}

/**
 * csv-stringify options of an export file: UTF-8 with a BOM (Excel then reads it as UTF-8; the import strips
 * it), CRLF records (RFC 4180), any field holding CR or LF quoted, every cell through `castCsvCell`.
 */
export const EXPORT_CSV_OPTIONS = {
  bom: true,
  record_delimiter: 'windows',
  quote_record_delimiter: true,
  cast: { string: castCsvCell },
} as const;
