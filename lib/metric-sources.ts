// What the rollback alarms read, by the profile's monitoring.source: the control plane's own probe metrics
// (RunbookControlPlane/Target, published by the probe), or the user's CloudWatch metrics, the error rate then as metric
// math over their error and request counts. Shapes:
// - metric math, FILL and arithmetic: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html
// - ALB TargetResponseTime (seconds), HTTPCode_Target_5XX_Count, RequestCount:
//   https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html
// - API Gateway Latency (ms), 5XXError, Count: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-metrics-and-dimensions.html
import type { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { ALARM_METRICS, alarmMetricDimensions } from '../lambdas/adapters/aws/cloudwatch-alarms';
import type { EnvironmentProfile, UserMetric } from '../lambdas/core/schemas';

/** The error rate of the user's metrics: a period with requests but no error datapoint had no errors. */
export const ERROR_RATE_EXPRESSION = 'FILL(errors, 0) / requests';

export interface RollbackMetrics {
  latency: cloudwatch.Metric | cloudwatch.MathExpression;
  errorRate: cloudwatch.Metric | cloudwatch.MathExpression;
}

function userMetric(m: UserMetric, period: Duration): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: m.namespace,
    metricName: m.metricName,
    dimensionsMap: m.dimensions,
    statistic: m.statistic,
    period,
    ...(m.unit ? { unit: cloudwatch.Unit[m.unit.toUpperCase() as keyof typeof cloudwatch.Unit] } : {}),
  });
}

/** The two metrics the rollback alarms compare with their thresholds (latency in ms, error rate as a fraction). */
export function rollbackMetrics(profile: EnvironmentProfile, period: Duration): RollbackMetrics {
  const mon = profile.monitoring;
  if (mon.source === 'cloudwatch') {
    const cw = mon.cloudwatch;
    if (!cw) throw new Error(`profile ${profile.name}: monitoring.cloudwatch is required when monitoring.source is cloudwatch`);
    const latency = cw.latency.scale === 1
      ? userMetric(cw.latency, period)
      : new cloudwatch.MathExpression({ expression: `latency * ${cw.latency.scale}`, usingMetrics: { latency: userMetric(cw.latency, period) }, period });
    const errorRate = new cloudwatch.MathExpression({
      expression: ERROR_RATE_EXPRESSION,
      usingMetrics: { errors: userMetric(cw.errors, period), requests: userMetric(cw.requests, period) },
      period,
    });
    return { latency, errorRate };
  }
  const probeMetric = (metric: keyof typeof ALARM_METRICS.metrics): cloudwatch.Metric => new cloudwatch.Metric({
    namespace: ALARM_METRICS.namespace,
    metricName: ALARM_METRICS.metrics[metric].metricName,
    statistic: ALARM_METRICS.metrics[metric].statistic,
    dimensionsMap: alarmMetricDimensions(profile.name),
    period,
  });
  return { latency: probeMetric('p95LatencyMs'), errorRate: probeMetric('errorRate') };
}
