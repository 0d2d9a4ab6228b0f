// Checks the container files users run (no Docker engine exists where tests run): docker-compose.yml against
// the Compose Specification schema plus the invariants the services rely on, and deploy/docker/Dockerfile
// with a small line parser.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Ajv, { type ErrorObject } from 'ajv';
import { parseDocument } from 'yaml';
import { HRIS_BRIDGE_DEFAULT_HOSTS } from '@roster/security';

const ROOT = join(__dirname, '..', '..');
const SERVICES = ['directory-config', 'file-ingest', 'reconciler', 'notifier', 'connector-gateway'] as const;
const DOCKERFILE = 'deploy/docker/Dockerfile';

// The only credentials allowed in committed deploy files: local-only examples, each documented where it is used.
const EXAMPLE_SECRETS = new Set([
  'postgres', // PostgreSQL password of the local stack
  'hr-password', // SFTP demo user
  'RVhBTVBMRS1PTkxZLXJvc3Rlci1zZWNyZXRzLWtleSE=', // base64("EXAMPLE-ONLY-roster-secrets-key!")
  'example-only-api-key-change-me',
]);
const SECRET_NAME = /KEY|SECRET|PASSWORD|PASSPHRASE|TOKEN|CREDENTIAL/i;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Dict = Record<string, Json>;
type ComposeService = Dict & {
  build?: { context?: string; dockerfile?: string; args?: Dict | string[] };
  depends_on?: Record<string, { condition?: string }> | string[];
  environment?: Dict | string[];
  healthcheck?: { test?: string[] | string; disable?: boolean };
  ports?: Json[];
  command?: string[] | string;
};
type Compose = { services: Record<string, ComposeService>; [key: string]: Json };

// ---------- compose loading ----------

/** Compose's interpolation with an empty environment: every `${VAR:-default}` takes its default. */
function interpolate(value: string): string {
  return value.replace(/\$(\$|\{([A-Za-z_]\w*)(?:(:?-)([^}]*))?\}|([A-Za-z_]\w*))/g, (_, body, braced, op, fallback) =>
    body === '$' ? '$' : braced && op ? fallback : '',
  );
}

function interpolateAll(node: unknown): unknown {
  if (typeof node === 'string') return interpolate(node);
  if (Array.isArray(node)) return node.map(interpolateAll);
  if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateAll(v)]));
  return node;
}

function parseCompose(text: string): { raw: Compose; resolved: Compose } {
  const doc = parseDocument(text, { merge: true, prettyErrors: true });
  if (doc.errors.length > 0) throw new Error(doc.errors.map((e) => e.message).join('\n'));
  const raw = doc.toJS({ maxAliasCount: 1000 }) as Compose;
  return { raw, resolved: interpolateAll(raw) as Compose };
}

