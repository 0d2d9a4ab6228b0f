import { DynamicModule, INestApplication, Logger as NestLogger, Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { MikroORM } from '@mikro-orm/postgresql';
import type { NatsConnection } from 'nats';
import { Logger } from 'nestjs-pino';
import { ConsumerDefinition, JetStreamServer } from '@roster/messaging';
import { HealthModule, LoggingModule, Metrics, MetricsModule, installShutdown, natsIndicator, postgresIndicator } from '@roster/observability';
import { ServiceOrmOptions, openDatabase } from '@roster/persistence';
import { NATS_CONNECTION, PlatformModule } from './platform.module';
import type { BaseServiceConfig } from './service-config';
import { registerServiceMetrics } from './service-metrics';

export interface ServiceDefinition {
  service: string;
  config: BaseServiceConfig;
  database: ServiceOrmOptions;
  /** The service's feature module(s): controllers, event handlers, use cases. */
  imports: (Type | DynamicModule)[];
  consumers: ConsumerDefinition[];
  /** Express's `trust proxy`: whose X-Forwarded-For sets `req.ip` (default false: the connection's peer). */
  trustProxy?: TrustProxy;
}

/** `false`, the number of proxies in front, or the proxies' addresses and ranges (never `true`: any client could pick its address). */
export type TrustProxy = false | number | string[];

/** A log-sized view of an error: driver errors quote whole SQL statements with their data. */
export function briefError(error: unknown): { name?: string; code?: string; message: string } {
  const e = error as { name?: string; code?: string; message?: string };
  const message = String(e?.message ?? error);
  return { name: e?.name, code: e?.code, message: message.length > 500 ? `${message.slice(0, 500)}…` : message };
}

/** The root module of a service: platform resources, logging, health, metrics, and its own features. */
export function serviceModule(def: ServiceDefinition): Type {
  @Module({
    imports: [
      LoggingModule.forRoot({ service: def.service, level: def.config.ROSTER_LOG_LEVEL }),
      PlatformModule.forRoot({
        service: def.service,
        database: def.database,
        natsUrl: def.config.ROSTER_NATS_URL,
        migrate: def.config.ROSTER_MIGRATE,
      }),
      MetricsModule.forRoot({ service: def.service }),
      HealthModule.forRootAsync({
        inject: [MikroORM, NATS_CONNECTION],
        useFactory: (orm: MikroORM, nc: NatsConnection) => ({
          indicators: [postgresIndicator(() => orm), natsIndicator(() => nc)],
        }),
      }),
      ...def.imports,
    ],
  })
  class ServiceRootModule {}
  Object.defineProperty(ServiceRootModule, 'name', { value: `${def.service.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase())}RootModule` });
  return ServiceRootModule;
}

/**
 * `node main.js migrate`: applies the service's pending migrations and exits (what a deploy's migration job
 * runs before the new version starts, with ROSTER_MIGRATE=false on the services).
 */
export async function migrateOnly(database: ServiceOrmOptions): Promise<void> {
  const orm = await openDatabase({ ...database, migrate: true });
  const applied = await orm.getMigrator().getExecutedMigrations();
  await orm.close(true);
  process.stdout.write(`${JSON.stringify({ level: 'info', schema: database.schema, migrations: applied.length, msg: 'migrations applied' })}\n`);
}

/** Boots a service: HTTP (health, metrics, API) plus its JetStream consumers, with graceful shutdown. */
export async function runService(def: ServiceDefinition): Promise<INestApplication | undefined> {
  if (process.argv[2] === 'migrate') {
    await migrateOnly(def.database);
    return undefined;
  }
  const app = await NestFactory.create<NestExpressApplication>(serviceModule(def), { bufferLogs: true });
  app.set('trust proxy', def.trustProxy ?? false);
  const logger = app.get(Logger);
  app.useLogger(logger);
  const metrics = app.get(Metrics);
  const deadLetters = metrics.counter({
    name: 'roster_dead_letters_total',
    help: 'Messages moved to the dead-letter stream',
    labelNames: ['consumer', 'code'],
  });
  const serviceMetrics = registerServiceMetrics(metrics, {
    service: def.service,
    consumers: def.consumers,
    orm: () => app.get(MikroORM),
    nc: () => app.get<NatsConnection>(NATS_CONNECTION),
  });
  const nestLogger = new NestLogger('JetStream');
  app.connectMicroservice(
    {
      strategy: new JetStreamServer({
        servers: def.config.ROSTER_NATS_URL,
        service: def.service,
        consumers: def.consumers,
        ackWaitMs: def.config.ROSTER_ACK_WAIT_MS,
        maxDeliver: def.config.ROSTER_MAX_DELIVER,
        connection: app.get<NatsConnection>(NATS_CONNECTION),
        onDeadLetter: (info) => {
          deadLetters.inc({ consumer: info.consumer, code: info.code });
          nestLogger.error({ ...info }, 'message dead-lettered');
        },
        onRedelivery: serviceMetrics.redelivered,
        onError: (error, message) => nestLogger.warn({ error: briefError(error) }, message ?? 'consumer error'),
      }),
    },
    { inheritAppConfig: true },
  );
  const pino = app.get(Logger);
  installShutdown(app, {
    info: (details, message) => pino.log({ ...details }, message),
    error: (details, message) => pino.error({ ...details }, message),
  });
  await app.startAllMicroservices();
  await app.listen(def.config.ROSTER_HTTP_PORT, def.config.ROSTER_HTTP_HOST);
  pino.log({ port: def.config.ROSTER_HTTP_PORT }, `${def.service} ready`);
  return app;
}
