import type { DestinationStream } from 'pino';
import { REDACT_CENSOR, REDACT_PATHS, createLogger, withLogContext } from '../index';

const CANARY = 'canary-secret-4f1d9c';

function captureLogger() {
  const lines: string[] = [];
  const destination: DestinationStream = { write: (chunk: string) => void lines.push(chunk) };
  const logger = createLogger({ service: 'test-service', level: 'debug' }, destination);
  const entries = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines, entries };
}

/** Builds an object that has CANARY at `path` (pino redact syntax) and a harmless sibling next to it. */
function objectWithSecretAt(path: string): Record<string, unknown> {
  const segments = path
    .replace(/\*/g, 'nested')
    .split(/\.|\[|\]/)
    .filter(Boolean)
    .map((segment) => segment.replace(/^"|"$/g, ''));
  const root: Record<string, unknown> = {};
  let current = root;
  for (const segment of segments.slice(0, -1)) {
    const next: Record<string, unknown> = { keep: 'visible' };
    current[segment] = next;
    current = next;
  }
  current[segments.at(-1)!] = CANARY;
  return root;
}

function valueAt(entry: Record<string, unknown>, path: string): unknown {
  const segments = path.replace(/\*/g, 'nested').split(/\.|\[|\]/).filter(Boolean).map((s) => s.replace(/^"|"$/g, ''));
  return segments.reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], entry);
}

describe('createLogger', () => {
  it('writes JSON with the service, an ISO time and a string level', () => {
    const { logger, entries } = captureLogger();
    logger.info({ runId: 'r1', counts: { created: 2 } }, 'run finished');
    expect(entries()[0]).toMatchObject({
      service: 'test-service',
      level: 'info',
      runId: 'r1',
      counts: { created: 2 },
      msg: 'run finished',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it('R-OPS-03 every line written inside a log context carries its tenant, directory and run ids; nested contexts add to it', async () => {
    const { logger, entries } = captureLogger();
    logger.info('outside');
    await withLogContext({ tenantId: 't-1', runId: 'r-1' }, async () => {
      await new Promise((r) => setImmediate(r));
      logger.child({ component: 'x' }).info('inside, after an await');
      withLogContext({ directoryId: 'd-1', runId: undefined }, () => logger.warn({ runId: 'explicit' }, 'nested'));
    });
    logger.info('after');
    const [outside, inside, nested, after] = entries();
    expect(outside).not.toHaveProperty('tenantId');
    expect(inside).toMatchObject({ tenantId: 't-1', runId: 'r-1', component: 'x', msg: 'inside, after an await' });
    expect(nested).toMatchObject({ tenantId: 't-1', directoryId: 'd-1', runId: 'explicit' });
    expect(after).not.toHaveProperty('runId');
  });

  it('covers the secrets and headers the team relies on', () => {
    for (const path of [
      'password',
      '*.password',
      '*.*.password',
      '*.*.privateKey',
      '*.accountToken',
      'apiKey',
      'req.headers.authorization',
      'req.headers.cookie',
      'req.headers["x-api-key"]',
      'res.headers["set-cookie"]',
    ]) {
      expect(REDACT_PATHS).toContain(path);
    }
  });

  it.each(REDACT_PATHS.map((path) => [path]))('redacts a canary at %s and keeps the rest', (path) => {
    const { logger, lines, entries } = captureLogger();
    logger.info({ ...objectWithSecretAt(path), tenantId: 't-1' }, 'with secret');
    expect(lines.join('')).not.toContain(CANARY);
    const [entry] = entries();
    expect(valueAt(entry, path)).toBe(REDACT_CENSOR);
    expect(entry.tenantId).toBe('t-1');
    if (path.includes('.')) expect(JSON.stringify(entry)).toContain('"keep":"visible"');
  });

  it('redacts secrets inside child logger bindings too', () => {
    const { logger, lines } = captureLogger();
    logger.child({ connector: { apiKey: CANARY, name: 'hris' } }).warn('child');
    expect(lines.join('')).not.toContain(CANARY);
    expect(lines.join('')).toContain('"name":"hris"');
  });

  it('respects the level', () => {
    const lines: string[] = [];
    const logger = createLogger({ service: 's', level: 'warn' }, { write: (chunk: string) => void lines.push(chunk) });
    logger.info('hidden');
    logger.warn('shown');
    expect(lines).toHaveLength(1);
  });
});