function entries(value: Dict | string[] | undefined): Record<string, string> {
  if (!value) return {};
  if (Array.isArray(value)) {
    return Object.fromEntries(value.map((item) => [item.split('=')[0], item.split('=').slice(1).join('=')]));
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

// The maintained copy of the official Compose Specification schema that dclint ships and updates.
function composeSchemaValidator() {
  const schemaPath = join(dirname(require.resolve('dclint/package.json')), 'schemas', 'compose.schema.json');
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as Dict;
  // The upstream file names draft-07 by its https URL, which ajv registers under the classic http id.
  schema.$schema = 'http://json-schema.org/draft-07/schema#';
  const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
  const validate = ajv.compile(schema);
  return (document: unknown): string[] =>
    validate(document) ? [] : (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
}

// ---------- Dockerfile parsing ----------

interface Instruction {
  keyword: string;
  args: string;
  line: number;
}
interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

function parseDockerfile(text: string): { globalArgs: Record<string, string>; stages: Stage[] } {
  const instructions: Instruction[] = [];
  let pending = '';
  let startLine = 0;
  text.split('\n').forEach((line, index) => {
    const trimmed = line.trim();
    if (!pending && (trimmed === '' || trimmed.startsWith('#'))) return;
    if (pending && trimmed.startsWith('#')) return; // comments inside a continued instruction
    if (!pending) startLine = index + 1;
    pending += `${trimmed.replace(/\\$/, '').trim()} `;
    if (trimmed.endsWith('\\')) return;
    const [keyword, ...rest] = pending.trim().split(/\s+/);
    instructions.push({ keyword: keyword.toUpperCase(), args: rest.join(' '), line: startLine });
    pending = '';
  });

  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const match = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      if (!match) throw new Error(`line ${instruction.line}: cannot parse FROM ${instruction.args}`);
      stages.push({ from: match[1], name: match[2], instructions: [] });
    } else if (stages.length === 0 && instruction.keyword === 'ARG') {
      const [name, value = ''] = instruction.args.split('=');
      globalArgs[name] = value;
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

function envAssignments(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of stage.instructions.filter((i) => i.keyword === 'ENV')) {
    for (const [, name, value] of args.matchAll(/([A-Za-z_]\w*)=("[^"]*"|\S*)/g)) env[name] = value.replace(/^"|"$/g, '');
  }
  return env;
}

/** Exec-form JSON array, or the shell form wrapped the way Docker runs it. */
function commandOf(args: string): string[] {
  return args.trim().startsWith('[') ? (JSON.parse(args) as string[]) : ['/bin/sh', '-c', args];
}

// ---------- compose ----------

describe('R-OPS-04 docker-compose.yml (local deployment)', () => {
  const text = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
  const { raw, resolved: compose } = parseCompose(text);
  const validate = composeSchemaValidator();

  it('R-OPS-04 is valid against the Compose Specification schema', () => {
    expect(validate(compose)).toEqual([]);
  });

  it('the schema check is not vacuous', () => {
    const broken = structuredClone(compose);
    (broken.services.nats as Dict).healthchek = {};
    (broken.services.reconciler.depends_on as Record<string, Dict>).nats.condition = 'service_ready';
    broken.services.notifier.restart = ['always'];
    const problems = validate(broken).join('\n');
    expect(problems).toMatch(/\/services\/nats .*healthchek/);
    expect(problems).toContain('/services/reconciler/depends_on/nats/condition');
    expect(problems).toContain('/services/notifier/restart');
  });

  it('passes dclint\'s error-level rules (unbound published ports, untagged images, build plus image, ...)', async () => {
    // dclint's types are ESM-only; a dynamic import type-checks, and jest's transform turns it into a require of
    // the package's CommonJS build. Its style warnings (key and service ordering) are left off: this file is
    // grouped for reading.
    const { DCLinter } = await import('dclint');
    const [result] = new DCLinter({ rules: {}, quiet: true, debug: false, exclude: [] }).lintFiles(
      [join(ROOT, 'docker-compose.yml')],
      false,
    );
    const messages = result.messages as { type: string; line: number; message: string }[];
    expect(messages.filter((m) => m.type === 'error').map((m) => `${m.line}: ${m.message}`)).toEqual([]);
  });

  it('runs the infrastructure the services need', () => {
    expect(compose.services.nats.image).toBe('nats:2.10-alpine');
    expect(compose.services.nats.command).toEqual(expect.arrayContaining(['-js', '-sd', '/data']));
    expect(compose.services.postgres.image).toBe('postgres:16-alpine');
    expect(entries(compose.services.postgres.environment).POSTGRES_DB).toBe('roster');
    expect(compose.services.sftp.image).toMatch(/^atmoz\/sftp(:|$)/);
    expect(compose.services.sftp.command).toEqual(['hr:hr-password:::upload']);
    expect(compose.services.mailpit.image).toMatch(/^axllent\/mailpit(:|$)/);
  });

  it.each(SERVICES)('builds %s from the shared Dockerfile with its SERVICE arg', (name) => {
    const service = compose.services[name];
    expect(service).toBeDefined();
    expect(service.build).toMatchObject({ context: '.', dockerfile: DOCKERFILE });
    expect(entries(service.build?.args).SERVICE).toBe(name);
    expect(service.image).toBeUndefined(); // with both, `docker compose pull` tries a registry for a local build
    expect(service.restart).toBe('unless-stopped');
  });

  it.each(SERVICES)('%s has a readiness healthcheck and waits for healthy nats and postgres', (name) => {
    const service = compose.services[name];
    expect(service.healthcheck?.disable).not.toBe(true);
    expect([service.healthcheck?.test ?? []].flat().join(' ')).toContain('/health/ready');
    expect(service.depends_on).toMatchObject({
      nats: { condition: 'service_healthy' },
      postgres: { condition: 'service_healthy' },
    });
  });

  it('only waits on services that define a healthcheck', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        if (condition !== 'service_healthy') continue;
        expect({ name, dependency, healthcheck: compose.services[dependency]?.healthcheck?.test }).toEqual({
          name,
          dependency,
          healthcheck: expect.anything(),
        });
      }
    }
  });

  it('configures each service through ROSTER_* variables, on its own port', () => {
    const ports = SERVICES.map((name) => {
      const env = entries(compose.services[name].environment);
      expect(env.ROSTER_DATABASE_URL).toBe('postgres://postgres:postgres@postgres:5432/roster');
      expect(env.ROSTER_NATS_URL).toBe('nats://nats:4222');
      return Number(env.ROSTER_HTTP_PORT);
    });
    expect(ports).toEqual([3000, 3001, 3002, 3003, 3004]);
    expect(compose.services['directory-config'].ports).toEqual(['127.0.0.1:3000:3000']);
    for (const name of SERVICES.filter((n) => n !== 'directory-config')) expect(compose.services[name].ports).toBeUndefined();

    for (const name of ['directory-config', 'file-ingest', 'connector-gateway']) {
      const key = entries(compose.services[name].environment).ROSTER_SECRETS_KEY;
      expect(Buffer.from(key, 'base64')).toHaveLength(32);
    }
    expect(entries(compose.services['directory-config'].environment).ROSTER_API_KEY).toBeTruthy();
    expect(entries(compose.services.notifier.environment).ROSTER_SMTP_URL).toBe('smtp://mailpit:1025');
  });

  it('R-API-01 gives directory-config and connector-gateway the same HR bridge host allow-list, the bridge’s own hosts by default', () => {
    for (const name of ['directory-config', 'connector-gateway']) {
      expect(entries(compose.services[name].environment).ROSTER_HRIS_BRIDGE_ALLOWED_HOSTS).toBe(HRIS_BRIDGE_DEFAULT_HOSTS.join(','));
      expect(entries(raw.services[name].environment).ROSTER_HRIS_BRIDGE_ALLOWED_HOSTS).toMatch(/^\$\{ROSTER_HRIS_BRIDGE_ALLOWED_HOSTS:-[^}]+\}$/);
    }
  });

  it('holds no credentials but the documented examples, and lets the environment override the keys', () => {
    const found: string[] = [];
    for (const service of Object.values(compose.services)) {
      for (const [name, value] of Object.entries(entries(service.environment))) {
        // An empty value (a variable only passed through from the environment) holds no credential.
        if (SECRET_NAME.test(name) && value !== '') found.push(value);
        const url = URL.canParse(value) ? new URL(value) : undefined;
        if (url?.password) found.push(decodeURIComponent(url.password));
      }
    }
    for (const argument of [compose.services.sftp.command ?? []].flat()) found.push(argument.split(':')[1]);
    expect(found.filter((secret) => !EXAMPLE_SECRETS.has(secret))).toEqual([]);

    expect(Buffer.from('RVhBTVBMRS1PTkxZLXJvc3Rlci1zZWNyZXRzLWtleSE=', 'base64').toString()).toMatch(/^EXAMPLE-ONLY/);
    for (const name of ['directory-config', 'file-ingest', 'connector-gateway']) {
      expect(entries(raw.services[name].environment).ROSTER_SECRETS_KEY).toMatch(/^\$\{ROSTER_SECRETS_KEY:-[^}]+\}$/);
      expect(entries(raw.services[name].environment).ROSTER_SECRETS_PREVIOUS_KEYS).toBe('${ROSTER_SECRETS_PREVIOUS_KEYS:-}');
    }
    expect(entries(raw.services['directory-config'].environment).ROSTER_API_KEY).toMatch(/^\$\{ROSTER_API_KEY:-[^}]+\}$/);
    expect(text).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY/);
  });
});

