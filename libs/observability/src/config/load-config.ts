import type { z } from 'zod';
import { isSecretField } from './env-fields';

/** Thrown by `loadConfig`; `problems` holds one line per bad variable, and so does `message`. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

// Names that look like credentials are never echoed, even when their field was not marked with secretField().
const SECRET_NAME = /KEY|SECRET|PASSWORD|PASSPHRASE|TOKEN|CREDENTIAL/i;
const MAX_ECHO = 80;

/**
 * Reads the variables named by the schema's keys from `env` once, validates them and returns the typed result.
 * Empty strings count as unset, so `FOO=` in a compose file falls back to the default or reports "required".
 */
export function loadConfig<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const names = Object.keys(schema.shape);
  const raw: Record<string, string | undefined> = {};
  for (const name of names) raw[name] = env[name] === '' ? undefined : env[name];

  const result = schema.safeParse(raw);
  if (result.success) return result.data;

  const byName = new Map<string, string[]>();
  for (const issue of result.error.issues) {
    const name = issue.path.length > 0 ? String(issue.path[0]) : '(config)';
    byName.set(name, [...(byName.get(name) ?? []), issue.message]);
  }
  const problems = [...byName].map(([name, messages]) =>
    describeProblem(name, raw[name], messages, isSecret(name, schema.shape[name])),
  );
  throw new ConfigError(problems);
}

function isSecret(name: string, field: z.ZodType | undefined): boolean {
  return SECRET_NAME.test(name) || isSecretField(field);
}

function describeProblem(name: string, value: string | undefined, messages: string[], secret: boolean): string {
  if (value === undefined) return `${name}: required`;
  const reason = [...new Set(messages)].join('; ');
  if (secret) return `${name}: ${scrub(reason, value)} (value hidden)`;
  return `${name}: ${reason}, got ${JSON.stringify(truncate(hideUrlCredentials(value)))}`;
}

// A custom message may quote its input; for secrets make sure it cannot.
function scrub(text: string, secret: string): string {
  return secret.length >= 4 ? text.split(secret).join('[redacted]') : text;
}

function hideUrlCredentials(value: string): string {
  return value.replace(/\/\/[^/@\s]*@/, '//***@');
}

function truncate(value: string): string {
  return value.length > MAX_ECHO ? `${value.slice(0, MAX_ECHO)}…` : value;
}

/**
 * For main.ts: runs `fn` (sync or async) and, on a ConfigError, prints one line per problem to stderr and exits 1
 * instead of dumping a stack trace. Other errors propagate.
 */
export function exitOnConfigError<T>(fn: () => T): T {
  try {
    const result = fn();
    if (result instanceof Promise) return result.catch(exitIfConfigError) as T;
    return result;
  } catch (error) {
    return exitIfConfigError(error);
  }
}

function exitIfConfigError(error: unknown): never {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`Invalid configuration:\n${error.problems.map((p) => `  ${p}\n`).join('')}`);
  process.exit(1);
}
