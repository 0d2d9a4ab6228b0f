import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { waitFor } from '@roster/testing';
import { World, startWorld } from './support/world';

const root = join(__dirname, '../..');
const DLQ = 'ROSTER_DLQ';

/** How the services behave for an operator: bad configuration, hostile messages, shutdown. */
describe('operating the services', () => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld('e2e_ops', { sftp: false });
  }, 120_000);

  afterAll(async () => {
    await world?.stop();
  }, 60_000);

  it('R-OPS-03 a service with bad configuration stops at once with one clear line per problem, secrets hidden', () => {
    const result = spawnSync(process.execPath, [join(root, 'dist/apps/directory-config/src/main.js')], {
      env: {
        PATH: process.env.PATH,
        ROSTER_DATABASE_URL: 'mysql://nope',
        ROSTER_HTTP_PORT: 'abc',
        ROSTER_SECRETS_KEY: 'too-short-secret-value',
        ROSTER_LOG_LEVEL: 'loud',
      },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^.*ROSTER_DATABASE_URL: expected a URL with scheme postgres or postgresql/),
        expect.stringMatching(/^.*ROSTER_NATS_URL: required/),
        expect.stringMatching(/^.*ROSTER_HTTP_PORT: expected an integer 1\.\.65535, got "abc"/),
        expect.stringMatching(/^.*ROSTER_LOG_LEVEL: expected one of/),
        expect.stringMatching(/^.*ROSTER_API_KEY: required/),
        expect.stringMatching(/^.*ROSTER_SECRETS_KEY: .*\(value hidden\)/),
      ]),
    );
    expect(result.stderr).not.toContain('too-short-secret-value');
  });

  it('R-SAFE-02 R-OPS-02 dead-letters malformed messages on every consumed subject with the reason; no service crashes', async () => {
    const js = world.nc.jetstream();
    const tenant = '00000000-0000-4000-8000-0000000000aa';
    const garbage: [string, string][] = [
      [`roster.runs.${tenant}.sftp-csv.sync.requested.v1`, '{"specversion":"1.0"}'],
      [`roster.records.${tenant}.batch.v1`, 'not json at all'],
      [`roster.runs.${tenant}.run.finished.v1`, JSON.stringify({ specversion: '1.0', id: 'x', source: 's', type: 'io.roster.runs.run.finished.v1', time: new Date().toISOString(), datacontenttype: 'application/json', tenantid: tenant, data: { runId: 'nope' } })],
    ];
    for (const [subject, body] of garbage) await js.publish(subject, Buffer.from(body));
    const jsm = await world.nc.jetstreamManager();
    const reasons = await waitFor(
      async () => {
        const info = await jsm.streams.info(DLQ);
        const found: string[] = [];
        for (let seq = info.state.first_seq; seq > 0 && seq <= info.state.last_seq; seq++) {
          const m = await jsm.streams.getMessage(DLQ, { seq }).catch(() => undefined);
          if (m) found.push(`${m.subject} ${m.header.get('Roster-Original-Subject')} ${m.header.get('Roster-Dlq-Code')}: ${m.header.get('Roster-Dlq-Reason')}`);
        }
        // run.finished goes to three consumers (directory-config, notifier, connector-gateway): 5 dead letters in
        // all. Waiting for four let the test read the list before the notifier's, whichever came last.
        return found.length >= 5 ? found : undefined;
      },
      { timeoutMs: 15_000, description: 'five dead letters' },
    );
    const text = reasons.join('\n');
    expect(text).toMatch(/roster\.dlq\.file-ingest\.file-ingest-sync .*sync\.requested\.v1 BAD_ENVELOPE: not a CloudEvents 1\.0 envelope/);
    expect(text).toMatch(/roster\.dlq\.reconciler\.reconciler-records .*batch\.v1 NOT_JSON: message is not JSON/);
    expect(text).toMatch(/roster\.dlq\.notifier\.notifier-run-finished .* BAD_PAYLOAD: invalid io\.roster\.runs\.run\.finished\.v1 payload: runId/);
    expect(text).toMatch(/roster\.dlq\.directory-config\.directory-config-run-lifecycle .* BAD_PAYLOAD/);
    expect(text).toMatch(/roster\.dlq\.connector-gateway\.connector-gateway-run-finished .* BAD_PAYLOAD/);
    for (const s of Object.values(world.platform.services)) {
      expect(s.process.isRunning()).toBe(true);
      expect((await fetch(`http://127.0.0.1:${s.port}/health/ready`)).status).toBe(200);
    }
    const metrics = await (await fetch(`http://127.0.0.1:${world.platform.services.reconciler.port}/metrics`)).text();
    expect(metrics).toMatch(/roster_dead_letters_total\{consumer="reconciler-records",code="NOT_JSON",service="reconciler"\} 1/);
  }, 60_000);

  it('R-OPS-03 serves liveness, readiness and Prometheus metrics on every service', async () => {
    for (const [name, s] of Object.entries(world.platform.services)) {
      expect((await fetch(`http://127.0.0.1:${s.port}/health/live`)).status).toBe(200);
      const ready = (await (await fetch(`http://127.0.0.1:${s.port}/health/ready`)).json()) as { details: Record<string, { status: string }> };
      expect(ready.details).toMatchObject({ postgres: { status: 'up' }, nats: { status: 'up' } });
      const metrics = await (await fetch(`http://127.0.0.1:${s.port}/metrics`)).text();
      expect(metrics).toContain(`process_cpu_user_seconds_total{service="${name}"}`);
    }
  });

  it('R-OPS-03 shuts down gracefully on SIGTERM: drains and exits 0 without being killed', async () => {
    const notifier = world.platform.services.notifier.process;
    await notifier.stop(15_000); // SIGTERM; only escalates to SIGKILL after 15 s
    expect(await notifier.exited).toEqual({ code: 0, signal: null });
    expect(notifier.output()).not.toMatch(/"level":"(error|fatal)".*shutdown/);
    await world.platform.start('notifier');
  }, 60_000);
});
