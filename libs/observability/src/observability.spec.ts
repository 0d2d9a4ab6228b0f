import type { AddressInfo } from 'node:net';
import { Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger, PinoLogger } from 'nestjs-pino';
import type { DestinationStream, Logger as PinoLoggerInstance } from 'pino';
import {
  HealthModule,
  HealthService,
  LoggingModule,
  Metrics,
  MetricsModule,
  REQUEST_ID_HEADER,
  ROOT_LOGGER,
  down,
  metrics,
  postgresIndicator,
  up,
  type HealthIndicatorFn,
} from './index';

const CANARY = 'Bearer canary-token-77ab';

let postgresUp = true;
const postgres: HealthIndicatorFn = async () => (postgresUp ? up('postgres') : down('postgres', 'connection refused'));
const nats: HealthIndicatorFn = async () => up('nats', { rttMs: 1 });
const logLines: string[] = [];
interface LogEntry {
  msg?: string;
  req?: { url?: string; headers?: Record<string, string> };
  res?: { statusCode?: number };
  [field: string]: unknown;
}
const logEntries = () => logLines.map((line) => JSON.parse(line) as LogEntry);
const destination: DestinationStream = { write: (chunk: string) => void logLines.push(chunk) };

@Controller('runs')
class RunsController {
  private readonly started;

  constructor(
    injected: Metrics,
    private readonly logger: PinoLogger,
  ) {
    this.started = injected.counter({ name: 'roster_test_runs_started_total', help: 'Runs started', labelNames: ['source'] });
  }

  @Get('start')
  start(): { ok: true } {
    this.started.inc({ source: 'csv' });
    this.logger.info({ runId: 'run-1', connector: { apiKey: 'canary-api-key' } }, 'run started');
    return { ok: true };
  }
}

@Module({
  imports: [
    LoggingModule.forRoot({ service: 'observability-test', level: 'info', destination }),
    HealthModule.forRoot({ indicators: [postgres, nats] }),
    MetricsModule.forRoot({ service: 'observability-test' }),
  ],
  controllers: [RunsController],
})
class TestAppModule {}

