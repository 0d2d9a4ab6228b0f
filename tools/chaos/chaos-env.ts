// What the chaos run drives: PostgreSQL (private or shared), OpenSSH sshd and an SMTP sink for the whole run, and
// per stage — the whole run with `--isolation tenant`, each round with `database` — a database, a private
// nats-server (JetStream, its own store: restarting it disturbs nobody) and the five services as processes.
import { chown, copyFile, mkdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { NatsConnection, connect } from 'nats';
import { Pool } from 'pg';
import { HrisEmulator, NatsServerFixture, Platform, SftpFixture, SmtpSink, startNatsServer, startPlatform, startSftpServer, startSmtpSink } from '@roster/testing';
import type { ChaosFiles } from './files';
import type { InboundEvent } from './inbound-events';
import { isServiceFault, type FaultKind } from './faults';
import { CHAOS_APP, PostgresServer, privatePostgres, sharedPostgres } from './postgres-server';

export interface Shared {
  postgres: PostgresServer;
  sftp: SftpFixture;
  smtp: SmtpSink;
  stop(): Promise<void>;
}

export interface Stage {
  database: { name: string; url: string };
  nats: NatsServerFixture;
  platform: Platform;
  /** The driver's own connections (application_name roster-chaos: a Postgres fault leaves them alone). */
  pool: Pool;
  nc: NatsConnection;
  stop(): Promise<void>;
}

export interface Tenant {
  tenantId: string;
  directoryId: string;
  /** The directory's SFTP folder on this machine. */
  folder: string;
}

export async function startShared(postgres: 'restart' | 'terminate'): Promise<Shared> {
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    const pg = postgres === 'restart' ? await privatePostgres() : sharedPostgres();
    stops.push(() => pg.stop());
    const [sftp, smtp] = await Promise.all([startSftpServer(), startSmtpSink()]);
    stops.push(() => sftp.stop(), () => smtp.stop());
    return { postgres: pg, sftp, smtp, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

export async function startStage(shared: Shared, o: { label: string; root: string; env: Record<string, string>; outputLimit: number }): Promise<Stage> {
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    const database = await shared.postgres.createDatabase(o.label);
    stops.push(() => shared.postgres.dropDatabase(database.name));
    const nats = await startNatsServer();
    stops.push(() => nats.stop());
    const platform = await startPlatform({
      databaseUrl: database.url,
      natsUrl: nats.url,
      smtpUrl: `smtp://${shared.smtp.host}:${shared.smtp.port}`,
      root: o.root,
      logLevel: 'warn',
      env: o.env,
      outputLimit: o.outputLimit,
    });
    stops.push(() => platform.stop());
    const pool = new Pool({ connectionString: database.url, application_name: CHAOS_APP, max: 3 });
    // An idle connection cut by a Postgres restart is an 'error' event; the next query opens a new one.
    pool.on('error', () => undefined);
    stops.push(() => pool.end());
    const nc = await connect({ servers: nats.url, name: CHAOS_APP, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
    stops.push(() => nc.drain());
    return { database, nats, platform, pool, nc, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** What a round syncs: the generated files on SFTP, the HRIS emulator's employees, or inbound employee events. */
export type ChaosSourceOf =
  | { kind: 'csv'; files: ChaosFiles }
  | { kind: 'hris'; emulator: HrisEmulator }
  | { kind: 'event'; events: InboundEvent[]; ratePerSecond: number };

/**
 * A tenant with one directory: sftp-csv reading its own subfolder, where the run's files are staged; or hris-api on
 * the emulator (pages of 100, groups synchronised, orphans deactivated — none on a first sync), whose subfolder stays
 * empty (the file checks then compare two empty lists); or an `event` directory (R-EVT-02: no source, no schedule).
 */
export async function createTenant(stage: Stage, shared: Shared, label: string, source: ChaosSourceOf): Promise<Tenant> {
  const { platform } = stage;
  const { sftp } = shared;
  const folder = join(sftp.folder, label);
  const owner = await stat(sftp.folder);
  await mkdir(folder, { mode: 0o755 });
  await chown(folder, owner.uid, owner.gid);
  if (source.kind === 'csv') await stageFiles(folder, source.files);
  const tenant = await platform.api<{ id: string }>('POST', '/v1/tenants', { name: `Chaos ${label}` });
  if (tenant.status !== 201) throw new Error(`POST /v1/tenants answered ${tenant.status}: ${JSON.stringify(tenant.body)}`);
  // R-NOT-02: recipients must be users of the tenant, and a new tenant has none; the report is logged as skipped.
  const settings =
    source.kind === 'event'
      ? { name: `Events ${label}`, type: 'event', recipients: [] }
      : source.kind === 'csv'
      ? {
          name: `HR drop ${label}`,
          type: 'sftp-csv',
          sftp: { host: sftp.host, port: sftp.port, username: sftp.username, password: sftp.password, folder, hostKeyFingerprint: sftp.hostKeyFingerprint },
          dateFormat: 'dd/mm/yyyy',
          recipients: [],
        }
      : {
          name: `Bridge HR ${label}`,
          type: 'hris-api',
          hris: { provider: 'merge', baseUrl: source.emulator.baseUrl, accountToken: source.emulator.accountToken, pageSize: 100, fieldMappings: [] },
          policy: { orphans: 'deactivate', synchronizeGroups: true, activateUsers: true, restore: true },
          recipients: [],
        };
  const directory = await platform.api<{ id: string }>('POST', `/v1/tenants/${tenant.body.id}/directories`, settings);
  if (directory.status !== 201) throw new Error(`POST directories answered ${directory.status}: ${JSON.stringify(directory.body)}`);
  return { tenantId: tenant.body.id, directoryId: directory.body.id, folder };
}

/** Copies the run's files into the folder, each beside its name and renamed into place (never seen half-copied). */
export async function stageFiles(folder: string, files: ChaosFiles): Promise<void> {
  const owner = await stat(folder);
  for (const [name, source] of [['teams.csv', files.teams.path], ['users.csv', files.users.path]] as const) {
    const staged = join(folder, `.${name}.incoming`);
    await copyFile(source, staged);
    await chown(staged, owner.uid, owner.gid);
    await rename(staged, join(folder, name));
  }
}

/** The fault itself: down for `downMs`, then back and ready (a service answers /health/ready again). */
export async function inject(stage: Stage, shared: Shared, kind: FaultKind, downMs: number): Promise<void> {
  const pause = () => new Promise((r) => setTimeout(r, downMs));
  if (isServiceFault(kind)) {
    await stage.platform.kill(kind);
    await pause();
    await stage.platform.start(kind);
  } else if (kind === 'nats') {
    stage.nats.kill();
    await pause();
    await stage.nats.restart();
  } else {
    await shared.postgres.outage(stage.database.name, downMs);
  }
}
