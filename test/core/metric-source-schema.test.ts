// monitoring.source and monitoring.cloudwatch in the profile schema: defaults, and a bad source named by its path.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { validationErrorOf } from '../support/validation';
import { EnvironmentProfileSchema, validate } from '../../lambdas/core/schemas';

const kis = parse(readFileSync(join(__dirname, '..', '..', 'examples', 'kis-core-v3.profile.yml'), 'utf8')) as Record<string, unknown>;
const metric = { namespace: 'AWS/ApiGateway', metricName: 'Latency', statistic: 'p95', dimensions: { ApiName: 'kis-core-api' } };
const withMonitoring = (monitoring: Record<string, unknown>) => ({ ...kis, monitoring: { ...(kis.monitoring as object), ...monitoring } });

const paths = (input: unknown): string[] => validationErrorOf(() => validate(EnvironmentProfileSchema, input, 'profile')).issues.map((i) => i.path);

describe('monitoring.source', () => {
  it('should default to the probe, with no user metrics', () => {
    const profile = validate(EnvironmentProfileSchema, kis, 'profile');
    expect(profile.monitoring.source).toBe('probe');
    expect(profile.monitoring.cloudwatch).toBeUndefined();
  });

  it('should take user metrics with source cloudwatch, scale 1 and no dimensions by default', () => {
    // Act
    const profile = validate(EnvironmentProfileSchema, withMonitoring({
      source: 'cloudwatch', cloudwatch: { latency: metric, errors: { ...metric, metricName: '5XXError', statistic: 'Sum' }, requests: { namespace: 'AWS/ApiGateway', metricName: 'Count', statistic: 'Sum' } },
    }), 'profile');

    // Assess
    expect(profile.monitoring.cloudwatch?.latency.scale).toBe(1);
    expect(profile.monitoring.cloudwatch?.requests.dimensions).toEqual({});
  });

  it.each([
    [{ source: 'cloudwatch' }, ['monitoring.cloudwatch']],
    [{ source: 'probe', cloudwatch: { latency: metric, errors: metric, requests: metric } }, ['monitoring.cloudwatch']],
    [{ source: 'datadog' }, ['monitoring.source']],
    [{ source: 'cloudwatch', cloudwatch: { latency: { ...metric, statistic: 'median' }, errors: metric, requests: metric } }, ['monitoring.cloudwatch.latency.statistic']],
    [{ source: 'cloudwatch', cloudwatch: { latency: { ...metric, scale: 0 }, errors: metric, requests: metric } }, ['monitoring.cloudwatch.latency.scale']],
    [{ source: 'cloudwatch', cloudwatch: { latency: metric, errors: metric } }, ['monitoring.cloudwatch.requests']],
    [{ source: 'cloudwatch', cloudwatch: { latency: { ...metric, namespace: 'bad namespace!' }, errors: metric, requests: metric } }, ['monitoring.cloudwatch.latency.namespace']],
  ])('should refuse %j naming %j', (monitoring, expected) => {
    expect(paths(withMonitoring(monitoring))).toEqual(expected);
  });
});