describe('observability in a Nest app', () => {
  let app: INestApplication;
  let baseUrl: string;

  beforeAll(async () => {
    app = await NestFactory.create(TestAppModule, { bufferLogs: true });
    app.useLogger(app.get(Logger));
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    baseUrl = `http://127.0.0.1:${port}`;
  });

  afterAll(() => app?.close());

  beforeEach(() => {
    postgresUp = true;
    logLines.length = 0;
  });

  it('answers /health/live with 200', async () => {
    const res = await fetch(`${baseUrl}/health/live`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('answers /health/ready with 200 when every indicator is up', async () => {
    const res = await fetch(`${baseUrl}/health/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ok',
      error: {},
      details: { postgres: { status: 'up' }, nats: { status: 'up', rttMs: 1 } },
    });
  });

  it('answers /health/ready with 503 naming the failed indicator and why', async () => {
    postgresUp = false;
    const res = await fetch(`${baseUrl}/health/ready`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      status: 'error',
      error: { postgres: { status: 'down', message: 'connection refused' } },
      details: {
        postgres: { status: 'down', message: 'connection refused' },
        nats: { status: 'up', rttMs: 1 },
      },
    });
  });

  it('serves Prometheus text with default metrics, the service label and custom counters', async () => {
    await fetch(`${baseUrl}/runs/start`);
    // Registering the same counter again (another module, same name) returns the existing one.
    metrics.counter({ name: 'roster_test_runs_started_total', help: 'Runs started', labelNames: ['source'] }).inc({ source: 'csv' });

    const res = await fetch(`${baseUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain;.*version=0\.0\.4/);
    const body = await res.text();
    expect(body).toMatch(/^process_cpu_user_seconds_total\{service="observability-test"\} /m);
    expect(body).toContain('roster_test_runs_started_total{source="csv",service="observability-test"} 2');
  });

  it('logs requests as JSON with a request id and without secrets', async () => {
    const res = await fetch(`${baseUrl}/runs/start`, {
      headers: { authorization: CANARY, 'x-api-key': 'canary-header-key', cookie: 'sid=canary-cookie', [REQUEST_ID_HEADER]: 'req-42' },
    });
    expect(res.headers.get(REQUEST_ID_HEADER)).toBe('req-42');
    const output = logLines.join('');
    for (const secret of [CANARY, 'canary-header-key', 'canary-cookie', 'canary-api-key']) expect(output).not.toContain(secret);

    const entries = logEntries();
    const appLog = entries.find((entry) => entry.msg === 'run started');
    expect(appLog).toMatchObject({ service: 'observability-test', requestId: 'req-42', runId: 'run-1', connector: { apiKey: '[redacted]' } });
    expect(appLog).not.toHaveProperty('req');
    const requestLog = entries.find((entry) => entry.msg === 'request completed');
    expect(requestLog?.req?.headers).toMatchObject({ authorization: '[redacted]', 'x-api-key': '[redacted]', cookie: '[redacted]' });
    expect(requestLog?.res?.statusCode).toBe(200);
  });

  it('exposes the root logger for code outside requests', () => {
    const root = app.get<PinoLoggerInstance>(ROOT_LOGGER);
    root.info({ signal: 'SIGTERM', password: 'canary-root' }, 'outside a request');
    const entry = logEntries().find((e) => e.msg === 'outside a request');
    expect(entry).toMatchObject({ service: 'observability-test', signal: 'SIGTERM', password: '[redacted]' });
  });

  it('generates a request id when none (or an unsafe one) is sent, and keeps probes out of the log', async () => {
    const res = await fetch(`${baseUrl}/runs/start`, { headers: { [REQUEST_ID_HEADER]: 'bad id {"level":"fatal"}' } });
    expect(res.headers.get(REQUEST_ID_HEADER)).toMatch(/^[0-9a-f-]{36}$/);
    await fetch(`${baseUrl}/health/live`);
    await fetch(`${baseUrl}/metrics`);
    const urls = logEntries().map((entry) => entry.req?.url);
    expect(urls).toContain('/runs/start');
    expect(urls).not.toContain('/health/live');
    expect(urls).not.toContain('/metrics');
  });
});

describe('metrics registry', () => {
  it('refuses to reuse a name for another type or other labels', () => {
    metrics.histogram({ name: 'roster_test_duration_seconds', help: 'd', labelNames: ['stage'] });
    expect(metrics.histogram({ name: 'roster_test_duration_seconds', help: 'd', labelNames: ['stage'] })).toBeDefined();
    expect(() => metrics.counter({ name: 'roster_test_duration_seconds', help: 'd', labelNames: ['stage'] })).toThrow(/Histogram/);
    expect(() => metrics.histogram({ name: 'roster_test_duration_seconds', help: 'd', labelNames: ['step'] })).toThrow(/labels/);
  });
});

describe('HealthModule.forRootAsync', () => {
  const DATABASE = Symbol('DATABASE');

  @Module({ providers: [{ provide: DATABASE, useValue: { execute: async () => [{ one: 1 }] } }], exports: [DATABASE] })
  class DatabaseModule {}

  it('builds indicators from injected resources and reports not ready once shutdown begins', async () => {
    const app = await NestFactory.createApplicationContext(
      HealthModule.forRootAsync({
        imports: [DatabaseModule],
        inject: [DATABASE],
        useFactory: (db: { execute(sql: string): Promise<unknown> }) => ({ indicators: [postgresIndicator(() => db)] }),
      }),
      { logger: false },
    );
    const health = app.get(HealthService);
    await expect(health.readiness()).resolves.toMatchObject({ status: 'ok', details: { postgres: { status: 'up' } } });

    health.onModuleDestroy();
    await expect(health.readiness()).resolves.toMatchObject({
      status: 'error',
      error: { shutdown: { status: 'down', message: 'shutting down' } },
    });
    await app.close();
  });
});
