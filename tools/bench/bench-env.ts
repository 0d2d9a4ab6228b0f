// The real services the bench drives: a private database, nats-server (JetStream), OpenSSH sshd and SMTP sink,
// the five services as processes from dist/, plus the bench's own PostgreSQL and NATS connections.
import { chown, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { NatsConnection, connect } from 'nats';
import { Client } from 'pg';
import {
  NatsServerFixture,
  Platform,
  SERVICES,
  SftpFixture,
  SmtpSink,
  TestDatabase,
  createTestDatabase,
  startNatsServer,
  startPlatform,
  startSftpServer,
  startSmtpSink,
} from '@roster/testing';
import { maxOldSpaceOption } from './node-heap';
import type { Watched } from './probes';

/** application_name of the bench's own connections, which the database sampler leaves out. */
export const BENCH_APP = 'roster-bench';

export interface BenchEnv {
  db: TestDatabase;
  nats: NatsServerFixture;
  sftp: SftpFixture;
  platform: Platform;
  /** Measurements (stats, WAL, outbox). */
  pg: Client;
  /** The pg_stat_activity sampler's own connection, so sampling never queues behind a measurement. */
  samplerPg: Client;
  nc: NatsConnection;
  services: Watched[];
  stop(): Promise<void>;
}

export interface Directory {
  tenantId: string;
  directoryId: string;
  /** Absolute path of the directory's SFTP folder on this machine. */
  folder: string;
}

/**
 * Environment that loads the bench's probes into every service (node refuses --cpu-prof in NODE_OPTIONS, so
 * profiling is a preload too): a CPU profile per process, and/or its live heap every second (forced full GC), and/or
 * a full GC when the bench asks (SIGUSR2, before each measured run); and
 * V8's old-space bound (`--max-old-space-size`, the Helm chart's default in the bench) when `maxOldSpaceMB` > 0.
 */
export function probeEnv(
  root: string,
  probes: { cpuProfDir?: string; liveHeapDir?: string; maxOldSpaceMB?: number; gcOnSignal?: boolean },
): Record<string, string> {
  const options: string[] = maxOldSpaceOption(probes.maxOldSpaceMB ?? 0);
  const env: Record<string, string> = {};
  if (probes.cpuProfDir) {
    options.push(`--require ${join(root, 'dist/tools/bench/cpu-prof-preload.js')}`);
    env['ROSTER_BENCH_CPU_PROF_DIR'] = probes.cpuProfDir;
  }
  if (probes.liveHeapDir || probes.gcOnSignal) options.push('--expose-gc');
  if (probes.liveHeapDir) {
    options.push(`--require ${join(root, 'dist/tools/bench/heap-probe-preload.js')}`);
    env['ROSTER_BENCH_HEAP_DIR'] = probes.liveHeapDir;
  }
  // A full GC on SIGUSR2 (`settleHeaps`): only with this preload may the bench send that signal, whose default kills.
  if (probes.gcOnSignal) options.push(`--require ${join(root, 'dist/tools/bench/gc-on-signal-preload.js')}`);
  return options.length ? { ...env, NODE_OPTIONS: options.join(' ') } : env;
}

/** Creates the database first (the floor runs in it before the services start); cleanup always drops it. */
export async function createBenchDatabase(): Promise<TestDatabase> {
  return createTestDatabase('bench');
}

export async function startBenchEnv(db: TestDatabase, root: string, serviceEnv: Record<string, string>): Promise<BenchEnv> {
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    const [nats, sftp, smtp] = await Promise.all([startNatsServer(), startSftpServer(), startSmtpSink()]);
    stops.push(() => nats.stop(), () => sftp.stop(), () => (smtp as SmtpSink).stop());
    const platform = await startPlatform({
      databaseUrl: db.url,
      natsUrl: nats.url,
      smtpUrl: `smtp://${smtp.host}:${smtp.port}`,
      root,
      logLevel: 'warn',
      // The harness's 3 s ack wait is for crash tests; the services' default is 30 s.
      env: { ROSTER_ACK_WAIT_MS: '30000', ...serviceEnv },
    });
    stops.push(() => platform.stop());
    const pg = new Client({ connectionString: db.url, application_name: BENCH_APP });
    const samplerPg = new Client({ connectionString: db.url, application_name: BENCH_APP });
    await Promise.all([pg.connect(), samplerPg.connect()]);
    stops.push(() => pg.end(), () => samplerPg.end());
    const nc = await connect({ servers: nats.url });
    stops.push(() => nc.drain());
    const services = SERVICES.map((name) => ({ name, pid: platform.services[name].process.pid, port: platform.services[name].port }));
    return { db, nats, sftp, platform, pg, samplerPg, nc, services, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** A tenant and an sftp-csv directory reading its own subfolder of the SFTP server. */
export async function createDirectory(env: BenchEnv, name: string): Promise<Directory> {
  const { platform, sftp } = env;
  const folder = join(sftp.folder, name);
  const owner = await stat(sftp.folder);
  await mkdir(folder, { mode: 0o755 });
  await chown(folder, owner.uid, owner.gid);
  const tenant = await platform.api<{ id: string }>('POST', '/v1/tenants', { name: `Bench ${name}` });
  if (tenant.status !== 201) throw new Error(`POST /v1/tenants answered ${tenant.status}: ${JSON.stringify(tenant.body)}`);
  const directory = await platform.api<{ id: string }>('POST', `/v1/tenants/${tenant.body.id}/directories`, {
    name: `HR drop ${name}`,
    type: 'sftp-csv',
    sftp: { host: sftp.host, port: sftp.port, username: sftp.username, password: sftp.password, folder, hostKeyFingerprint: sftp.hostKeyFingerprint },
    dateFormat: 'dd/mm/yyyy',
  });
  if (directory.status !== 201) throw new Error(`POST directories answered ${directory.status}: ${JSON.stringify(directory.body)}`);
  return { tenantId: tenant.body.id, directoryId: directory.body.id, folder };
}
