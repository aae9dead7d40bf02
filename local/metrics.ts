import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * The handlers' Powertools Metrics, locally: every metric they add is counted here (by name)
 * instead of printed as CloudWatch EMF on stdout, without `POWERTOOLS_METRICS_DISABLED` in the
 * process environment. One instance per function, like one Lambda each.
 */
export class LocalMetrics extends Metrics {
  readonly counts = new Map<string, number>();

  override addMetric(...args: Parameters<Metrics['addMetric']>): this {
    const [name, , value] = args;
    this.counts.set(name, (this.counts.get(name) ?? 0) + value);
    return this;
  }

  /** The cold-start metric goes through a single-metric instance: count it here too. */
  override singleMetric(): Metrics {
    return this;
  }

  override publishStoredMetrics(): this {
    // Nothing is buffered, so there is nothing to print.
    return this;
  }
}
