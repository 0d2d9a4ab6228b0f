import { randomBytes } from 'node:crypto';
import { METHODS } from 'node:http';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { serviceModule } from '@roster/platform';
import { NatsServerFixture, TestDatabase, createTestDatabase, startNatsServer } from '@roster/testing';
import { DirectoryConfigModule } from '../app.module';
import { DirectoryConfigConfig } from '../config';
import { databaseOptions } from '../database';
import { buildOpenApiDocument } from './openapi';

/**
 * Every route that answers without an API key, each a decision (`@Public()`): probes, scrapes, the API's own
 * description and the console's static files (the console asks for a key and sends it to the API).
 */
const PUBLIC_ROUTES = ['GET /console', 'GET /console/{*path}', 'GET /health/live', 'GET /health/ready', 'GET /metrics', 'GET /openapi.json'];

interface ExpressLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/** `GET /v1/tenants/{tenantId}`: Express's `:tenantId` written as OpenAPI writes it. */
const routeName = (method: string, path: string) => `${method.toUpperCase()} ${path.replace(/:(\w+)/g, '{$1}')}`;

/**
 * R-SEC-02 on directory-config as Nest builds it (real Postgres and NATS): the routes its Express router serves
 * are exactly the OpenAPI document's plus the listed public ones, so neither can drift from the other; and every
 * route but those refuses a request without a key, because the guard is global rather than added per controller.
 */
describe('the admin API router against its OpenAPI document (R-SEC-02)', () => {
  let db: TestDatabase;
  let nats: NatsServerFixture;
  let app: NestExpressApplication;
  let served: string[];
  let middleware: string[];
  let baseUrl: string;
  let apiKey: string;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    [db, nats] = await Promise.all([createTestDatabase('directory_config_routes'), startNatsServer()]);
    apiKey = randomBytes(16).toString('hex');
    const config = DirectoryConfigConfig.parse({
      ROSTER_DATABASE_URL: db.url,
      ROSTER_NATS_URL: nats.url,
      ROSTER_HTTP_PORT: '3000',
      ROSTER_LOG_LEVEL: 'silent',
      ROSTER_SECRETS_KEY: randomBytes(32).toString('base64'),
      ROSTER_API_KEY: apiKey,
      ROSTER_SCHEDULER_INTERVAL_MS: '0',
    });
    const root = serviceModule({ service: 'directory-config', config, database: databaseOptions(db.url), imports: [DirectoryConfigModule.register(config)], consumers: [] });
    app = await NestFactory.create<NestExpressApplication>(root, { logger: false });
    await app.listen(0, '127.0.0.1');
    baseUrl = await app.getUrl();
    const routes = (app.getHttpAdapter().getInstance() as { router: { stack: ExpressLayer[] } }).router.stack.flatMap((l) => (l.route ? [l.route] : []));
    // Nest binds middleware for every method (pino-http's, RequestMethod.ALL) as a route answering all of them.
    const everyMethod = (r: { methods: Record<string, boolean> }) => METHODS.every((m) => r.methods[m.toLowerCase()]);
    middleware = routes.filter(everyMethod).map((r) => r.path);
    served = routes.filter((r) => !everyMethod(r)).flatMap((r) => Object.keys(r.methods).map((m) => routeName(m, r.path)));
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await Promise.all([nats?.stop(), db?.drop()]);
  });

  it('R-SEC-02 the router serves exactly the OpenAPI document\'s routes, plus the listed public ones', () => {
    const documented = Object.entries(buildOpenApiDocument().paths).flatMap(([path, operations]) => Object.keys(operations).map((m) => routeName(m, path)));
    expect(new Set(middleware)).toEqual(new Set(['/{*splat}']));
    expect(new Set(served).size).toBe(served.length);
    expect(served.filter((r) => !PUBLIC_ROUTES.includes(r)).sort()).toEqual([...documented].sort());
    expect(served.filter((r) => PUBLIC_ROUTES.includes(r)).sort()).toEqual([...PUBLIC_ROUTES].sort());
  });

  it('R-SEC-02 every route but the public ones refuses a request without a key (401), whatever its controller', async () => {
    const answers = await Promise.all(
      served.map(async (route) => {
        const [method, path] = route.split(' ') as [string, string];
        const url = `${baseUrl}${path.replace('{*path}', 'index.html').replace(/\{\w+\}/g, 'x')}`;
        const res = await fetch(url, { method, redirect: 'manual', signal: AbortSignal.timeout(10_000) });
        const body = await res.text();
        return { route, status: res.status, code: res.status === 401 ? (JSON.parse(body) as { code?: string }).code : undefined };
      }),
    );
    const refused = answers.filter((a) => a.status === 401);
    expect(refused.every((a) => a.code === 'UNAUTHENTICATED')).toBe(true);
    expect(answers.filter((a) => a.status !== 401).map((a) => a.route).sort()).toEqual([...PUBLIC_ROUTES].sort());
  });

  it('R-TEN-01 every read of a whole tenant (GET of a path whose only id is the tenant) answers 404 TENANT_NOT_FOUND for a tenant that does not exist', async () => {
    const tenantReads = Object.entries(buildOpenApiDocument().paths)
      .filter(([path, operations]) => 'get' in operations && [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => name).join() === 'tenantId')
      .map(([path]) => path);
    expect(tenantReads).toEqual(expect.arrayContaining(['/v1/tenants/{tenantId}', '/v1/tenants/{tenantId}/directories', '/v1/tenants/{tenantId}/users']));
    const unknown = '7e1a0000-0000-4000-8000-00000000dead';
    const answers = await Promise.all(
      tenantReads.map(async (path) => {
        const res = await fetch(`${baseUrl}${path.replace('{tenantId}', unknown)}`, { headers: { 'x-api-key': apiKey }, signal: AbortSignal.timeout(10_000) });
        return `GET ${path} → ${res.status} ${(JSON.parse(await res.text()) as { code?: string }).code}`;
      }),
    );
    expect(answers).toEqual(tenantReads.map((path) => `GET ${path} → 404 TENANT_NOT_FOUND`));
  });

  it('R-SAFE-02 a route the API does not have answers 404 { code, message } with a key or without, inside /v1 or not, never echoing the query', async () => {
    const paths = ['/nothing', '/v1/nothing', '/health/nothing', '/v1/tenants/7e1a0000-0000-4000-8000-00000000dead/nothing'];
    const cases = paths.flatMap((path) => ['GET', 'POST'].flatMap((method) => ([{}, { 'x-api-key': apiKey }] as Record<string, string>[]).map((headers) => ({ path, method, headers }))));
    const answers = await Promise.all(
      cases.map(async ({ path, method, headers }) => {
        const res = await fetch(`${baseUrl}${path}?token=secret-in-the-query#fragment`, { method, headers, signal: AbortSignal.timeout(10_000) });
        const key = 'x-api-key' in headers ? 'with a key' : 'without a key';
        return { request: `${method} ${path} ${key}`, status: res.status, body: (await res.json()) as unknown };
      }),
    );
    expect(answers).toEqual(cases.map(({ path, method, headers }) => ({
      request: `${method} ${path} ${'x-api-key' in headers ? 'with a key' : 'without a key'}`,
      status: 404,
      body: { code: 'HTTP_404', message: `Cannot ${method} ${path}` },
    })));
  });
});
