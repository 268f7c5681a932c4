// The profile's and change request's cross-field rules (zod refinements) and validate()'s handling of unknown keys:
// each refusal names its field path and says why, each acceptance keeps what was written.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { ChangeRequestSchema, parseChangeRequest, parseProfile, validateWithWarnings } from '../../lambdas/core/schemas';
import { PASSWORD_IN_URL_MESSAGE } from '../../lambdas/core/secrets';
import { validationErrorOf } from '../support/validation';

/** A minimal valid profile on this machine, with the given top-level fields replaced (as YAML text). */
function profileWith(fields: Record<string, unknown>): string {
  return toYaml({
    name: 'local-demo',
    targets: { kind: 'local' },
    services: ['estimator'],
    act: { steps: [{ name: 'deploy', document: 'runbook-Deploy' }] },
    healthCheck: { urls: ['http://127.0.0.1:3001/health'] },
    rollback: { steps: [{ name: 'restore', document: 'runbook-Restore' }] },
    tests: { baseUrl: 'http://127.0.0.1:3001' },
    ...fields,
  });
}

const metric = (metricName: string, dimensions: Record<string, string> = {}): Record<string, unknown> =>
  ({ namespace: 'AWS/ApplicationELB', metricName, dimensions, statistic: 'Sum' });

const seedRequest = (): Record<string, unknown> =>
  parseYaml(readFileSync(join(__dirname, '..', '..', 'examples', 'CR-2025-001.change.yml'), 'utf8')) as Record<string, unknown>;

