import { z } from 'zod';
import { ConfigError, envField, exitOnConfigError, loadConfig } from '../index';

const CANARY_KEY = 'c2VjcmV0LWNhbmFyeS12YWx1ZS0xMjM0NTY=';
const CANARY_API_KEY = 'canary-api-key-do-not-print';

const schema = z.object({
  ROSTER_DATABASE_URL: envField.url(['postgres', 'postgresql']),
  ROSTER_NATS_URL: envField.url(['nats']).default('nats://127.0.0.1:4222'),
  ROSTER_HTTP_PORT: envField.port().default(3000),
  ROSTER_BATCH_SIZE: envField.positiveInt().default(500),
  ROSTER_LOG_LEVEL: envField.logLevel().default('info'),
  ROSTER_SECRETS_KEY: envField.base64Key(),
  ROSTER_API_KEY: envField.secret(16),
  ROSTER_SMTP_PASSWORD: z.string().min(12).optional(),
});

const validEnv = {
  ROSTER_DATABASE_URL: 'postgres://app:pw@db:5432/roster',
  ROSTER_SECRETS_KEY: Buffer.alloc(32, 7).toString('base64'),
  ROSTER_API_KEY: 'a-long-enough-api-key',
};

function problemsOf(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    loadConfig(schema, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('returns typed values with defaults applied', () => {
    const config = loadConfig(schema, { ...validEnv, ROSTER_HTTP_PORT: '8080', UNRELATED: 'x' });
    expect(config.ROSTER_HTTP_PORT).toBe(8080);
    expect(config.ROSTER_BATCH_SIZE).toBe(500);
    expect(config.ROSTER_LOG_LEVEL).toBe('info');
    expect(config.ROSTER_NATS_URL).toBe('nats://127.0.0.1:4222');
    expect(config.ROSTER_SECRETS_KEY).toEqual(Buffer.alloc(32, 7));
    expect(config).not.toHaveProperty('UNRELATED');
  });

  it('treats an empty value as unset', () => {
    expect(loadConfig(schema, { ...validEnv, ROSTER_HTTP_PORT: '' }).ROSTER_HTTP_PORT).toBe(3000);
    expect(problemsOf({ ...validEnv, ROSTER_DATABASE_URL: '' })).toEqual(['ROSTER_DATABASE_URL: required']);
  });

  it('lists every bad variable on its own line and why', () => {
    let error: unknown;
    try {
      loadConfig(schema, {
        ROSTER_HTTP_PORT: 'abc',
        ROSTER_NATS_URL: 'http://nats:4222',
        ROSTER_BATCH_SIZE: '0',
        ROSTER_LOG_LEVEL: 'loud',
        ROSTER_SECRETS_KEY: 'dG9vLXNob3J0',
        ROSTER_API_KEY: CANARY_API_KEY.slice(0, 10),
      });
    } catch (e) {
      error = e;
    }
    if (!(error instanceof ConfigError)) throw new Error('expected a ConfigError');
    expect(error.message.split('\n')).toEqual(error.problems);
    expect(error.problems).toEqual([
      'ROSTER_DATABASE_URL: required',
      'ROSTER_NATS_URL: expected a URL with scheme nats, got "http://nats:4222"',
      'ROSTER_HTTP_PORT: expected an integer 1..65535, got "abc"',
      'ROSTER_BATCH_SIZE: expected a positive integer, got "0"',
      expect.stringMatching(/^ROSTER_LOG_LEVEL: expected one of fatal, error, .*, got "loud"$/),
      expect.stringMatching(/^ROSTER_SECRETS_KEY: expected standard base64 of exactly 32 bytes.*\(value hidden\)$/),
      'ROSTER_API_KEY: expected at least 16 characters (value hidden)',
    ]);
  });

  it('rejects ports out of range and non-integers', () => {
    for (const bad of ['0', '65536', '3000.5', '-1', '1e3']) {
      expect(problemsOf({ ...validEnv, ROSTER_HTTP_PORT: bad })).toEqual([
        `ROSTER_HTTP_PORT: expected an integer 1..65535, got "${bad}"`,
      ]);
    }
  });

  it('never prints a secret value, whether the field is marked secret or only named like one', () => {
    const badKey = `${CANARY_KEY}!`;
    const problems = problemsOf({
      ...validEnv,
      ROSTER_SECRETS_KEY: badKey,
      ROSTER_API_KEY: 'short-canary',
      ROSTER_SMTP_PASSWORD: 'pw-canary',
    });
    const text = problems.join('\n');
    expect(problems).toHaveLength(3);
    for (const secret of [badKey, CANARY_KEY, 'short-canary', 'pw-canary']) expect(text).not.toContain(secret);
    expect(text).toContain('ROSTER_SMTP_PASSWORD: ');
  });

  it('R-SEC-01 reads a comma-separated list of previous keys, none when unset, and never echoes one', () => {
    const keys = z.object({ ROSTER_SECRETS_PREVIOUS_KEYS: envField.base64Keys(32).default([]) });
    const [a, b] = [Buffer.alloc(32, 1), Buffer.alloc(32, 2)];
    expect(loadConfig(keys, {}).ROSTER_SECRETS_PREVIOUS_KEYS).toEqual([]);
    expect(loadConfig(keys, { ROSTER_SECRETS_PREVIOUS_KEYS: '' }).ROSTER_SECRETS_PREVIOUS_KEYS).toEqual([]);
    expect(loadConfig(keys, { ROSTER_SECRETS_PREVIOUS_KEYS: `${a.toString('base64')}, ${b.toString('base64')}` }).ROSTER_SECRETS_PREVIOUS_KEYS).toEqual([a, b]);
    let problems: readonly string[] = [];
    try {
      loadConfig(keys, { ROSTER_SECRETS_PREVIOUS_KEYS: `${CANARY_KEY},${a.toString('base64')}` });
    } catch (e) {
      problems = (e as ConfigError).problems;
    }
    expect(problems).toEqual([expect.stringMatching(/^ROSTER_SECRETS_PREVIOUS_KEYS: expected comma-separated standard base64 keys of exactly 32 bytes each \(value hidden\)$/)]);
    expect(problems.join('\n')).not.toContain(CANARY_KEY);
  });

  it('hides credentials inside an echoed URL', () => {
    const [problem] = problemsOf({ ...validEnv, ROSTER_DATABASE_URL: 'mysql://app:hunter2-canary@db/roster' });
    expect(problem).toBe('ROSTER_DATABASE_URL: expected a URL with scheme postgres or postgresql, got "mysql://***@db/roster"');
  });
});

describe('exitOnConfigError', () => {
  let exit: jest.SpyInstance;
  let stderr: jest.SpyInstance;

  beforeEach(() => {
    exit = jest.spyOn(process, 'exit').mockImplementation((() => {
      throw new Error('process.exit');
    }) as never);
    stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => jest.restoreAllMocks());

  it('prints one line per problem to stderr and exits 1', () => {
    expect(() => exitOnConfigError(() => loadConfig(schema, { ROSTER_HTTP_PORT: 'abc' }))).toThrow('process.exit');
    expect(exit).toHaveBeenCalledWith(1);
    const printed = stderr.mock.calls.map(([chunk]) => String(chunk)).join('');
    expect(printed).toContain('  ROSTER_DATABASE_URL: required\n');
    expect(printed).toContain('  ROSTER_HTTP_PORT: expected an integer 1..65535, got "abc"\n');
  });

  it('passes results and other errors through', async () => {
    expect(exitOnConfigError(() => 42)).toBe(42);
    await expect(exitOnConfigError(async () => 'ok')).resolves.toBe('ok');
    expect(() => exitOnConfigError(() => { throw new TypeError('boom'); })).toThrow(TypeError);
    expect(exit).not.toHaveBeenCalled();
  });
});
