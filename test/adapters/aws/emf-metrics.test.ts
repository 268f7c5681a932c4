// EmfMetricsPublisher: one Embedded Metric Format line per datapoint, with exactly the dimensions given.
import { EmfMetricsPublisher } from '../../../lambdas/adapters/aws/emf-metrics';

const at = new Date('2025-06-01T10:30:00.000Z');

function publisher(): { emf: EmfMetricsPublisher; lines: string[] } {
  const lines: string[] = [];
  return { emf: new EmfMetricsPublisher({ namespace: 'RunbookControlPlane', clock: { now: () => at }, write: (line) => { lines.push(line); } }), lines };
}

describe('EmfMetricsPublisher', () => {
  it('should write one EMF line with the namespace, unit, value and only the given dimensions', async () => {
    // Prepare
    const { emf, lines } = publisher();

    // Act
    await emf.publish('ScheduledCheckFailed', 1, 'Count', { Environment: 'kis-core-v3' });

    // Assess
    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith('\n')).toBe(true);
    expect(JSON.parse(lines[0] ?? '')).toEqual({
      _aws: {
        Timestamp: at.getTime(),
        CloudWatchMetrics: [{ Namespace: 'RunbookControlPlane', Dimensions: [['Environment']], Metrics: [{ Name: 'ScheduledCheckFailed', Unit: 'Count' }] }],
      },
      Environment: 'kis-core-v3',
      ScheduledCheckFailed: 1,
    });
  });

  it('should publish a metric without dimensions as one empty dimension set', async () => {
    // Prepare
    const { emf, lines } = publisher();

    // Act
    await emf.publish('ScheduledCheckDuration', 1234, 'Milliseconds', {});

    // Assess
    expect(JSON.parse(lines[0] ?? '')._aws.CloudWatchMetrics[0].Dimensions).toEqual([[]]);
  });

  it('should refuse what CloudWatch would drop: a non-finite value, a bad name, a dimension named like the metric', async () => {
    // Prepare
    const { emf, lines } = publisher();

    // Act
    const results = await Promise.allSettled([
      emf.publish('Latency', Number.NaN, 'Milliseconds', {}),
      emf.publish('', 1, 'Count', {}),
      emf.publish('Errors', 1, 'Count', { Errors: 'x' }),
    ]);

    // Assess
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(lines).toEqual([]);
  });
});
