import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { runCli } from './program';

/**
 * `roster` in-process against a fake admin API (a local HTTP server answering from a route table): what a script
 * sees — the exit code, one JSON document on stdout with `--json`, NDJSON on stderr — and what it never sees (secrets).
 */
/** `body` is sent as JSON; `page` as it is, text/html — what a proxy's login page or another web server answers. */
type Handler = (req: IncomingMessage, body: unknown) => { status: number; body?: unknown; page?: string };

const TENANT = '11111111-1111-4111-8111-111111111111';
const RUN = '22222222-2222-4222-8222-222222222222';
const DIRECTORY = '33333333-3333-4333-8333-333333333333';

describe('the roster CLI (against a fake admin API)', () => {
  let server: Server;
  let apiUrl: string;
  let routes: Record<string, Handler>;
  let requests: string[];

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        const key = `${req.method} ${req.url}`;
        requests.push(key);
        const handler = routes[key] ?? routes[`${req.method} ${(req.url ?? '').split('?')[0]}`];
        const answer = handler ? handler(req, raw ? JSON.parse(raw) : undefined) : { status: 404, body: { code: 'NOT_FOUND', message: `no route ${key}` } };
        if (answer.page !== undefined) return void res.writeHead(answer.status, { 'content-type': 'text/html' }).end(answer.page);
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body === undefined ? '' : JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    routes = {};
    requests = [];
  });

  const roster = async (args: string[], env: Record<string, string> = {}) => {
    let stdout = '';
    let stderr = '';
    const io = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } };
    const code = await runCli(args, { ROSTER_API_URL: apiUrl, ROSTER_API_KEY: 'operator-key-for-tests', ROSTER_TENANT_ID: TENANT, ...env }, io);
    return { code, stdout, stderr };
  };
  const ndjson = (stderr: string) => stderr.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

  const run = (over: Record<string, unknown>) => ({
    id: RUN,
    directoryId: DIRECTORY,
    trigger: 'manual',
    status: 'awaiting-approval',
    counts: null,
    problemCount: 0,
    failure: null,
    pendingRemovals: { deactivate: 60, delete: 0, directoryUsers: 200, threshold: { count: 50, percent: 20 }, users: [] },
    decision: null,
    createdAt: '2026-12-07T03:00:00.000Z',
    ...over,
  });
  /** GET of the run answers each of `states` in turn, then the last one for ever. */
  const runStates = (states: Record<string, unknown>[]) => {
    let i = 0;
    routes[`GET /v1/tenants/${TENANT}/runs/${RUN}`] = () => ({ status: 200, body: states[Math.min(i++, states.length - 1)] });
  };

  it('R-SAFE-01 runs approve follows the held run until the reconciler has applied it, with progress, and exits like sync', async () => {
    routes[`POST /v1/tenants/${TENANT}/runs/${RUN}/approve`] = () => ({ status: 202, body: run({ decision: 'approve' }) });
    // The decision is recorded at once; the run stays awaiting-approval until the reconciler acts on it.
    runStates([run({ decision: 'approve' }), run({ decision: 'approve', status: 'reconciling' }), run({ decision: 'approve', status: 'succeeded', counts: { deactivated: 60 } })]);
    const approved = await roster(['runs', 'approve', RUN, '--json', '--interval', '5']);
    expect(approved.code).toBe(0);
    expect(JSON.parse(approved.stdout)).toMatchObject({ id: RUN, status: 'succeeded', counts: { deactivated: 60 } });
    expect(ndjson(approved.stderr).map((e) => e.status)).toEqual(['awaiting-approval', 'reconciling', 'succeeded']);

    runStates([run({ decision: 'approve', status: 'partially-succeeded', problemCount: 2 })]);
    const partial = await roster(['runs', 'approve', RUN, '--interval', '5']);
    expect(partial.code).toBe(4);
    expect(partial.stdout).toMatch(/^run \S+ approved\nrun \S+ partially-succeeded$/m);

    // --no-follow: the answer of the API as it is, at once.
    const quick = await roster(['runs', 'approve', RUN, '--no-follow', '--json']);
    expect(quick.code).toBe(0);
    expect(JSON.parse(quick.stdout)).toMatchObject({ status: 'awaiting-approval', decision: 'approve' });
    expect(requests.filter((r) => r === `GET /v1/tenants/${TENANT}/runs/${RUN}`)).toHaveLength(4);
  });

  it('R-SAFE-01 runs reject waits until the run has failed as rejected and exits 0; a run that is not held exits 1', async () => {
    routes[`POST /v1/tenants/${TENANT}/runs/${RUN}/reject`] = () => ({ status: 202, body: run({ decision: 'reject' }) });
    runStates([run({ decision: 'reject' }), run({ decision: 'reject', status: 'failed', failure: { code: 'SAFEGUARD_REJECTED', message: 'an admin rejected the run' } })]);
    const rejected = await roster(['runs', 'reject', RUN, '--interval', '5']);
    expect(rejected.code).toBe(0);
    expect(rejected.stdout).toBe(`run ${RUN} rejected: nothing of it was applied (SAFEGUARD_REJECTED)\n`);

    routes[`POST /v1/tenants/${TENANT}/runs/${RUN}/reject`] = () => ({
      status: 409,
      body: { code: 'RUN_NOT_AWAITING_APPROVAL', message: `run ${RUN} was already approved; only a run awaiting approval can be approved or rejected` },
    });
    const again = await roster(['runs', 'reject', RUN, '--json']);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({ error: { code: 'RUN_NOT_AWAITING_APPROVAL', message: expect.stringContaining('already approved') } });
  });

  it('R-SAFE-01 a followed run held for approval exits 5 and says what it would remove', async () => {
    runStates([run({})]);
    const shown = await roster(['runs', 'show', RUN, '--follow', '--interval', '5']);
    expect(shown.code).toBe(5);
    routes[`POST /v1/tenants/${TENANT}/directories/${DIRECTORY}/runs`] = () => ({ status: 202, body: run({ status: 'queued' }) });
    const sync = await roster(['sync', DIRECTORY, '--interval', '5']);
    expect(sync.code).toBe(5);
    expect(sync.stdout).toContain('held: would deactivate 60 and delete 0 of 200 active directory users (over the safeguard: 50 users or 20 %)');
    expect(sync.stdout).toContain(`roster runs approve ${RUN}`);
  });

  it('R-DIR-03 runs show --follow waits for the run to end and exits like sync; --timeout never sleeps past itself', async () => {
    runStates([run({ status: 'fetching', pendingRemovals: null }), run({ status: 'failed', pendingRemovals: null, failure: { code: 'NO_FILE', message: 'no users file' } })]);
    const failed = await roster(['runs', 'show', RUN, '--follow', '--json', '--interval', '5']);
    expect(failed.code).toBe(3);
    expect(JSON.parse(failed.stdout)).toMatchObject({ status: 'failed', failure: { code: 'NO_FILE' } });

    runStates([run({ status: 'reconciling', pendingRemovals: null })]);
    const started = Date.now();
    const timedOut = await roster(['runs', 'show', RUN, '--follow', '--json', '--interval', '60000', '--timeout', '1']);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(timedOut.code).toBe(1);
    expect(JSON.parse(timedOut.stdout).error).toMatchObject({ code: 'FOLLOW_TIMEOUT', message: expect.stringContaining(`roster runs show ${RUN} --follow`) });

    expect((await roster(['runs', 'list', '--directory', DIRECTORY, '--status', 'done'])).code).toBe(2);
    expect(requests.some((r) => r.includes('/runs?'))).toBe(false);
  });

  const EXPORT = '44444444-4444-4444-8444-444444444444';
  const exportStatus = (over: Record<string, unknown>) => ({
    exportId: EXPORT,
    status: 'requested',
    email: 'ann@acme.test',
    rowCount: null,
    size: null,
    fileName: null,
    failure: null,
    requestedAt: '2026-12-07T04:00:00.000Z',
    startedAt: null,
    readyAt: null,
    mailedAt: null,
    failedAt: null,
    updatedAt: '2026-12-07T04:00:00.000Z',
    ...over,
  });
  /** GET of the export answers each of `states` in turn, then the last one for ever. */
  const exportStates = (states: Record<string, unknown>[]) => {
    let i = 0;
    routes[`GET /v1/tenants/${TENANT}/exports/${EXPORT}`] = () => ({ status: 200, body: states[Math.min(i++, states.length - 1)] });
  };

  it('R-EXP-01 export follows the export until it is mailed, with progress (NDJSON with --json), and exits 0; --no-follow answers at once', async () => {
    const bodies: unknown[] = [];
    routes[`POST /v1/tenants/${TENANT}/exports`] = (_req, body) => (bodies.push(body), { status: 202, body: { exportId: EXPORT } });
    const ready = { rowCount: 6, size: 900, fileName: 'users-export-2026-12-07.csv' };
    exportStates([exportStatus({}), exportStatus({ status: 'building' }), exportStatus({ status: 'ready', ...ready }), exportStatus({ status: 'mailed', ...ready, mailedAt: '2026-12-07T04:00:03.000Z' })]);
    const followed = await roster(['export', '--email', 'ann@acme.test', '--json', '--interval', '5']);
    expect(followed.code).toBe(0);
    expect(bodies).toEqual([{ email: 'ann@acme.test' }]);
    expect(JSON.parse(followed.stdout)).toMatchObject({ exportId: EXPORT, status: 'mailed', rowCount: 6, email: 'ann@acme.test' });
    expect(ndjson(followed.stderr)).toEqual([
      { event: 'progress', exportId: EXPORT, status: 'requested' },
      { event: 'progress', exportId: EXPORT, status: 'building', rowCount: null },
      { event: 'progress', exportId: EXPORT, status: 'ready', rowCount: 6 },
      { event: 'progress', exportId: EXPORT, status: 'mailed', rowCount: 6 },
    ]);

    exportStates([exportStatus({ status: 'mailed', ...ready })]);
    const text = await roster(['export', '--email', 'ann@acme.test', '--interval', '5']);
    expect(text.code).toBe(0);
    expect(text.stderr).toBe(`export ${EXPORT} requested; the file will be mailed to ann@acme.test\nexport ${EXPORT} mailed: 6 users\n`);
    expect(text.stdout).toMatch(new RegExp(`^export ${EXPORT} mailed: 6 users\nrecipient: ann@acme.test\n`));

    const quick = await roster(['export', '--email', 'ann@acme.test', '--no-follow', '--json']);
    expect(quick.code).toBe(0);
    expect(JSON.parse(quick.stdout)).toEqual({ exportId: EXPORT, email: 'ann@acme.test' });
    expect(requests.filter((r) => r.startsWith('GET '))).toHaveLength(5);
    expect((await roster(['export'])).code).toBe(2);
  });

  it('R-EXP-01 export exits 3 when the export failed, with the reason; 1 on --timeout (never sleeping past it) and for an unknown export', async () => {
    routes[`POST /v1/tenants/${TENANT}/exports`] = () => ({ status: 202, body: { exportId: EXPORT } });
    const failure = { stage: 'mail', code: 'EXPORT_MISSING', message: 'the file expired' };
    exportStates([exportStatus({ status: 'ready', rowCount: 6 }), exportStatus({ status: 'failed', rowCount: 6, failure })]);
    const failed = await roster(['export', '--email', 'ann@acme.test', '--interval', '5']);
    expect(failed.code).toBe(3);
    expect(failed.stdout).toContain('failure (mail): EXPORT_MISSING: the file expired');

    exportStates([exportStatus({ status: 'building' })]);
    const started = Date.now();
    const timedOut = await roster(['export', 'show', EXPORT, '--follow', '--json', '--interval', '60000', '--timeout', '1']);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(timedOut.code).toBe(1);
    expect(JSON.parse(timedOut.stdout).error).toMatchObject({ code: 'FOLLOW_TIMEOUT', message: expect.stringContaining(`roster export show ${EXPORT} --follow`) });

    const shown = await roster(['export', 'show', EXPORT, '--json']);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ exportId: EXPORT, status: 'building' });

    routes[`GET /v1/tenants/${TENANT}/exports/${EXPORT}`] = () => ({ status: 404, body: { code: 'EXPORT_NOT_FOUND', message: `export ${EXPORT} does not exist in tenant ${TENANT}` } });
    const missing = await roster(['export', 'show', EXPORT, '--json']);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout).error).toMatchObject({ code: 'EXPORT_NOT_FOUND' });
    expect((await roster(['export', 'show', 'not-a-uuid'])).code).toBe(2);

    // What the help promises a script for export is what it gets (above): 3 failed, 1 when following timed out.
    const help = (await roster(['--help'])).stdout;
    expect(help).toMatch(/^ {2}3 {2}the work ended failed: [^\n]*a followed export failed/m);
    expect(help).toMatch(/^ {2}1 {2}failure: [^\n]*following a run or an export outlived --timeout/m);
    const exportHelp = (await roster(['export', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(exportHelp).toContain('exits 0 mailed, 3 failed (export show <exportId> says why), 1 when --timeout ends following');
  });

  it('R-OPS-02 dlq --all-tenants uses the operator-wide routes whatever ROSTER_TENANT_ID says; the next page keeps the filters', async () => {
    const page = { items: [], nextAfterSequence: 7, scanned: 7 };
    routes['GET /v1/dead-letters'] = () => ({ status: 200, body: page });
    routes[`GET /v1/tenants/${TENANT}/dead-letters`] = () => ({ status: 200, body: page });
    const all = await roster(['dlq', 'list', '--all-tenants', '--code', 'UNKNOWN_TENANT', '--subject', 'roster.inbound.>', '--limit', '1']);
    expect(all.code).toBe(0);
    expect(requests.at(-1)).toBe(`GET /v1/dead-letters?subject=${encodeURIComponent('roster.inbound.>')}&code=UNKNOWN_TENANT&limit=1`);
    expect(all.stdout).toContain("more: roster dlq list --subject 'roster.inbound.>' --code UNKNOWN_TENANT --limit 1 --all-tenants --after 7");

    await roster(['dlq', 'list']);
    expect(requests.at(-1)).toBe(`GET /v1/tenants/${TENANT}/dead-letters`);
    expect((await roster(['dlq', 'list', '--all-tenants', '--tenant', TENANT])).code).toBe(2);

    routes['POST /v1/dead-letters/5/discard'] = (_req, body) => ({ status: 200, body: { sequence: 5, consumer: 'c', reason: (body as { reason: string }).reason } });
    const discarded = await roster(['dlq', 'discard', '5', '--all-tenants', '--reason', 'unknown tenant, publisher fixed', '--json']);
    expect(discarded.code).toBe(0);
    expect(JSON.parse(discarded.stdout)).toEqual({ sequence: 5, consumer: 'c', reason: 'unknown tenant, publisher fixed' });
  });

  it('R-OPS-02 dlq redrive --all pages up to the bound the first answer set: dead letters that fail again are not redriven twice, one that cannot be is met once', async () => {
    // A fake ROSTER_DLQ: 1..7; 4 cannot be redriven; every other one fails again, dead-lettered at the end.
    const letters = [1, 2, 3, 4, 5, 6, 7];
    let last = 7;
    const bodies: Record<string, unknown>[] = [];
    routes['POST /v1/dead-letters/redrive'] = (_req, raw) => {
      const b = raw as { limit?: number; afterSequence?: number; untilSequence?: number };
      bodies.push(b);
      const until = b.untilSequence ?? last;
      const matches = letters.filter((seq) => seq > (b.afterSequence ?? 0) && seq <= until);
      const page = matches.slice(0, b.limit ?? 100);
      const redriven: unknown[] = [];
      const failed: unknown[] = [];
      for (const seq of page) {
        if (seq === 4) {
          failed.push({ sequence: 4, code: 'DEAD_LETTER_NOT_REDRIVABLE', message: 'dead letter 4 has no original subject or stream to re-publish to' });
          continue;
        }
        letters.splice(letters.indexOf(seq), 1);
        letters.push(++last);
        redriven.push({ sequence: seq, consumer: 'reconciler-records', outcome: seq === 6 ? 'duplicate' : 'redriven', republished: { subject: 'roster.x', stream: 'ROSTER_RECORDS', sequence: 100 + seq } });
      }
      const more = matches.length > page.length;
      return { status: 200, body: { redriven, failed, more, nextAfterSequence: more ? page.at(-1) : null, untilSequence: until } };
    };
    const r = await roster(['dlq', 'redrive', '--all', '--all-tenants', '--code', 'MAX_DELIVERIES', '--limit', '3', '--json']);
    expect(bodies).toEqual([
      { code: 'MAX_DELIVERIES', limit: 3 },
      { code: 'MAX_DELIVERIES', limit: 3, afterSequence: 3, untilSequence: 7 },
      { code: 'MAX_DELIVERIES', limit: 3, afterSequence: 6, untilSequence: 7 },
    ]);
    expect(r.code).toBe(1); // one could not be redriven
    const summary = JSON.parse(r.stdout) as { total: unknown; pages: number; untilSequence: number; more: boolean; redriven: { sequence: number }[]; failed: { sequence: number }[] };
    expect(summary).toMatchObject({ total: { redriven: 5, duplicate: 1, failed: 1 }, pages: 3, untilSequence: 7, more: false });
    expect(summary.redriven.map((x) => x.sequence)).toEqual([1, 2, 3, 5, 6, 7]);
    expect(summary.failed.map((x) => x.sequence)).toEqual([4]);
    expect(letters).toEqual([4, 8, 9, 10, 11, 12, 13]); // the ones that failed again wait for a next run
    expect(ndjson(r.stderr)).toEqual([
      { event: 'progress', page: 1, redriven: 3, failed: 0, total: { redriven: 3, duplicate: 0, failed: 0 }, nextAfterSequence: 3, untilSequence: 7 },
      { event: 'progress', page: 2, redriven: 2, failed: 1, total: { redriven: 4, duplicate: 1, failed: 1 }, nextAfterSequence: 6, untilSequence: 7 },
      { event: 'progress', page: 3, redriven: 1, failed: 0, total: { redriven: 5, duplicate: 1, failed: 1 }, nextAfterSequence: null, untilSequence: 7 },
    ]);

    // Text: progress on stderr, the result and its total on stdout.
    letters.splice(0, letters.length, 20, 21);
    last = 21;
    const text = await roster(['dlq', 'redrive', '--all', '--all-tenants', '--limit', '1']);
    expect(text.code).toBe(0);
    expect(text.stderr).toMatch(/^page 1: 1 redriven, 0 failed \(so far 1 redriven, 0 failed; up to dead letter 21\)\npage 2: /);
    expect(text.stdout.trim().split('\n').at(-1)).toBe('2 redriven (0 of them duplicates), 0 failed, in 2 calls; every match up to dead letter 21');

    // A server without the bound answers one page: the CLI says so rather than looping on it.
    routes['POST /v1/dead-letters/redrive'] = () => ({ status: 200, body: { redriven: [], failed: [], more: true } });
    const old = await roster(['dlq', 'redrive', '--all', '--all-tenants']);
    expect(old.code).toBe(0);
    expect(old.stdout).toContain('more match: run it again');
    expect(requests.filter((q) => q === 'POST /v1/dead-letters/redrive').length).toBe(3 + 2 + 1);
  });

  it('R-OPS-01 replay delete names the consumer the server deleted (replay-<name>); --all-tenants reaches the operator routes', async () => {
    routes['DELETE /v1/replays/ROSTER_DIRECTORY/audit'] = () => ({ status: 204 });
    const deleted = await roster(['replay', 'delete', 'directory', 'audit', '--all-tenants', '--json']);
    expect(deleted.code).toBe(0);
    expect(JSON.parse(deleted.stdout)).toEqual({ stream: 'ROSTER_DIRECTORY', name: 'replay-audit', deleted: true });
  });

  it('R-SEC-02 a user or password in the API URL is refused as usage and never echoed; a refused key says where it came from', async () => {
    const secretUrl = apiUrl.replace('http://', 'http://admin:hunter2-secret@');
    const r = await roster(['directories', 'list', '--json'], { ROSTER_API_URL: secretUrl });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.message).toMatch(/must not carry a user or password/);
    expect(`${r.stdout}${r.stderr}`).not.toContain('hunter2-secret');
    for (const tail of ['?token=s3cret-in-query', '/#s3cret-in-fragment']) {
      const queried = await roster(['directories', 'list'], { ROSTER_API_URL: `${apiUrl}${tail}` });
      expect(queried.code).toBe(2);
      expect(queried.stderr).toBe('roster: --api-url / ROSTER_API_URL must be the base URL of the admin API, without a query (?…) or fragment (#…), e.g. http://localhost:3000\n');
    }
    const pasted = await roster(['directories', 'list', '--api-url', 'rk_abc_pasted-key-by-mistake']);
    expect(pasted.code).toBe(2);
    expect(pasted.stderr).not.toContain('pasted-key-by-mistake');
    expect(requests).toEqual([]);

    routes[`GET /v1/tenants/${TENANT}/directories`] = () => ({ status: 401, body: { code: 'UNAUTHENTICATED', message: 'a valid x-api-key header is required' } });
    const refused = await roster(['directories', 'list', '--api-key', 'wrong-key-but-long-enough']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/401 .*--api-key \/ ROSTER_API_KEY was refused/);
    expect(refused.stderr).not.toContain('wrong-key-but-long-enough');
  });

  it('R-OPS-03 help exits 0; with --json a usage error is one JSON document on stdout and stderr carries NDJSON only', async () => {
    for (const args of [['help'], ['help', 'runs'], ['runs', 'help'], ['--help'], ['dlq', 'list', '--help']]) expect((await roster(args)).code).toBe(0);
    expect((await roster(['--help'])).stdout).toMatch(/Exit codes[^]*5 {2}a followed run is held in awaiting-approval/);

    const bare = await roster(['runs', '--json']);
    expect(bare.code).toBe(2);
    expect(JSON.parse(bare.stdout)).toEqual({ error: { code: 'USAGE', message: 'roster runs: give a command: list, show, rerun, approve, reject' } });
    expect(ndjson(bare.stderr)).toEqual([{ event: 'error', code: 'USAGE', message: 'roster runs: give a command: list, show, rerun, approve, reject' }]);

    const unknown = await roster(['dlq', 'nonsense', '--json']);
    expect(unknown.code).toBe(2);
    expect(JSON.parse(unknown.stdout).error.message).toBe("unknown command 'nonsense'");
    expect(ndjson(unknown.stderr)).toHaveLength(1);

    routes[`GET /v1/tenants/${TENANT}/runs/${RUN}`] = () => ({ status: 404, body: { code: 'RUN_NOT_FOUND', message: `run ${RUN} does not exist` } });
    const missing = await roster(['runs', 'show', RUN, '--json']);
    expect(missing.code).toBe(1);
    expect(ndjson(missing.stderr)).toEqual([{ event: 'error', code: 'RUN_NOT_FOUND', message: expect.stringContaining('does not exist') }]);
  });
  it('R-OPS-03 whatever answers at --api-url, the operator gets a sentence that says what is wrong there, never a stack trace', async () => {
    const noStack = (r: { stdout: string; stderr: string }) => expect(`${r.stdout}${r.stderr}`).not.toMatch(/\n\s+at /);
    // A proxy's login page (or another web server) answering 200: not a result, not exit 0.
    routes[`GET /v1/tenants/${TENANT}/directories`] = () => ({ status: 200, page: '<html>sign in</html>' });
    const page = await roster(['directories', 'list']);
    expect(page.code).toBe(1);
    expect(page.stderr).toBe(`roster: GET /v1/tenants/${TENANT}/directories: 200 answered text/html, not JSON: is --api-url / ROSTER_API_URL (${apiUrl}) the admin API?\n`);
    routes[`GET /v1/tenants/${TENANT}/directories/${DIRECTORY}/runs`] = () => ({ status: 200, page: '<html>sign in</html>' });
    expect(JSON.parse((await roster(['runs', 'list', '-d', DIRECTORY, '--json'])).stdout).error.code).toBe('NOT_THE_ADMIN_API');

    // JSON of another shape: an unexpected error in a line, no stack.
    routes['GET /v1/me'] = () => ({ status: 200, body: { hello: 'world' } });
    const odd = await roster(['whoami']);
    expect(odd.code).toBe(1);
    expect(odd.stderr).toMatch(/^roster: unexpected error \(an answer roster did not expect, or a bug in roster\): TypeError: [^\n]+\n$/);
    noStack(odd);

    // /v1 in the URL: every route is one the API does not have (its 404 without a code of its own).
    routes['GET /v1/v1/me'] = () => ({ status: 404, body: { code: 'HTTP_404', message: 'Cannot GET /v1/v1/me' } });
    const v1 = await roster(['whoami'], { ROSTER_API_URL: `${apiUrl}/v1` });
    expect(v1.code).toBe(1);
    expect(v1.stderr).toContain('404 Cannot GET /v1/v1/me (no such route: --api-url / ROSTER_API_URL is the base URL of the admin API, e.g. http://localhost:3000, without /v1)');
    routes[`GET /v1/tenants/${TENANT}/runs/${RUN}`] = () => ({ status: 404, body: { code: 'RUN_NOT_FOUND', message: `run ${RUN} does not exist` } });
    expect((await roster(['runs', 'show', RUN])).stderr).toBe(`roster: GET /v1/tenants/${TENANT}/runs/${RUN}: 404 run ${RUN} does not exist\n`);

    // A port fetch never connects to, and one where something other than HTTP answers (NATS, say).
    const blocked = await roster(['whoami', '--json'], { ROSTER_API_URL: 'http://127.0.0.1:6000' });
    expect(blocked.code).toBe(1);
    expect(JSON.parse(blocked.stdout).error).toMatchObject({ code: 'API_UNREACHABLE', message: expect.stringContaining('port 6000 is one fetch never connects to (a blocked port') });
    const sockets = new Set<Socket>();
    const nats = createTcpServer((socket) => {
      sockets.add(socket);
      socket.write('INFO {"server_id":"nats"}\r\n');
    });
    await new Promise<void>((resolve) => nats.listen(0, '127.0.0.1', resolve));
    try {
      const notHttp = await roster(['whoami'], { ROSTER_API_URL: `http://127.0.0.1:${(nats.address() as AddressInfo).port}` });
      expect(notHttp.code).toBe(1);
      expect(notHttp.stderr).toMatch(/what answered is not an HTTP server \(HPE_[A-Z_]+\): is the port the admin API's\?/);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => nats.close(resolve));
    }
  });

  it('R-OPS-01 users list --status and replay --from/--to are checked before any request: a wrong value is usage (exit 2), never a quiet other query', async () => {
    const users = await roster(['users', 'list', '--status', 'gone', '--json']);
    expect(users.code).toBe(2);
    expect(JSON.parse(users.stdout).error.message).toContain("argument 'gone' is invalid. Allowed choices are active, inactive, deleted, anonymized");
    // `new Date` reads 0 as the year 2000 and a time without a zone as this machine's: both refused.
    for (const from of ['0', '1700000000', '2026-12-07T14:00', 'yesterday']) {
      const r = await roster(['replay', 'create', '--stream', 'runs', '--ephemeral', '--from', from]);
      expect([from, r.code]).toEqual([from, 2]);
      expect(r.stderr).toContain(`--from must be an ISO 8601 time with its zone`);
    }
    expect((await roster(['replay', 'create', '--stream', 'runs', '--ephemeral', '--to', '1'])).code).toBe(2);
    expect(requests).toEqual([]);

    const bodies: Record<string, unknown>[] = [];
    routes[`POST /v1/tenants/${TENANT}/replays`] = (_req, body) => {
      const b = body as Record<string, unknown>;
      bodies.push(b);
      const reply = { name: 'replay-w', stream: 'ROSTER_RUNS', durable: true, filterSubject: `roster.runs.${TENANT}.>`, tenantId: TENANT, startSequence: null, pending: 3, ackPending: 0, created: true };
      return { status: 201, body: { ...reply, startTime: b.startTime, endTime: b.endTime ?? null, endSequence: b.endTime ? 14 : null } };
    };
    const created = await roster(['replay', 'create', '--stream', 'runs', '--name', 'w', '--from', '2026-12-07', '--to', '2026-12-07T15:00:00+01:00']);
    expect(created.code).toBe(0);
    expect(bodies[0]).toMatchObject({ startTime: '2026-12-07T00:00:00.000Z', endTime: '2026-12-07T14:00:00.000Z' });
    // JetStream consumers have no end: the reader stops there (README), and the text says so.
    expect(created.stdout).toContain('end: sequence 14 (last at or before 2026-12-07T14:00:00.000Z); stop reading after it: the consumer itself delivers on to newer messages');
  });

  it('R-OPS-01 a --limit over what the API answers is usage (exit 2) before any request; users list ends with the whole command for the next page', async () => {
    for (const [args, max] of [[['runs', 'list', '--directory', DIRECTORY], 200], [['users', 'list'], 200], [['dlq', 'list'], 500], [['dlq', 'redrive', '--all'], 1000]] as const) {
      const r = await roster([...args, '--limit', String(max + 1), '--json']);
      expect([args.join(' '), r.code, JSON.parse(r.stdout).error.message]).toEqual([args.join(' '), 2, `--limit must be at most ${max}, got ${max + 1}`]);
    }
    expect(requests).toEqual([]);

    const user = { userId: RUN, email: "o'brien@acme.test", firstName: null, lastName: null, displayName: 'Pat O\'Brien', status: 'active', directoryName: 'HR', teams: [] };
    routes[`GET /v1/tenants/${TENANT}/users`] = () => ({ status: 200, body: { users: [user], nextAfter: "o'brien@acme.test" } });
    const page = await roster(['users', 'list', '--search', "Pat O'B", '--status', 'active', '--limit', '1']);
    expect(page.code).toBe(0);
    // What the operator pastes back, quoted as a shell reads it.
    expect(page.stdout).toContain(`more: roster users list --search 'Pat O'\\''B' --status active --limit 1 --after 'o'\\''brien@acme.test'\n`);
    expect(requests).toEqual([`GET /v1/tenants/${TENANT}/users?q=Pat+O%27B&status=active&limit=1`]);
  });

  it('R-OPS-02 dlq show cuts a long value of the payload (a 400 KB custom field) and says --json has it whole', async () => {
    const hoard = 'h'.repeat(400_000);
    const letter = {
      sequence: 2,
      consumer: 'directory-config-inbound',
      code: 'RECORD_TOO_LARGE',
      reason: 'employee (no id) (hoarder@example.com) is 400059 bytes of JSON, over the 327680 a record may have',
      deliveries: 1,
      payload: { encoding: 'json', json: { data: { employee: { email: 'hoarder@example.com', customFields: { Hoard: hoard } } } } },
    };
    routes[`GET /v1/tenants/${TENANT}/dead-letters/2`] = () => ({ status: 200, body: letter });
    const shown = await roster(['dlq', 'show', '2']);
    expect(shown.code).toBe(0);
    expect(shown.stdout.length).toBeLessThan(3000);
    expect(shown.stdout).toContain('reason: employee (no id) (hoarder@example.com) is 400059 bytes of JSON, over the 327680 a record may have\n');
    expect(shown.stdout).toContain(`"Hoard": "${'h'.repeat(1000)}… (399000 more characters: --json shows all)"`);
    const whole = await roster(['dlq', 'show', '2', '--json']);
    expect(JSON.parse(whole.stdout).payload.json.data.employee.customFields.Hoard).toBe(hoard);
  });

  it('R-OPS-02 dlq discard checks --reason as the API does; a long reason is cut with …; a dead letter the tenant routes cannot see points at --all-tenants', async () => {
    for (const reason of ['no', '   ab  ', 'x'.repeat(501)]) {
      const r = await roster(['dlq', 'discard', '5', '--reason', reason, '--json']);
      expect(r.code).toBe(2);
      expect(JSON.parse(r.stdout).error.message).toMatch(/^--reason must be 3 to 500 characters/);
    }
    expect(requests).toEqual([]);

    const reason = `tenant 00000000-0000-4000-8000-00000000beef does not exist; the event was not applied`;
    const letter = { sequence: 3, consumer: 'directory-config-inbound', code: 'UNKNOWN_TENANT', reason, deliveries: 1, deadLetteredAt: '2026-12-07T04:00:00.000Z', tenantId: null, original: { subject: 'roster.inbound.x', stream: 'ROSTER_INBOUND', sequence: 2 } };
    routes['GET /v1/dead-letters'] = () => ({ status: 200, body: { items: [letter], nextAfterSequence: null, scanned: 3 } });
    const listed = await roster(['dlq', 'list', '--all-tenants']);
    expect(listed.stdout).toContain(`${reason.slice(0, 79)}…\n`);
    expect(listed.stdout).not.toContain('not applied');

    const notFound = { status: 404, body: { code: 'DEAD_LETTER_NOT_FOUND', message: `dead letter 3 does not exist for tenant ${TENANT} (or was already redriven or discarded)` } };
    routes[`GET /v1/tenants/${TENANT}/dead-letters/3`] = () => notFound;
    routes[`POST /v1/tenants/${TENANT}/dead-letters/3/redrive`] = () => notFound;
    routes[`POST /v1/tenants/${TENANT}/dead-letters/3/discard`] = () => notFound;
    for (const args of [['show', '3'], ['redrive', '3'], ['discard', '3', '--reason', 'publisher fixed']]) {
      const r = await roster(['dlq', ...args]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('(or was already redriven or discarded); one of another tenant or of an unknown tenant is reached with --all-tenants\n');
    }
    routes['GET /v1/dead-letters/3'] = () => ({ status: 404, body: { code: 'DEAD_LETTER_NOT_FOUND', message: 'dead letter 3 does not exist (or was already redriven or discarded)' } });
    expect((await roster(['dlq', 'show', '3', '--all-tenants'])).stderr).toBe('roster: GET /v1/dead-letters/3: 404 dead letter 3 does not exist (or was already redriven or discarded)\n');
  });
  it('R-SAFE-01 runs show in text reads like sync: a held run says how to approve it, with its users; problems are lines, not JSON', async () => {
    const held = [
      { userId: 'u-1', email: 'ann@acme.test', action: 'deactivate' },
      { userId: 'u-2', email: 'bob@acme.test', action: 'delete' },
    ];
    runStates([run({ fileName: 'users.csv', pendingRemovals: { deactivate: 1, delete: 1, directoryUsers: 4, threshold: { count: 1, percent: 1 }, users: held } })]);
    routes[`GET /v1/tenants/${TENANT}/runs/${RUN}/held-removals`] = () => ({ status: 200, body: { runId: RUN, total: 3, offset: 0, limit: 1000, users: held } });
    const shown = await roster(['runs', 'show', RUN, '--held', '--follow', '--interval', '5']);
    expect(shown.code).toBe(5);
    expect(shown.stdout).toBe(
      [
        `run ${RUN} awaiting-approval`,
        'counts: -',
        'problems: 0',
        'held: would deactivate 1 and delete 1 of 4 active directory users (over the safeguard: 1 users or 1 %)',
        `held for approval: roster runs approve ${RUN}  (or reject; roster runs show ${RUN} --held lists the users)`,
        `directory: ${DIRECTORY}  trigger: manual  file: users.csv`,
        'created: 2026-12-07T03:00:00.000Z  started: -  finished: -',
        'held users: 3',
        '  deactivate ann@acme.test (u-1)',
        '  delete bob@acme.test (u-2)',
        '  … 1 more (the API pages them: …/held-removals?offset=)',
        '',
      ].join('\n'),
    );

    const problem = { rowNumber: 3, field: 'User Email', code: 'INVALID_EMAIL', message: 'users.csv row 3, User Email: "x" is not a valid email address; row skipped' };
    runStates([run({ status: 'partially-succeeded', pendingRemovals: null, counts: { created: 2, skipped: 2 }, problemCount: 2, problems: [problem], rerunOf: RUN })]);
    const partial = await roster(['runs', 'show', RUN]);
    expect(partial.code).toBe(0);
    expect(partial.stdout).toContain(`trigger: manual  re-run of: ${RUN}\n`);
    expect(partial.stdout).toContain(`first problems:\n  INVALID_EMAIL: ${problem.message}\n  … 1 more (--problems lists them)\n`);
    routes[`GET /v1/tenants/${TENANT}/runs/${RUN}/problems`] = () => ({ status: 200, body: { runId: RUN, total: 2, offset: 0, limit: 1000, problems: [problem, { ...problem, rowNumber: 4 }] } });
    const every = await roster(['runs', 'show', RUN, '--problems']);
    expect(every.stdout).toContain(`every problem:\n  INVALID_EMAIL: ${problem.message}\n  INVALID_EMAIL: ${problem.message}\n`);
    expect(every.stdout).not.toContain('more (');
    expect(every.stdout).not.toContain('"rowNumber"');
  });
  it('R-DIR-03 R-EXP-01 when following loses the API, the error says the run or export goes on and how to follow it again', async () => {
    const down = () => ({ status: 503, body: { code: 'UNAVAILABLE', message: 'upstream restarting' } });
    routes[`POST /v1/tenants/${TENANT}/directories/${DIRECTORY}/runs`] = () => ({ status: 202, body: run({ status: 'queued', pendingRemovals: null }) });
    routes[`GET /v1/tenants/${TENANT}/runs/${RUN}`] = down;
    const sync = await roster(['sync', DIRECTORY, '--interval', '5', '--json']);
    expect(sync.code).toBe(1);
    expect(JSON.parse(sync.stdout).error).toEqual({
      code: 'UNAVAILABLE',
      message: `GET /v1/tenants/${TENANT}/runs/${RUN}: 503 upstream restarting; stopped following, run ${RUN} goes on: roster runs show ${RUN} --follow`,
    });

    routes[`POST /v1/tenants/${TENANT}/exports`] = () => ({ status: 202, body: { exportId: EXPORT } });
    routes[`GET /v1/tenants/${TENANT}/exports/${EXPORT}`] = down;
    const exported = await roster(['export', '--email', 'ann@acme.test', '--interval', '5']);
    expect(exported.code).toBe(1);
    expect(exported.stderr).toContain(`503 upstream restarting; stopped following, export ${EXPORT} goes on: roster export show ${EXPORT} --follow\n`);
    let polls = 0;
    routes[`GET /v1/tenants/${TENANT}/exports/${EXPORT}`] = () => (polls++ === 0 ? { status: 200, body: exportStatus({ status: 'building' }) } : down());
    const shown = await roster(['export', 'show', EXPORT, '--follow', '--interval', '5']);
    expect(shown.code).toBe(1);
    expect(shown.stderr).toContain(`stopped following, export ${EXPORT} goes on: roster export show ${EXPORT} --follow\n`);
    // Not while only reading: nothing is being followed.
    expect((await roster(['export', 'show', EXPORT])).stderr).not.toContain('stopped following');
  });
});
