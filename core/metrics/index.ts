import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { METRICS_NAMESPACE, METRICS_SERVICE, type MetricName } from "./names.ts";

export { Metric, METRICS_NAMESPACE, METRICS_SERVICE, type MetricName } from "./names.ts";

// Written as one EMF line to stdout at the end of an invocation; CloudWatch Logs turns it into
// metrics, so no PutMetricData call (and no IAM permission) is needed. Only the queue consumer and
// the jobs import this: a route's bundle does not carry it.
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRICS_SERVICE });

/** Records a count for this invocation; published by `withMetrics`. */
export function count(name: MetricName, value: number): void {
  metrics.addMetric(name, MetricUnit.Count, value);
}

/** Runs an invocation and publishes what it counted, also when it throws. */
export async function withMetrics<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } finally {
    // Nothing counted (an early failure): publishing would only log a warning.
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}
