import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runCli } from '../../apps/cli/src/program';
import { tryLines } from './try-lines';

const TENANT = '7e1a0000-0000-4000-8000-0000000000c1';
const DIRECTORY = '7e1a0000-0000-4000-8000-0000000000c2';
const KEY = 'quickstart-operator-key-0123456789abcdef';

/**
 * The quick start's closing lines, as an operator pastes them: the exports set the CLI's environment to the
 * platform it started, and every `roster` line is a command the CLI knows that reaches that API with that key and
 * tenant — the same routes as the curl lines beside them.
 */
describe('the quick start tells how to go on with the roster CLI', () => {
  let server: Server;
  let apiUrl: string;
  const requests: { route: string; key: string | undefined }[] = [];

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      requests.push({ route: `${req.method} ${req.url}`, key: req.headers['x-api-key'] as string | undefined });
      req.resume();
      // Whatever it asks is refused: what matters here is what it asked and with which key.
      req.on('end', () => res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'UNAVAILABLE', message: 'fake' })));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('prints the environment with the real values and roster commands that reach the API it started, as the curl lines do', async () => {
    const lines = tryLines({ apiUrl, apiKey: KEY, tenantId: TENANT, directoryId: DIRECTORY, sftp: { folder: '/srv/sftp/in', username: 'roster' } });
    const env = Object.fromEntries(lines.flatMap((l) => [...l.matchAll(/^ {2}export (ROSTER_\w+)=(\S+)$/g)].map(([, k, v]) => [k, v.replace(/^'|'$/g, '')])));
    expect(env).toEqual({ ROSTER_API_URL: apiUrl, ROSTER_API_KEY: KEY, ROSTER_TENANT_ID: TENANT });

    const commands = lines.flatMap((l) => [...l.matchAll(/^ {2}npm run -s roster -- (.+)$/g)].map(([, args]) => args.split(' ')));
    expect(commands.map((c) => c.join(' '))).toEqual(['whoami', 'directories list', `runs list --directory ${DIRECTORY}`, 'users list', 'dlq list', `sync ${DIRECTORY}`]);
    const io = { stdout: { write: () => true }, stderr: { write: () => true } };
    for (const args of commands) {
      requests.length = 0;
      const code = await runCli(args, env, io);
      expect({ args, code }).toEqual({ args, code: 1 }); // the fake API's 503: not a usage error (2)
      expect(requests.length).toBeGreaterThan(0);
      expect(requests.every((r) => r.key === KEY)).toBe(true);
      expect(requests[0].route === 'GET /v1/me' || requests[0].route.includes(`/v1/tenants/${TENANT}/`)).toBe(true);
    }

    // The curl lines read the same routes with the same key.
    const curls = lines.filter((l) => l.includes(`-H 'x-api-key: ${KEY}'`));
    expect(curls.map((l) => l.split(' ').find((w) => w.startsWith(apiUrl))?.slice(apiUrl.length))).toEqual([
      `/v1/tenants/${TENANT}/directories`,
      `/v1/tenants/${TENANT}/directories/${DIRECTORY}/runs`,
      `/v1/tenants/${TENANT}/users`,
      `/v1/tenants/${TENANT}/dead-letters`,
      `/v1/tenants/${TENANT}/directories/${DIRECTORY}/runs`,
    ]);
  });
});
