import { z } from 'zod';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const secretFields = new WeakSet<object>();

/** Marks a field whose value must never appear in a config error message. */
export function secretField<T extends z.ZodType>(schema: T): T {
  secretFields.add(schema);
  return schema;
}

/** True when the field, or the field that `.optional()`/`.default()`/`.pipe()` wrapped, is marked secret. */
export function isSecretField(schema: z.ZodType | undefined): boolean {
  let current: unknown = schema;
  while (current && typeof current === 'object') {
    if (secretFields.has(current)) return true;
    const def = (current as { _zod?: { def?: { innerType?: unknown; in?: unknown } } })._zod?.def;
    current = def?.innerType ?? def?.in;
  }
  return false;
}

const DIGITS = /^\d+$/;
// Strict standard base64: Buffer.from(..., 'base64') silently skips junk characters.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function integerBetween(min: number, max: number, expected: string) {
  return z
    .string()
    .trim()
    .refine((v) => DIGITS.test(v) && Number(v) >= min && Number(v) <= max, { error: `expected ${expected}` })
    .transform(Number);
}

function isUrl(value: string, protocols: readonly string[] | undefined): boolean {
  if (!URL.canParse(value)) return false;
  return !protocols || protocols.includes(new URL(value).protocol.replace(/:$/, ''));
}

/**
 * Reusable env fields. Each takes the raw string from the environment and yields a typed value; messages start
 * with "expected …" so `loadConfig` can print `NAME: expected …, got "value"`.
 */
export const envField = {
  port: () => integerBetween(1, 65535, 'an integer 1..65535'),
  positiveInt: () => integerBetween(1, Number.MAX_SAFE_INTEGER, 'a positive integer'),
  /** Milliseconds between a periodic job's runs in each replica; 0 disables its loop. */
  loopIntervalMs: () => integerBetween(0, Number.MAX_SAFE_INTEGER, 'a non-negative integer (milliseconds; 0 disables the loop)'),
  /** `protocols` without the colon, e.g. `['postgres', 'postgresql']`. */
  url: (protocols?: readonly string[]) =>
    z
      .string()
      .trim()
      .refine((v) => isUrl(v, protocols), {
        error: protocols ? `expected a URL with scheme ${protocols.join(' or ')}` : 'expected an absolute URL',
      }),
  logLevel: () => z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` }),
  /** A key given as standard base64 that must decode to exactly `bytes` bytes (AES-256 wants 32). */
  base64Key: (bytes = 32) =>
    secretField(
      z
        .string()
        .trim()
        .refine((v) => BASE64.test(v) && Buffer.from(v, 'base64').length === bytes, {
          error: `expected standard base64 of exactly ${bytes} bytes (generate one with: openssl rand -base64 ${bytes})`,
        })
        .transform((v) => Buffer.from(v, 'base64')),
    ),
  /**
   * A comma-separated list of such keys (R-SEC-01: the previous master keys during a rotation); unset is none.
   * Use with `.default([])`.
   */
  base64Keys: (bytes = 32) =>
    secretField(
      z
        .string()
        .transform((v) => v.split(',').map((k) => k.trim()).filter(Boolean))
        .refine((keys) => keys.every((k) => BASE64.test(k) && Buffer.from(k, 'base64').length === bytes), {
          error: `expected comma-separated standard base64 keys of exactly ${bytes} bytes each`,
        })
        .transform((keys) => keys.map((k) => Buffer.from(k, 'base64'))),
    ),
  /** Any non-empty secret string (API keys, passwords). */
  secret: (minLength = 1) =>
    secretField(z.string().min(minLength, { error: `expected at least ${minLength} characters` })),
};
