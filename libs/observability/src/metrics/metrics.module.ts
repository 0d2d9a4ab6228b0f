import { Controller, Get, Header, Module, type DynamicModule } from '@nestjs/common';
import { Registry } from 'prom-client';
import { Public } from '../http/public-route';
import { Metrics, metrics, type MetricsOptions } from './metrics';

// Scrapers carry no key; the NetworkPolicy limits who reaches /metrics.
@Public()
@Controller()
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get('metrics')
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  render(): Promise<string> {
    return this.metrics.render();
  }
}

/** Serves GET /metrics from the process-wide `metrics` registry; inject `Metrics` to add counters and histograms. */
@Module({})
export class MetricsModule {
  static forRoot(options: MetricsOptions): DynamicModule {
    return {
      module: MetricsModule,
      // Global: any feature module injects `Metrics` without importing this one (which would serve /metrics twice).
      global: true,
      controllers: [MetricsController],
      providers: [
        {
          provide: Metrics,
          useFactory: () => {
            metrics.configure(options);
            return metrics;
          },
        },
      ],
      exports: [Metrics],
    };
  }
}
