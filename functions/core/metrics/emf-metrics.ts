import { Metrics as PowertoolsMetrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { metricNamespace, type Dimensions, type MetricName, type Metrics } from './metrics.ts';

/**
 * Figures as CloudWatch Embedded Metric Format log lines (Powertools Metrics), one line per figure
 * with its own dimensions, written at once: CloudWatch turns them into metrics on AWS, and the local
 * runtime prints the same lines. The correlation id of the request rides along as metadata, so a
 * figure can be traced to its log lines.
 */
export class EmfMetrics implements Metrics {
  private readonly metrics: PowertoolsMetrics;

  constructor(
    private readonly correlationId: () => string | undefined = () => undefined,
    serviceName = 'web-communicator',
  ) {
    this.metrics = new PowertoolsMetrics({ namespace: metricNamespace, serviceName });
  }

  count(name: MetricName, dimensions: Dimensions = {}, value = 1): void {
    try {
      const single = this.metrics.singleMetric();
      for (const [dimension, dimensionValue] of Object.entries(dimensions)) {
        single.addDimension(dimension, dimensionValue);
      }
      const correlationId = this.correlationId();
      if (correlationId) single.addMetadata('correlationId', correlationId);
      single.addMetric(name, MetricUnit.Count, value);
    } catch (err) {
      console.error(
        JSON.stringify({ level: 'error', message: 'metric not recorded', metric: name, error: String(err) }),
      );
    }
  }
}
