import {
  Controller,
  Get,
  Inject,
  Injectable,
  Module,
  ServiceUnavailableException,
  type DynamicModule,
  type InjectionToken,
  type ModuleMetadata,
  type OnModuleDestroy,
} from '@nestjs/common';
import { Public } from '../http/public-route';
import { errorMessage, withTimeout, type HealthIndicatorFn, type HealthIndicatorResult } from './indicators';

export interface HealthModuleOptions {
  indicators: HealthIndicatorFn[];
  /** Upper bound for any one indicator, including ones that do not time out themselves. */
  timeoutMs?: number;
}

export interface HealthModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  inject?: InjectionToken[];
  // `never[]` lets callers type their parameters (orm: MikroORM) without casts.
  useFactory: (...deps: never[]) => HealthModuleOptions | Promise<HealthModuleOptions>;
}

export interface ReadinessReport {
  status: 'ok' | 'error';
  /** Indicators that are down, with why. */
  error: HealthIndicatorResult;
  details: HealthIndicatorResult;
}

const HEALTH_OPTIONS = Symbol('HEALTH_OPTIONS');

@Injectable()
export class HealthService implements OnModuleDestroy {
  private shuttingDown = false;

  constructor(@Inject(HEALTH_OPTIONS) private readonly options: HealthModuleOptions) {}

  // Nest runs onModuleDestroy before closing the HTTP server: readiness fails first, so traffic moves away while
  // consumers drain.
  onModuleDestroy(): void {
    this.shuttingDown = true;
  }

  async readiness(): Promise<ReadinessReport> {
    const timeoutMs = this.options.timeoutMs ?? 5000;
    const results = await Promise.all(
      this.options.indicators.map((indicator, index) => runIndicator(indicator, index, timeoutMs)),
    );
    const details: HealthIndicatorResult = Object.assign(
      this.shuttingDown ? { shutdown: { status: 'down', message: 'shutting down' } } : {},
      ...results,
    );
    const error = Object.fromEntries(Object.entries(details).filter(([, result]) => result.status !== 'up'));
    return { status: Object.keys(error).length === 0 ? 'ok' : 'error', error, details };
  }
}

async function runIndicator(indicator: HealthIndicatorFn, index: number, timeoutMs: number): Promise<HealthIndicatorResult> {
  try {
    return await withTimeout(indicator(), timeoutMs);
  } catch (error) {
    // terminus's HealthCheckError carries its own result in `causes`.
    const causes = (error as { causes?: HealthIndicatorResult } | undefined)?.causes;
    if (causes && typeof causes === 'object') return causes;
    return { [`indicator_${index}`]: { status: 'down', message: errorMessage(error) } };
  }
}

// Kubelet probes carry no key.
@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** Liveness: the event loop answers. Never checks dependencies, or an outage would restart every pod. */
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(): Promise<ReadinessReport> {
    const report = await this.health.readiness();
    if (report.status !== 'ok') throw new ServiceUnavailableException(report);
    return report;
  }
}

/** Serves GET /health/live and GET /health/ready (503 naming each failed indicator and why). */
@Module({})
export class HealthModule {
  static forRoot(options: HealthModuleOptions): DynamicModule {
    return {
      module: HealthModule,
      controllers: [HealthController],
      providers: [{ provide: HEALTH_OPTIONS, useValue: options }, HealthService],
      exports: [HealthService],
    };
  }

  /** For indicators that need injected resources, e.g. `inject: [MikroORM]`. */
  static forRootAsync(options: HealthModuleAsyncOptions): DynamicModule {
    return {
      module: HealthModule,
      imports: options.imports ?? [],
      controllers: [HealthController],
      providers: [
        {
          provide: HEALTH_OPTIONS,
          inject: options.inject ?? [],
          useFactory: options.useFactory as (...deps: unknown[]) => HealthModuleOptions | Promise<HealthModuleOptions>,
        },
        HealthService,
      ],
      exports: [HealthService],
    };
  }
}
