import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LOOPBACK, freePort } from './net';
import { ManagedProcess, spawnManaged } from './process';
import { waitFor } from './wait-for';

/** Starts of one service whose port turned out to be taken, before giving up. */
const PORT_ATTEMPTS = 5;

export const SERVICES = ['directory-config', 'file-ingest', 'reconciler', 'notifier', 'connector-gateway'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface PlatformOptions {
  databaseUrl: string;
  natsUrl: string;
  smtpUrl: string;
  /** Repository root (where dist/ is); defaults to this file's repo. */
  root?: string;
  /** Extra environment for every service. */
  env?: Record<string, string>;
  logLevel?: string;
  /** Characters of output kept per service process (default 64 KiB); a test that searches all logs raises it. */
  outputLimit?: number;
}

export interface RunningService {
  name: ServiceName;
  port: number;
  process: ManagedProcess;
}

export interface Platform {
  apiUrl: string;
  apiKey: string;
  services: Record<ServiceName, RunningService>;
  /** Calls the admin API with the key; returns status and parsed JSON body. */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** The same with another key (an issued `rk_` key, a wrong one). */
  apiAs<T = unknown>(key: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** SIGKILL a service (a crash) and wait until it is gone. */
  kill(name: ServiceName): Promise<void>;
  /** Start a stopped or killed service again, on the same port (with `env` on top of the platform's), and wait until it is ready. */
  start(name: ServiceName, env?: Record<string, string>): Promise<void>;
  /** What each service printed (each process's last 64 KiB, or `outputLimit`), earlier processes of a restarted one first. */
  logs(): string;
  stop(): Promise<void>;
}

/**
 * The five services as separate processes (from the swc build in dist/) against the given Postgres, NATS and
 * SMTP: what the end-to-end tests, the benchmark and the quick start run.
 */
export async function startPlatform(o: PlatformOptions): Promise<Platform> {
  const root = o.root ?? join(__dirname, '../../..');
  const main = (name: ServiceName) => join(root, 'dist', 'apps', name, 'src', 'main.js');
  if (!existsSync(main('directory-config'))) throw new Error(`${main('directory-config')} is missing: run npm run build first`);
  const apiKey = `roster-e2e-${randomBytes(12).toString('hex')}`;
  const common = {
    ROSTER_DATABASE_URL: o.databaseUrl,
    ROSTER_NATS_URL: o.natsUrl,
    ROSTER_HTTP_HOST: LOOPBACK,
    ROSTER_LOG_LEVEL: o.logLevel ?? 'warn',
    ROSTER_SECRETS_KEY: randomBytes(32).toString('base64'),
    ROSTER_API_KEY: apiKey,
    ROSTER_SMTP_URL: o.smtpUrl,
    ROSTER_MAIL_FROM: 'roster@roster.test',
    // A killed service's unacked message is redelivered after this; short so crash tests stay quick.
    ROSTER_ACK_WAIT_MS: '3000',
    // No scheduler loop: a test's directory could otherwise fall due (default daily 02:00 UTC) mid-suite and get
    // an unexpected run; scheduled runs are driven with POST /v1/scheduler/tick (or pass the variable in env).
    ROSTER_SCHEDULER_INTERVAL_MS: '0',
    ...o.env,
  };
  const services = {} as Record<ServiceName, RunningService>;
  for (const name of SERVICES) services[name] = { name, port: await freePort(), process: undefined as unknown as ManagedProcess };
  /** The output of a restarted service's earlier processes. */
  const earlier: Partial<Record<ServiceName, string>> = {};

  const launch = async (name: ServiceName, env: Record<string, string>) => {
    const s = services[name];
    if (s.process) earlier[name] = `${earlier[name] ?? ''}${s.process.output()}`;
    const child = spawnManaged(process.execPath, ['--enable-source-maps', main(name)], name, {
      env: { ...process.env, ...common, ...env, ROSTER_HTTP_PORT: String(s.port) },
      outputLimit: o.outputLimit,
    });
    s.process = child;
    let exited = false;
    void child.exited.then(() => (exited = true));
    await waitFor(
      async () => {
        if (exited) return true;
        const res = await fetch(`http://${LOOPBACK}:${s.port}/health/ready`).catch(() => undefined);
        return res?.status === 200;
      },
      { timeoutMs: 30_000, intervalMs: 100, description: `${name} ready on port ${s.port}` },
    );
    // A process that failed to bind may have seen another process's service answer on the port meanwhile.
    if (exited || !child.isRunning()) {
      const output = child.output().slice(-4000);
      throw Object.assign(new Error(`${name} exited:\n${output}`), { portTaken: output.includes('EADDRINUSE') });
    }
  };

  /**
   * Starts a service and waits until it is ready. A first start whose port was taken meanwhile moves to another
   * port; a restart keeps its port (tests and clients hold the URL) and tries it again for a while.
   */
  const start = async (name: ServiceName, env: Record<string, string> = {}, first = false) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await launch(name, env);
      } catch (error) {
        if (!(error as { portTaken?: boolean }).portTaken || attempt >= PORT_ATTEMPTS) throw error;
        if (first) services[name].port = await freePort();
        else await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  };

  const platform: Platform = {
    get apiUrl() {
      return `http://${LOOPBACK}:${services['directory-config'].port}`;
    },
    apiKey,
    services,
    api<T>(method: string, path: string, body?: unknown) {
      return platform.apiAs<T>(apiKey, method, path, body);
    },
    async apiAs<T>(key: string, method: string, path: string, body?: unknown) {
      const res = await fetch(`${platform.apiUrl}${path}`, {
        method,
        headers: { 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
    },
    async kill(name) {
      services[name].process.kill();
      await services[name].process.exited;
    },
    start: (name, env) => start(name, env),
    logs: () => SERVICES.map((n) => `==== ${n}\n${earlier[n] ?? ''}${services[n].process?.output() ?? ''}`).join('\n'),
    async stop() {
      await Promise.all(SERVICES.map((n) => services[n].process?.stop(10_000)));
    },
  };
  try {
    // Sequential start keeps the first migrations and stream provisioning readable in logs; each takes ~1 s.
    for (const name of SERVICES) await start(name, {}, true);
  } catch (e) {
    await platform.stop();
    throw e;
  }
  return platform;
}