describe('profile refinements', () => {
  it('should take up to 30 dimensions on a CloudWatch metric and refuse 31, naming the field', () => {
    // Arrange
    const dims = (n: number): Record<string, string> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`D${i}`, `v${i}`]));
    const monitoring = (n: number) => ({ source: 'cloudwatch', cloudwatch: { latency: metric('TargetResponseTime', dims(n)), errors: metric('HTTPCode_Target_5XX_Count'), requests: metric('RequestCount') } });

    // Act
    const thirty = parseProfile(profileWith({ monitoring: monitoring(30) }));
    const err = validationErrorOf(() => parseProfile(profileWith({ monitoring: monitoring(31) })));

    // Assess
    expect(Object.keys(thirty.monitoring.cloudwatch?.latency.dimensions ?? {})).toHaveLength(30);
    expect(err.issues).toEqual([{ path: 'monitoring.cloudwatch.latency.dimensions', message: 'at most 30 dimensions' }]);
  });

  it('should require monitoring.cloudwatch with source cloudwatch and refuse it with source probe, saying so', () => {
    // Arrange
    const cloudwatch = { latency: metric('TargetResponseTime'), errors: metric('HTTPCode_Target_5XX_Count'), requests: metric('RequestCount') };

    // Act
    const missing = validationErrorOf(() => parseProfile(profileWith({ monitoring: { source: 'cloudwatch' } })));
    const unused = validationErrorOf(() => parseProfile(profileWith({ monitoring: { source: 'probe', cloudwatch } })));

    // Assess
    expect(missing.issues).toEqual([{ path: 'monitoring.cloudwatch', message: 'is required when source is cloudwatch (latency, errors, requests)' }]);
    expect(unused.issues).toEqual([{ path: 'monitoring.cloudwatch', message: 'is read only with source: cloudwatch; set source or remove it' }]);
  });

  it('should refuse a login check with a body and a secret written into a check body, naming each field', () => {
    // Arrange
    const auth = { credentials: { username: 'test-user', password: '/runbook/local-demo/test-password' } };
    const smoke = [
      { name: 'login', path: '/api/v1/auth/login', method: 'POST', login: true, body: { user: 'x' } },
      { name: 'orders', path: '/api/v1/orders', method: 'POST', body: { items: [{ sku: 'a' }, { sku: 'b', apiKey: 'k' }], password: 'p' } },
    ];

    // Act
    const err = validationErrorOf(() => parseProfile(profileWith({ tests: { baseUrl: 'http://127.0.0.1:3001', auth, smoke } })));

    // Assess
    const secret = 'secrets are never literals in a profile: name a parameter in tests.auth.credentials and mark the check login: true';
    expect(err.issues).toEqual([
      { path: 'tests.smoke.0.body', message: 'a login check sends the tests.auth credentials: give it no body' },
      { path: 'tests.smoke.1.body.items.1.apiKey', message: secret },
      { path: 'tests.smoke.1.body.password', message: secret },
    ]);
  });

  it('should refuse a login check without tests.auth, in the smoke and in the regression list, naming each', () => {
    // Arrange
    const login = { name: 'login', path: '/api/v1/auth/login', method: 'POST', login: true };

    // Act
    const err = validationErrorOf(() => parseProfile(profileWith({ tests: { baseUrl: 'http://127.0.0.1:3001', smoke: [login], regression: [{ name: 'health', path: '/health' }, login] } })));

    // Assess
    const why = "a login check needs tests.auth (the login path and the credentials' parameter names)";
    expect(err.issues).toEqual([{ path: 'tests.smoke.0.login', message: why }, { path: 'tests.regression.1.login', message: why }]);
  });

  it('should refuse a think time above the number of load-test paths and a check on a path the load test does not request', () => {
    // Arrange
    const performance = { paths: ['/a', '/b'], thinkTimeSeconds: 3, checks: [{ path: '/a', expectedStatus: 200 }, { path: '/c', expectedStatus: 200 }] };

    // Act
    const err = validationErrorOf(() => parseProfile(profileWith({ tests: { baseUrl: 'http://127.0.0.1:3001', performance } })));

    // Assess
    expect(err.issues).toEqual([
      { path: 'tests.performance.thinkTimeSeconds', message: 'at most 2 (one per path): the load generator paces whole requests per second' },
      { path: 'tests.performance.checks.1.path', message: 'not one of tests.performance.paths (/a, /b)' },
    ]);
  });

  it('should refuse a password in any URL of the profile, naming the field', () => {
    // Arrange
    const withPasswords = profileWith({
      healthCheck: { urls: ['http://127.0.0.1:3001/health', 'http://admin:hunter2@127.0.0.1:3001/health'] },
      tests: { baseUrl: 'http://admin:hunter2@127.0.0.1:3001' },
      backup: { database: 'postgresql://admin:hunter2@127.0.0.1:5432/kis' },
      rollback: { steps: [{ name: 'restore', document: 'runbook-Restore', parameters: { Source: 'https://admin:hunter2@example.com/backup' } }] },
    });

    // Act
    const err = validationErrorOf(() => parseProfile(withPasswords));
    const endpoint = validationErrorOf(() => parseProfile(profileWith({ endpoints: ['http://127.0.0.1:3001', 'http://admin:hunter2@127.0.0.1:3001'] })));

    // Assess
    expect(err.issues.filter((i) => i.message === PASSWORD_IN_URL_MESSAGE).map((i) => i.path)).toEqual([
      'healthCheck.urls.1', 'tests.baseUrl', 'backup.database', 'rollback.steps.0.parameters.Source',
    ]);
    expect(endpoint.issues).toContainEqual({ path: 'endpoints.1', message: PASSWORD_IN_URL_MESSAGE });
  });

  it('should take a tag step within the environment\'s tag values and name every value outside them', () => {
    // Arrange
    const targets = { kind: 'tag', key: 'Environment', values: ['production', 'canary'] };
    const withStep = (stepTargets: unknown): string => profileWith({ targets, act: { steps: [{ name: 'deploy', document: 'runbook-Deploy', targets: stepTargets }] } });

    // Act
    const inside = parseProfile(withStep({ kind: 'tag', key: 'Environment', values: ['canary'] }));
    const otherKey = parseProfile(withStep({ kind: 'tag', key: 'Role', values: ['db'] }));
    const err = validationErrorOf(() => parseProfile(withStep({ kind: 'tag', key: 'Environment', values: ['staging', 'canary', 'dev'] })));

    // Assess
    expect(inside.act.steps[0]?.targets).toEqual({ kind: 'tag', key: 'Environment', values: ['canary'] });
    expect(otherKey.act.steps[0]?.targets).toEqual({ kind: 'tag', key: 'Role', values: ['db'] });
    expect(err.issues).toEqual([{ path: 'act.steps.0.targets', message: "tag Environment values outside the environment's (production, canary): staging, dev" }]);
  });

  it('should name every instance id of a step outside the environment\'s ids', () => {
    // Arrange
    const targets = { kind: 'instances', ids: ['i-0123456789abcdef0'] };
    const step = { name: 'deploy', document: 'runbook-Deploy', targets: { kind: 'instances', ids: ['i-0aaaaaaaaaaaaaaaa', 'i-0123456789abcdef0', 'i-0bbbbbbbbbbbbbbbb'] } };

    // Act
    const err = validationErrorOf(() => parseProfile(profileWith({ targets, act: { steps: [step] } })));

    // Assess
    expect(err.issues).toEqual([{ path: 'act.steps.0.targets', message: 'not instances of the environment: i-0aaaaaaaaaaaaaaaa, i-0bbbbbbbbbbbbbbbb' }]);
  });

  it('should say which document it could not read or validate', () => {
    // Act
    const profileSyntax = validationErrorOf(() => parseProfile('name: [unclosed'));
    const profileInvalid = validationErrorOf(() => parseProfile('name: local-demo'));
    const requestSyntax = validationErrorOf(() => parseChangeRequest('change_request: [unclosed'));
    const requestInvalid = validationErrorOf(() => parseChangeRequest('change_request: {}'));

    // Assess
    expect(profileSyntax.message).toMatch(/^profile: not valid YAML or JSON: /);
    expect(profileInvalid.message).toMatch(/^profile is invalid: /);
    expect(requestSyntax.message).toMatch(/^change request: not valid YAML or JSON: /);
    expect(requestInvalid.message).toMatch(/^change request is invalid: /);
  });
});

