// The quick start's real sync: the five services as processes against this machine's PostgreSQL and NATS,
// a private OpenSSH sshd serving SFTP, and an SMTP sink that prints what it receives.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { connect } from 'nats';
import { startPlatform, startSftpServer, startSmtpSink, waitFor } from '@roster/testing';
import { tryLines } from './try-lines';

const root = join(__dirname, '../../..');
const PG = process.env.ROSTER_QUICKSTART_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const NATS = process.env.ROSTER_QUICKSTART_NATS_URL ?? 'nats://127.0.0.1:4222';
const DATABASE = 'roster_quickstart';
const say = (line = '') => process.stdout.write(`${line}\n`);

interface Run {
  id: string;
  status: string;
  counts: Record<string, number> | null;
  problems: { rowNumber?: number; field?: string; code: string; message: string }[];
  problemCount: number;
  failure: { code: string; message: string } | null;
}

async function freshDatabase(): Promise<string> {
  const admin = new Client({ connectionString: PG });
  await admin.connect();
  await admin.query(`drop database if exists ${DATABASE} with (force)`);
  await admin.query(`create database ${DATABASE}`);
  await admin.end();
  const url = new URL(PG);
  url.pathname = `/${DATABASE}`;
  return url.toString();
}

async function main(): Promise<void> {
  const exitAfterSync = process.argv.includes('--exit');
  say('Roster quick start');
  const databaseUrl = await freshDatabase();
  const [sftp, smtp] = await Promise.all([startSftpServer(), startSmtpSink()]);
  say(`- SFTP (OpenSSH sshd) on ${sftp.host}:${sftp.port}, user ${sftp.username}, folder ${sftp.folder}`);
  say(`- mail sink (SMTP) on ${smtp.host}:${smtp.port}`);
  say(`- PostgreSQL database ${DATABASE}, NATS ${NATS}`);
  say('- starting directory-config, file-ingest, reconciler, notifier, connector-gateway …');
  // The scheduler loop runs as in production (the test harness turns it off by default).
  const env = { ROSTER_SCHEDULER_INTERVAL_MS: '30000' };
  const platform = await startPlatform({ databaseUrl, natsUrl: NATS, smtpUrl: `smtp://${smtp.host}:${smtp.port}`, root, logLevel: 'info', env });
  const stop = async () => {
    await platform.stop();
    await Promise.all([sftp.stop(), smtp.stop()]);
  };
  try {
    for (const [name, s] of Object.entries(platform.services)) say(`  ${name.padEnd(18)} http://127.0.0.1:${s.port}  (health/ready, metrics)`);

    const tenant = await platform.api<{ id: string }>('POST', '/v1/tenants', { name: 'Example Corp', ownerEmail: 'grace.hopper@example.com' });
    const directory = await platform.api<{ id: string }>('POST', `/v1/tenants/${tenant.body.id}/directories`, {
      name: 'HR drop (SFTP)',
      type: 'sftp-csv',
      sftp: { host: sftp.host, port: sftp.port, username: sftp.username, password: sftp.password, folder: sftp.folder, hostKeyFingerprint: sftp.hostKeyFingerprint },
      dateFormat: 'dd/mm/yyyy',
      // Recipients must be users of the tenant (R-NOT-02): none yet; added after the first sync.
      recipients: [],
    });
    const base = `/v1/tenants/${tenant.body.id}`;
    say(`\nCreated tenant ${tenant.body.id} and directory ${directory.body.id} through the admin API.`);
    await sftp.put('users.csv', readFileSync(join(root, 'examples/users.csv')));
    say('Dropped examples/users.csv on the SFTP server; starting a manual run …');

    const sync = async () => {
      const started = await platform.api<Run>('POST', `${base}/directories/${directory.body.id}/runs`, {});
      let last = '';
      const run = await waitFor(
        async () => {
          const { body } = await platform.api<Run>('GET', `${base}/runs/${started.body.id}`);
          if (body.status !== last) say(`  run ${body.id}: ${(last = body.status)}`);
          return ['succeeded', 'partially-succeeded', 'failed'].includes(body.status) ? body : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 100, description: 'the run to finish' },
      );
      say(`Run ${run.status}. Counts: ${JSON.stringify(run.counts)}`);
      if (run.failure) say(`Failure: ${run.failure.code}: ${run.failure.message}`);
      for (const p of run.problems) say(`  problem: ${p.message} [${p.code}]`);
    };
    await sync();

    // Now that people exist, make one of them the directory's recipient and sync an update.
    const patched = await platform.api<{ code?: string; message?: string }>('PATCH', `${base}/directories/${directory.body.id}`, {
      recipients: ['grace.hopper@example.com'],
    });
    if (patched.status !== 200) throw new Error(`PATCH recipients: ${patched.status} ${JSON.stringify(patched.body)}`);
    await sftp.put('users.csv', readFileSync(join(root, 'examples/users-update.csv')));
    say('\nAdded grace.hopper@example.com as recipient; dropped examples/users-update.csv (a promotion, teams, a new hire) …');
    await sync();

    const pg = new Client({ connectionString: databaseUrl });
    await pg.connect();
    const { rows } = await pg.query(
      `select u.email, coalesce(u.first_name || ' ' || u.last_name, '(created as a manager)') as name, u.job_title, m.email as manager,
              (select string_agg(t.name, ', ' order by t.name) from reconciler.team_memberships tm
                 join reconciler.teams t on t.id = tm.team_id where tm.user_id = u.id) as teams
         from reconciler.users u left join reconciler.users m on m.id = u.manager_id order by u.email`,
    );
    await pg.end();
    say('\nThe directory now (reconciler.users):');
    console.table(rows);

    const nc = await connect({ servers: NATS });
    const info = await (await nc.jetstreamManager()).streams.info('ROSTER_DIRECTORY', { subjects_filter: `roster.directory.${tenant.body.id}.>` });
    await nc.drain();
    say(`Directory events on JetStream for this tenant: ${JSON.stringify(info.state.subjects ?? {})}`);

    const mail = await smtp.waitForMail(undefined, 15_000);
    say(`\nMail to ${mail.to.join(', ')} — "${mail.subject}":\n${mail.text.replace(/^/gm, '  | ')}`);

    if (exitAfterSync) return;
    say();
    const tryContext = { apiUrl: platform.apiUrl, apiKey: platform.apiKey, tenantId: tenant.body.id, directoryId: directory.body.id, sftp };
    for (const line of tryLines(tryContext)) say(line);
    say('Press Ctrl-C to stop.');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
  } catch (e) {
    say(platform.logs().slice(-8000));
    throw e;
  } finally {
    say('stopping …');
    await stop();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
