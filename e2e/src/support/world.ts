import { Client } from 'pg';
import { NatsConnection, connect } from 'nats';
import {
  NatsServerFixture,
  Platform,
  SftpFixture,
  SmtpSink,
  TestDatabase,
  createTestDatabase,
  startNatsServer,
  startPlatform,
  startSftpServer,
  startSmtpSink,
  waitFor,
} from '@roster/testing';

/** A run as GET /v1/tenants/:tenantId/runs/:runId answers it. */
export interface RunView {
  id: string;
  status: string;
  counts: Record<string, number> | null;
  problems: { rowNumber?: number; field?: string; code: string; message: string }[];
  problemCount: number;
  failure: { code: string; message: string } | null;
  fileName: string | null;
}

export interface WorldOptions {
  /** Start the OpenSSH sftp fixture (default true). */
  sftp?: boolean;
  /** ROSTER_LOG_LEVEL of the five services (the platform's default when absent). */
  logLevel?: string;
  /** Extra environment for every service. */
  env?: Record<string, string>;
  /** Characters of output kept per service process (the platform's 64 KiB when absent). */
  outputLimit?: number;
  /** The SMTP sink accepts only these credentials and the notifier's ROSTER_SMTP_URL carries them (R-SEC-01). */
  smtpAuth?: { user: string; pass: string };
}

/**
 * What an end-to-end suite runs against: a test database, a private nats-server, an SMTP sink, the sftp
 * fixture (unless asked not to), the five services, and a pg client and NATS connection for looking inside.
 */
export interface World {
  db: TestDatabase;
  nats: NatsServerFixture;
  sftp?: SftpFixture;
  smtp: SmtpSink;
  platform: Platform;
  pg: Client;
  nc: NatsConnection;
  /** POST /v1/tenants; the new tenant's id. */
  createTenant(name: string, ownerEmail?: string): Promise<string>;
  /** The sftp fixture's connection settings as a directory's `sftp` (host key pinned), with `overrides` on top. */
  sftpSettings(overrides?: Record<string, unknown>): Record<string, unknown>;
  /** POSTs an sftp-csv directory on the sftp fixture (host key pinned, no recipients), with `overrides` on top. */
  createSftpDirectory<T = { id: string }>(tenantId: string, overrides?: Record<string, unknown>): Promise<{ status: number; body: T }>;
  /**
   * Creates an `hris-api` directory on the HRIS emulator (expects 201) with `policy` and `pageSize`; its id.
   * `name` and any other body field can be overridden.
   */
  createHrisDirectory(
    tenantId: string,
    emulator: { baseUrl: string; accountToken: string },
    o: { pageSize: number; policy: Record<string, unknown>; name?: string; overrides?: Record<string, unknown> },
  ): Promise<string>;
  /** Starts a run of the directory (expects 202); the run's id. */
  startRun(tenantId: string, directoryId: string): Promise<string>;
  /** The run once it is succeeded, partially-succeeded or failed; on timeout the error carries the services' logs. */
  waitForRun(tenantId: string, runId: string, timeoutMs?: number): Promise<RunView>;
  /** How many `roster.directory.<tenant>.<type>.v1` events ROSTER_DIRECTORY holds. */
  eventCount(tenantId: string, type: string): Promise<number>;
  /** Tears everything down, in order; tolerates a world that did not finish starting. */
  stop(): Promise<void>;
}

/** A world with the sftp fixture (the default). */
export type SftpWorld = World & { sftp: SftpFixture };

/** The services' environment for hris-api directories on the HRIS emulator (libs/testing). */
export { hrisEmulatorEnv } from '@roster/testing';

const FINAL_STATUSES = ['succeeded', 'partially-succeeded', 'failed'];

/**
 * Starts a world for one suite; call it in beforeAll and `stop()` in afterAll. If it fails half-way, what had
 * started is stopped again before the error is thrown.
 */
