// MetricsPublisher on AWS: each datapoint is one CloudWatch Embedded Metric Format line on stdout, which Lambda's
// log group turns into a metric without a PutMetricData call (no API latency, no IAM grant, no throttling).
// Written by hand rather than with Powertools Metrics, which always adds a `service` dimension: the alarm on a
// published metric must see exactly the dimensions the caller gave, as the local metrics file records them.
import type { Clock, MetricsPublisher } from '../../ports';

export interface EmfMetricsPublisherOptions {
  /** CloudWatch namespace of every metric (METRICS_NAMESPACE). */
  namespace: string;
  clock?: Clock;
  /** process.stdout by default; Lambda sends it to the function's log group, where EMF is extracted. */
  write?: (line: string) => void;
}

/** EMF limits: metric names of 1 to 255 characters, at most 30 dimensions per set. */
const MAX_NAME_LENGTH = 255;
const MAX_DIMENSIONS = 30;

export class EmfMetricsPublisher implements MetricsPublisher {
  private readonly clock: Clock;
  private readonly write: (line: string) => void;

  constructor(private readonly options: EmfMetricsPublisherOptions) {
    this.clock = options.clock ?? { now: () => new Date() };
    this.write = options.write ?? ((line) => { process.stdout.write(line); });
  }

  async publish(name: string, value: number, unit: 'Count' | 'Milliseconds', dimensions: Record<string, string>): Promise<void> {
    if (name.length < 1 || name.length > MAX_NAME_LENGTH) throw new RangeError(`metric name must be 1 to ${MAX_NAME_LENGTH} characters: ${JSON.stringify(name)}`);
    if (!Number.isFinite(value)) throw new RangeError(`metric ${name}: value ${value} is not a finite number`);
    const keys = Object.keys(dimensions);
    if (keys.length > MAX_DIMENSIONS) throw new RangeError(`metric ${name}: ${keys.length} dimensions, EMF takes at most ${MAX_DIMENSIONS}`);
    // The metric value and the dimension values share the top level of the line, so a clash would be ambiguous.
    if (keys.includes(name) || keys.includes('_aws')) throw new RangeError(`metric ${name}: a dimension may not be named ${name} or _aws`);
    const line = {
      _aws: {
        Timestamp: this.clock.now().getTime(),
        CloudWatchMetrics: [{ Namespace: this.options.namespace, Dimensions: [keys], Metrics: [{ Name: name, Unit: unit }] }],
      },
      ...dimensions,
      [name]: value,
    };
    this.write(`${JSON.stringify(line)}\n`);
  }
}
