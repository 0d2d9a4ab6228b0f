import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  Summary,
  collectDefaultMetrics,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
  type Metric,
  type SummaryConfiguration,
} from 'prom-client';

export interface MetricsOptions {
  service: string;
  /** process_* and nodejs_* metrics; on by default. */
  defaultMetrics?: boolean;
}

type Config<C> = Omit<C, 'registers'>;

/**
 * One registry per process. The factories return the already-registered metric when asked twice for the same name,
 * so libraries can declare metrics wherever they need them without "already registered" errors.
 */
export class Metrics {
  readonly registry = new Registry();
  private defaultMetricsCollected = false;

  /** Adds the `service` label to every series and starts default process metrics. Safe to call again. */
  configure({ service, defaultMetrics = true }: MetricsOptions): void {
    this.registry.setDefaultLabels({ service });
    if (defaultMetrics && !this.defaultMetricsCollected) {
      collectDefaultMetrics({ register: this.registry });
      this.defaultMetricsCollected = true;
    }
  }

  counter<L extends string>(config: Config<CounterConfiguration<L>>): Counter<L> {
    return this.getOrCreate(config, Counter, () => new Counter({ ...config, registers: [this.registry] }));
  }

  gauge<L extends string>(config: Config<GaugeConfiguration<L>>): Gauge<L> {
    return this.getOrCreate(config, Gauge, () => new Gauge({ ...config, registers: [this.registry] }));
  }

  histogram<L extends string>(config: Config<HistogramConfiguration<L>>): Histogram<L> {
    return this.getOrCreate(config, Histogram, () => new Histogram({ ...config, registers: [this.registry] }));
  }

  summary<L extends string>(config: Config<SummaryConfiguration<L>>): Summary<L> {
    return this.getOrCreate(config, Summary, () => new Summary({ ...config, registers: [this.registry] }));
  }

  /** Prometheus text exposition of every registered metric. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private getOrCreate<M extends Metric<string>>(
    config: { name: string; labelNames?: readonly string[] },
    kind: abstract new (...args: never[]) => M,
    create: () => M,
  ): M {
    const existing = this.registry.getSingleMetric(config.name);
    if (!existing) return create();
    if (!(existing instanceof kind)) {
      throw new Error(`metric ${config.name} is already registered as a ${existing.constructor.name}, not a ${kind.name}`);
    }
    // Returning a metric with other labels would fail later, at .inc()/.observe(), far from the cause.
    const registered = [...((existing as unknown as { labelNames?: string[] }).labelNames ?? [])].sort();
    const wanted = [...(config.labelNames ?? [])].sort();
    if (registered.join(',') !== wanted.join(',')) {
      throw new Error(
        `metric ${config.name} is already registered with labels [${registered.join(', ')}], not [${wanted.join(', ')}]`,
      );
    }
    return existing;
  }
}

/** The process-wide registry that /metrics serves. */
export const metrics = new Metrics();