export function startWorld(label: string, options: WorldOptions & { sftp: false }): Promise<World>;
export function startWorld(label: string, options?: WorldOptions & { sftp?: true }): Promise<SftpWorld>;
export async function startWorld(label: string, options: WorldOptions = {}): Promise<World> {
  let db: TestDatabase | undefined;
  let nats: NatsServerFixture | undefined;
  let sftp: SftpFixture | undefined;
  let smtp: SmtpSink | undefined;
  let platform: Platform | undefined;
  let pg: Client | undefined;
  let nc: NatsConnection | undefined;
  const stop = async () => {
    await nc?.drain();
    await pg?.end();
    await platform?.stop();
    await Promise.all([sftp?.stop(), smtp?.stop(), nats?.stop()]);
    await db?.drop();
  };
  try {
    const fixtures = await Promise.allSettled([
      createTestDatabase(label),
      startNatsServer(),
      options.sftp === false ? undefined : startSftpServer(),
      startSmtpSink({ credentials: options.smtpAuth }),
    ] as const);
    const [d, n, s, m] = fixtures;
    db = d.status === 'fulfilled' ? d.value : undefined;
    nats = n.status === 'fulfilled' ? n.value : undefined;
    sftp = s.status === 'fulfilled' ? s.value : undefined;
    smtp = m.status === 'fulfilled' ? m.value : undefined;
    for (const f of fixtures) if (f.status === 'rejected') throw f.reason;
    if (!db || !nats || !smtp) throw new Error('unreachable: every fixture started');
    platform = await startPlatform({
      databaseUrl: db.url,
      natsUrl: nats.url,
      smtpUrl: `smtp://${smtpUserInfo(options.smtpAuth)}${smtp.host}:${smtp.port}`,
      logLevel: options.logLevel,
      env: options.env,
      outputLimit: options.outputLimit,
    });
    const client = new Client({ connectionString: db.url });
    await client.connect();
    pg = client; // only once connected: stop() ends it
    nc = await connect({ servers: nats.url });
    return world({ db, nats, sftp, smtp, platform, pg, nc, stop });
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
}

const smtpUserInfo = (auth: WorldOptions['smtpAuth']) => (auth ? `${encodeURIComponent(auth.user)}:${encodeURIComponent(auth.pass)}@` : '');

/** The helpers, over started fixtures. */
function world(parts: Pick<World, 'db' | 'nats' | 'sftp' | 'smtp' | 'platform' | 'pg' | 'nc' | 'stop'>): World {
  const { sftp, platform, nc } = parts;
  const sftpSettings = (overrides: Record<string, unknown> = {}) => {
    if (!sftp) throw new Error('this world has no sftp fixture (started with { sftp: false })');
    return {
      host: sftp.host,
      port: sftp.port,
      username: sftp.username,
      password: sftp.password,
      folder: sftp.folder,
      hostKeyFingerprint: sftp.hostKeyFingerprint,
      ...overrides,
    };
  };
  return {
    ...parts,
    async createTenant(name, ownerEmail) {
      const res = await platform.api<{ id: string }>('POST', '/v1/tenants', ownerEmail === undefined ? { name } : { name, ownerEmail });
      if (res.status !== 201) throw new Error(`tenant ${name} not created: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.id;
    },
    sftpSettings,
    createSftpDirectory<T>(tenantId: string, overrides: Record<string, unknown> = {}) {
      return platform.api<T>('POST', `/v1/tenants/${tenantId}/directories`, {
        name: 'HR drop',
        type: 'sftp-csv',
        sftp: sftpSettings(),
        // R-NOT-02: recipients must be users of the tenant; a new tenant has none.
        recipients: [],
        ...overrides,
      });
    },
    async createHrisDirectory(tenantId, emulator, o) {
      const res = await platform.api<{ id: string }>('POST', `/v1/tenants/${tenantId}/directories`, {
        name: o.name ?? 'Bridge HR',
        type: 'hris-api',
        hris: { provider: 'merge', baseUrl: emulator.baseUrl, accountToken: emulator.accountToken, pageSize: o.pageSize, fieldMappings: [] },
        policy: o.policy,
        ...o.overrides,
      });
      expect(res.status).toBe(201);
      return res.body.id;
    },
    async startRun(tenantId, directoryId) {
      const res = await platform.api<RunView>('POST', `/v1/tenants/${tenantId}/directories/${directoryId}/runs`, {});
      expect(res.status).toBe(202);
      return res.body.id;
    },
    waitForRun(tenantId, runId, timeoutMs = 30_000) {
      return waitFor(
        async () => {
          const { body } = await platform.api<RunView>('GET', `/v1/tenants/${tenantId}/runs/${runId}`);
          return FINAL_STATUSES.includes(body.status) ? body : undefined;
        },
        { timeoutMs, intervalMs: 200, description: `run ${runId} to finish` },
      ).catch((e: Error) => {
        throw new Error(`${e.message}\n${platform.logs().slice(-6000)}`);
      });
    },
    async eventCount(tenantId, type) {
      const jsm = await nc.jetstreamManager();
      const subject = `roster.directory.${tenantId}.${type}.v1`;
      const info = await jsm.streams.info('ROSTER_DIRECTORY', { subjects_filter: subject });
      return info.state.subjects?.[subject] ?? 0;
    },
  };
}
