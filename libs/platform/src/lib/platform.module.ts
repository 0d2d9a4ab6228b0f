import { DynamicModule, Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import type { NatsConnection } from 'nats';
import { EventPublisher, Outbox, OutboxRelay, connectNats, ensureStreams } from '@roster/messaging';
import { metrics } from '@roster/observability';
import { ServiceOrmOptions, openDatabase } from '@roster/persistence';

export const NATS_CONNECTION = Symbol('NATS_CONNECTION');
export const PLATFORM_OPTIONS = Symbol('PLATFORM_OPTIONS');

export interface PlatformOptions {
  service: string;
  /** The service's ORM options (its schema, entities incl. outbox/inbox, migrations): see `serviceDatabase`. */
  database: ServiceOrmOptions;
  natsUrl: string;
  /** Run pending migrations at start (the deploy's migration job sets this off and runs `migrate`). */
  migrate: boolean;
}

/** Owns the process-wide resources: ORM, NATS connection, publisher, outbox relay; closes them in order. */
@Injectable()
export class PlatformLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Platform');

  constructor(
    private readonly orm: MikroORM,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly relay: OutboxRelay,
  ) {}

  onApplicationBootstrap(): void {
    this.relay.start();
  }

  // Nest closes the JetStream consumers (in-flight work finishes) before this hook runs.
  async onApplicationShutdown(signal?: string): Promise<void> {
    this.logger.log(`shutting down${signal ? ` on ${signal}` : ''}`);
    await this.relay.stop();
    if (!this.nc.isClosed()) await this.nc.drain().catch(() => undefined);
    await this.orm.close(true);
  }
}

@Module({})
export class PlatformModule {
  static forRoot(o: PlatformOptions): DynamicModule {
    const source = `roster/${o.service}`;
    return {
      module: PlatformModule,
      global: true,
      providers: [
        { provide: PLATFORM_OPTIONS, useValue: o },
        {
          provide: MikroORM,
          useFactory: () =>
            openDatabase({ ...o.database, migrate: o.migrate }),
        },
        {
          provide: NATS_CONNECTION,
          useFactory: async () => {
            const nc = await connectNats({ servers: o.natsUrl, name: `${o.service}-${process.pid}` });
            await ensureStreams(await nc.jetstreamManager());
            return nc;
          },
        },
        {
          provide: EventPublisher,
          useFactory: (nc: NatsConnection) => new EventPublisher(nc, source),
          inject: [NATS_CONNECTION],
        },
        { provide: Outbox, useValue: new Outbox(source) },
        {
          provide: OutboxRelay,
          useFactory: (orm: MikroORM, publisher: EventPublisher) => {
            const logger = new Logger('OutboxRelay');
            const published = metrics.counter({ name: 'roster_outbox_published_total', help: 'Events the outbox relay put on the bus' });
            return new OutboxRelay(orm, publisher, {
              onError: (e) => logger.warn(`outbox relay failed, retrying: ${(e as Error).message}`),
              onPublished: (count) => published.inc(count),
            });
          },
          inject: [MikroORM, EventPublisher],
        },
        PlatformLifecycle,
      ],
      exports: [PLATFORM_OPTIONS, MikroORM, NATS_CONNECTION, EventPublisher, Outbox, OutboxRelay],
    };
  }
}