describe('change request lists written as numbered text', () => {
  it('should refuse numbered rollback steps with an empty item, naming the field', () => {
    // Arrange
    const doc = seedRequest();
    (doc.rollback_plan as Record<string, unknown>).rollback_steps = '1. "stop the service" 2. ""';

    // Act
    const err = validationErrorOf(() => parseChangeRequest(toYaml(doc)));

    // Assess
    // (zod reports the failed union as its own "Invalid input": the transform's message does not reach the caller.)
    expect(err.issues.map((i) => i.path)).toEqual(['rollback_plan.rollback_steps']);
  });
});

describe('unknown keys of a change request', () => {
  it('should accept a valid request with a misspelt key, warn about it and keep it as written', () => {
    // Arrange
    const doc = seedRequest();
    (doc.change_request as Record<string, unknown>).titel = 'typo';
    doc.extra = { nested: [1, { deep: true }] };

    // Act
    const { value, warnings } = validateWithWarnings(ChangeRequestSchema, doc, 'change request');

    // Assess
    expect(warnings.map((w) => w.path)).toEqual(['change_request.titel', 'extra']);
    expect(warnings[0]?.message).toMatch(/^unknown key \(kept as written, not used\)/);
    expect((value.change_request as Record<string, unknown>).titel).toBe('typo');
    expect((value as Record<string, unknown>).extra).toEqual({ nested: [1, { deep: true }] });
  });

  it('should keep an unknown key inside a list item, and not set one under a list', () => {
    // Arrange
    const doc = seedRequest();
    const risks = doc.risks_and_mitigations as Record<string, unknown>[];
    (risks[0] as Record<string, unknown>).owner_note = 'kept';

    // Act
    const { value, warnings } = validateWithWarnings(ChangeRequestSchema, doc, 'change request');

    // Assess
    expect(warnings.map((w) => w.path)).toEqual(['risks_and_mitigations.0.owner_note']);
    expect((value.risks_and_mitigations[0] as Record<string, unknown>).owner_note).toBe('kept');
    expect((value.risks_and_mitigations[1] as Record<string, unknown>).owner_note).toBeUndefined();
  });
});
