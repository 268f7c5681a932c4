// The test profile and change request: plain validated documents, without the engine, so that tests needing only
// them (the core's) do not load the embedded engine and its dependencies (harness.ts re-exports them).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocumentText, validate, ChangeRequestSchema, EnvironmentProfileSchema, type ChangeRequest, type EnvironmentProfile } from '../../lambdas/core/schemas';

export const TEST_ENV = 'test-env';

export function testProfile(overrides: Partial<Record<string, unknown>> = {}): EnvironmentProfile {
  return validate(EnvironmentProfileSchema, {
    name: TEST_ENV,
    targets: { kind: 'local' },
    serviceManager: 'pidfile',
    services: ['estimator-service'],
    endpoints: ['http://127.0.0.1:9/api/v1/health'],
    act: { steps: [
      { name: 'block-traffic', document: 'runbook-TrafficControl', parameters: { Mode: 'maintenance' } },
      { name: 'deploy', document: 'runbook-DeployRelease', parameters: { Release: 'v2.4.0', Method: 'artifact', Services: 'estimator-service' } },
      { name: 'health-check', document: 'runbook-HealthCheck', parameters: { Url: 'http://127.0.0.1:9/api/v1/health' } },
      { name: 'restore-traffic', document: 'runbook-TrafficControl', parameters: { Mode: 'production' } },
    ] },
    healthCheck: { urls: ['http://127.0.0.1:9/api/v1/health'] },
    rollback: { steps: [
      { name: 'rollback-release', document: 'runbook-DeployRelease', parameters: { Release: 'previous', Method: 'artifact', Services: 'estimator-service' } },
      { name: 'rollback-health-check', document: 'runbook-HealthCheck', parameters: { Url: 'http://127.0.0.1:9/api/v1/health' } },
    ] },
    monitoring: { windowSeconds: 1, periodSeconds: 1, evaluationPeriods: 1, datapointsToAlarm: 1 },
    tests: { baseUrl: 'http://127.0.0.1:9', smoke: [{ name: 'Health', path: '/api/v1/health' }, { name: 'Estimates', path: '/api/v1/estimates' }], performance: { virtualUsers: 2, durationSeconds: 1 } },
    maxAttempts: 2,
    // The API tests' operators (alice, bob, carol, erin) and the path tests' approver-<role> names.
    approvers: {
      technical: ['alice', 'approver-technical'],
      business: ['bob', 'approver-business'],
      security: ['carol', 'approver-security', 'sec-officer'],
      executive: ['erin', 'approver-executive'],
    },
    ...overrides,
  }, 'test profile');
}

export function testChange(id = 'CR-2026-900', patch: (r: Record<string, unknown>) => void = () => undefined): ChangeRequest {
  const raw = parseDocumentText(readFileSync(join(__dirname, '..', '..', 'examples', 'CR-2026-101.change.yml'), 'utf8'), 'example') as Record<string, Record<string, unknown>>;
  raw.change_request = { ...raw.change_request, id, environment: TEST_ENV };
  patch(raw);
  return validate(ChangeRequestSchema, raw, 'test change');
}
