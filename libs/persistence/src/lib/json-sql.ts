/** One member of a JSON object that PostgreSQL writes (`jsonObjectSql`). */
export interface JsonMember {
  /** The member's name: letters, digits and `_` only (it is put into the statement as a literal). */
  key: string;
  /** A SQL expression of the value: text, a number, a boolean or a uuid (written with `to_json`), or JSON text (`json`). */
  expr: string;
  /** `expr` is JSON already (json, jsonb or JSON text): put in as its text. */
  json?: boolean;
  /** Left out of the object when the value is null; otherwise a null value is written as `null`. */
  omitNull?: boolean;
}

const KEY = /^[A-Za-z0-9_]+$/;

/**
 * A SQL expression whose value is the JSON text of an object with these members, in this order, as
 * `JSON.stringify` writes it in the service (no spaces, members with `omitNull` and a null value left out; a
 * `json` member keeps PostgreSQL's own spelling of its value). For events built from stored rows without the rows
 * leaving the database (see `Outbox.addBuilt`). `to_json` escapes text as JSON does: quotes, backslashes and every
 * control character, so the text never holds a raw line break.
 */
export function jsonObjectSql(members: readonly JsonMember[]): string {
  if (members.length === 0) return `'{}'`;
  const parts = members.map((m) => {
    if (!KEY.test(m.key)) throw new Error(`jsonObjectSql: member name '${m.key}' must be letters, digits or _`);
    const name = `',"${m.key}":'`;
    const value = m.json ? `(${m.expr})::text` : `to_json(${m.expr})::text`;
    return m.omitNull ? `coalesce(${name} || ${value}, '')` : `${name} || coalesce(${value}, 'null')`;
  });
  // Every member starts with a comma; the first one's is cut.
  return `('{' || substr(${parts.join(' || ')}, 2) || '}')`;
}
