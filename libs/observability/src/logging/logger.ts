import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/env-fields';
import { logContext } from './log-context';

export interface LoggerOptions {
  service: string;
  level?: LogLevel;
}

export const REDACT_CENSOR = '[redacted]';

const SECRET_KEYS = [
  'password',
  'passphrase',
  'privateKey',
  'private_key',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'accountToken',
  'apiKey',
  'api_key',
  'secret',
  'clientSecret',
  'client_secret',
  'authorization',
  'cookie',
];

const SECRET_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'x-api-key'];

const prop = (key: string) => (/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `["${key}"]`);

/**
 * Paths pino censors. A key is covered at the top level and one or two objects down (`*.password`,
 * `*.*.password`); deeper secrets must not be logged at all. Header paths match pino-http's req/res serializers
 * and raw header objects logged by HTTP clients.
 */
export const REDACT_PATHS: readonly string[] = Object.freeze([
  ...SECRET_KEYS.flatMap((key) => [key, `*${prop(key)}`, `*.*${prop(key)}`]),
  ...SECRET_HEADERS.flatMap((header) => [
    `req.headers${prop(header)}`,
    `headers${prop(header)}`,
    `*.headers${prop(header)}`,
  ]),
  'res.headers["set-cookie"]',
]);

/**
 * A pino JSON logger: ISO time, string levels, `{ service }` on every line, secrets censored, and the ids of the
 * work in progress (`withLogContext`: tenant, directory, run, event) on every line written inside it.
 */
export function createLogger(options: LoggerOptions, destination?: DestinationStream): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => ({ ...logContext() }),
      redact: { paths: [...REDACT_PATHS], censor: REDACT_CENSOR },
    },
    destination,
  );
}