// ---------- Dockerfile ----------

describe(DOCKERFILE, () => {
  const { globalArgs, stages } = parseDockerfile(readFileSync(join(ROOT, DOCKERFILE), 'utf8'));
  const final = stages.at(-1)!;
  const finalOf = (keyword: string) => final.instructions.filter((i) => i.keyword === keyword);
  const runs = (stage: Stage) => stage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);

  it('is multi-stage on node:20-bookworm-slim', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) {
      expect(stage.from.replace(/\$\{(\w+)\}/g, (_, name: string) => globalArgs[name] ?? '')).toBe('node:20-bookworm-slim');
    }
  });

  it('builds with the full dependency tree in an earlier stage', () => {
    const build = stages.slice(0, -1).flatMap(runs);
    expect(build.some((cmd) => /\bnpm ci\b/.test(cmd) && !cmd.includes('--omit=dev'))).toBe(true);
    expect(build).toContain('npm run build');
    expect(finalOf('COPY').some((i) => /--from=\S+.*\bdist\b/.test(i.args))).toBe(true);
  });

  it('installs only production dependencies in the final stage', () => {
    expect(runs(final).some((cmd) => /\bnpm ci\b.*--omit=dev/.test(cmd))).toBe(true);
    expect(runs(final).some((cmd) => /npm run build/.test(cmd))).toBe(false);
  });

  it('runs as a non-root user in production mode', () => {
    const user = finalOf('USER').at(-1)?.args.split(':')[0];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(envAssignments(final).NODE_ENV).toBe('production');
  });

  it('checks liveness on ROSTER_HTTP_PORT', () => {
    const [healthcheck] = finalOf('HEALTHCHECK');
    expect(healthcheck?.args).toMatch(/\bCMD\b/);
    expect(healthcheck.args).toContain('/health/live');
    expect(healthcheck.args).toContain('ROSTER_HTTP_PORT');
    expect(envAssignments(final).ROSTER_HTTP_PORT).toMatch(/^\d+$/);
  });

  it('starts dist/apps/$SERVICE/src/main.js with SERVICE carried from ARG to ENV', () => {
    expect(finalOf('ARG').map((i) => i.args.split('=')[0])).toContain('SERVICE');
    expect(envAssignments(final).SERVICE).toBe('${SERVICE}');

    const command = commandOf(finalOf('CMD').at(-1)!.args);
    const script = command.join(' ');
    expect(script).toMatch(/dist\/apps\/\$\{?SERVICE\}?\/src\/main\.js/);
    // Exec form does not expand variables: a "$" there would reach node literally.
    const [program, flag, shellScript] = command;
    expect(['/bin/sh', 'sh']).toContain(program);
    expect(flag).toBe('-c');
    // `exec` replaces the shell so node itself receives SIGTERM.
    expect(shellScript).toMatch(/^exec node /);
  });

  it('has a root .dockerignore that keeps local state out of the build context', () => {
    const patterns = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const pattern of ['**/node_modules', 'dist', '.git', '**/.env']) expect(patterns).toContain(pattern);
    for (const needed of ['apps', 'libs', 'tools', 'package.json', 'package-lock.json']) expect(patterns).not.toContain(needed);
  });
});

describe('deploy test helpers', () => {
  it('interpolate follows compose defaults and escapes', () => {
    expect(interpolate('${A:-x}/${B-y}/${C}/$D/$$E')).toBe('x/y///$E');
  });

  it('parseDockerfile joins continuation lines and splits stages', () => {
    const { globalArgs, stages } = parseDockerfile('ARG IMG=node:20\nFROM ${IMG} AS one\nRUN a \\\n  # note\n  b\nFROM one\nUSER node\n');
    expect(globalArgs).toEqual({ IMG: 'node:20' });
    expect(stages.map((s) => [s.from, s.name])).toEqual([['${IMG}', 'one'], ['one', undefined]]);
    expect(stages[0].instructions).toEqual([{ keyword: 'RUN', args: 'a b', line: 3 }]);
  });
});
