import fc from 'fast-check';

/** The part of a JSON Schema (as the admin API's OpenAPI document has them, zod-generated, no $ref) a fuzz reads. */
export interface JsonSchema {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
}

interface OpenApiOperation {
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
}

export interface BodyRoute {
  method: string;
  /** The path template, e.g. `/v1/tenants/{tenantId}/directories`. */
  path: string;
  schema: JsonSchema;
  pathParams: string[];
}

/** Every operation of the document that takes a JSON request body. */
export function requestBodyRoutes(doc: { paths: Record<string, Record<string, OpenApiOperation>> }): BodyRoute[] {
  const routes: BodyRoute[] = [];
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(operations)) {
      const schema = op.requestBody?.content['application/json']?.schema;
      if (!schema) continue;
      routes.push({ method: method.toUpperCase(), path, schema, pathParams: (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name) });
    }
  }
  return routes;
}

/** Values that have broken parsers and stores before: empty, huge, control characters, prototype keys, injections. */
const HOSTILE_STRINGS = ['', ' ', '\u0000', '__proto__', 'constructor', '../../etc/passwd', "' or 1=1 --", '${jndi:ldap://x}', '\u202e', '😀'.repeat(50), 'a'.repeat(70_000), '=cmd|"/c calc"!A1', '\r\n.\r\n', '%00', 'null'];
const hostileLeaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom<unknown>(...HOSTILE_STRINGS, -0, -1, 2 ** 53, -(2 ** 63), 1e308, 0.1, true, false, null, [], {}),
);

/** Every property name and string constant in a schema: keys and values that reach past its first check. */
function vocabulary(schema: JsonSchema, keys = new Set<string>(), words = new Set<string>()): { keys: string[]; words: string[] } {
  for (const [k, v] of Object.entries(schema.properties ?? {})) {
    keys.add(k);
    vocabulary(v, keys, words);
  }
  for (const s of [...(schema.oneOf ?? []), ...(schema.anyOf ?? []), ...(schema.allOf ?? []), ...(schema.items ? [schema.items] : [])]) vocabulary(s, keys, words);
  for (const v of [schema.const, ...(schema.enum ?? [])]) if (typeof v === 'string') words.add(v);
  return { keys: [...keys], words: [...words] };
}

function stringOf(schema: JsonSchema): fc.Arbitrary<unknown> {
  if (schema.format === 'email') return fc.emailAddress();
  if (schema.format === 'uuid') return fc.uuid();
  if (schema.format === 'date-time') return fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
  if (schema.format === 'uri') return fc.webUrl();
  if (schema.pattern) {
    try {
      return fc.stringMatching(new RegExp(schema.pattern));
    } catch {
      // a pattern fast-check cannot generate from: plain strings only
    }
  }
  return fc.string({ maxLength: Math.min(schema.maxLength ?? 40, 40) });
}

/** A value shaped like the schema, each part now and then replaced by a hostile one (so most bodies are refused deep inside). */
function shaped(schema: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  const mutate = (arb: fc.Arbitrary<unknown>) => fc.oneof({ weight: 5, arbitrary: arb }, { weight: 1, arbitrary: hostileLeaf });
  if (depth > 6) return hostileLeaf;
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives = schema.oneOf ?? schema.anyOf ?? schema.allOf;
  if (alternatives?.length) return fc.oneof(...alternatives.map((s) => shaped(s, depth + 1)));
  const types = [schema.type ?? []].flat();
  if (types.length > 1) return fc.oneof(...types.map((type) => shaped({ ...schema, type }, depth)));
  switch (types[0]) {
    case 'object': {
      const properties = Object.entries(schema.properties ?? {});
      if (properties.length === 0) return fc.dictionary(fc.string({ maxLength: 10 }), mutate(fc.string({ maxLength: 20 })), { maxKeys: 3 });
      // Every key optional (a missing required one is a refusal too); now and then an unknown key.
      const record = fc.record(Object.fromEntries(properties.map(([k, v]) => [k, mutate(shaped(v, depth + 1))])), { requiredKeys: [] });
      return fc.tuple(record, fc.option(fc.tuple(fc.string({ maxLength: 8 }), hostileLeaf), { freq: 8 })).map(([r, extra]) => (extra ? { ...r, [extra[0]]: extra[1] } : r));
    }
    case 'array':
      return fc.array(mutate(shaped(schema.items ?? {}, depth + 1)), { maxLength: 4 });
    case 'string':
      return stringOf(schema);
    case 'integer':
      return fc.integer({ min: Math.max(schema.minimum ?? -1_000_000, Number.MIN_SAFE_INTEGER) - 1, max: Math.min(schema.maximum ?? 1_000_000, Number.MAX_SAFE_INTEGER) + 1 });
    case 'number':
      return fc.double({ noNaN: true, min: (schema.minimum ?? -1e6) - 1, max: (schema.maximum ?? 1e6) + 1 });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return hostileLeaf;
  }
}

/**
 * Bodies for a route, from its request schema: anything JSON (a third), objects of the schema's own keys and words with
 * any values (a third), and values shaped like the schema with parts replaced (a third, reaching the deep checks).
 */
export function bodiesFor(schema: JsonSchema): fc.Arbitrary<unknown> {
  const { keys, words } = vocabulary(schema);
  const value = fc.oneof(fc.jsonValue({ maxDepth: 2 }), ...(words.length ? [fc.constantFrom(...words)] : []));
  const keyed = keys.length
    ? fc.dictionary(fc.constantFrom(...keys), fc.oneof(value, fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: 4 })), { maxKeys: 6 })
    : fc.dictionary(fc.string({ maxLength: 10 }), value, { maxKeys: 6 });
  return fc.oneof(fc.jsonValue(), keyed, shaped(schema, 0));
}
