// Change request and profile schemas: the examples parse, YAML and JSON are both accepted, errors name the field path.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { parseChangeRequest, parseProfile } from '../../lambdas/core/schemas';
import {
  API_P95_MS_THRESHOLD, CPU_PERCENT_THRESHOLD, DISK_PERCENT_THRESHOLD, ERROR_RATE_THRESHOLD, MEMORY_PERCENT_THRESHOLD, ROLLBACK_FACTOR,
} from '../../lambdas/core/thresholds';
import { validationErrorOf } from '../support/validation';

const example = (name: string): string => readFileSync(join(__dirname, '..', '..', 'examples', name), 'utf8');

/** The seed example with fields replaced by dotted path (the same paths the errors name), as YAML text. */
function seedWith(changes: Record<string, unknown>): string {
  const doc: unknown = parseYaml(example('CR-2025-001.change.yml'));
  for (const [path, value] of Object.entries(changes)) {
    const keys = path.split('.');
    const last = keys.pop() ?? '';
    const parent = keys.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], doc);
    (parent as Record<string, unknown>)[last] = value;
  }
  return toYaml(doc);
}


describe('parseChangeRequest', () => {
  it('should parse the seed template example CR-2025-001 with its Korean text', () => {
    // Act
    const request = parseChangeRequest(example('CR-2025-001.change.yml'));

    // Assess
    expect(request.change_request).toEqual({ id: 'CR-2025-001', title: '견적 AI 모델 업데이트', type: 'enhancement', priority: 'medium', environment: 'kis-core-v3' });
    expect(request.requester.name).toBe('이충원');
    expect(request.rollback_plan.rollback_steps).toEqual(['트래픽 차단', '이전 모델 파일 복원', '서비스 재시작', '테스트 실행', '트래픽 복구']);
    expect(request.timeline.milestones).toHaveLength(5);
  });

  it("should map the seed's high/medium impact words onto the 5-point scale", () => {
    // Act
    const request = parseChangeRequest(example('CR-2025-001.change.yml'));

    // Assess
    expect(request.risks_and_mitigations.map((r) => [r.probability, r.impact])).toEqual([['low', 'major'], ['medium', 'moderate']]);
  });

  it('should parse the local demo example CR-2026-101 with an open change window', () => {
    // Act
    const request = parseChangeRequest(example('CR-2026-101.change.yml'));

    // Assess
    expect(request.change_request.environment).toBe('local-demo');
    expect(request.change_request.title).toBe('Estimator AI model v2.3.1 → v2.4.0 (local demo)');
    expect(Date.parse(request.timeline.planned_start)).toBeLessThan(Date.parse('2026-06-01T00:00:00Z'));
    expect(request.risks_and_mitigations.map((r) => [r.probability, r.impact])).toEqual([['low', 'major'], ['very_low', 'severe']]);
    expect(request.approval).toBeUndefined();
  });

  it('should accept the same change request as JSON', () => {
    // Prepare
    const fromYaml = parseChangeRequest(example('CR-2025-001.change.yml'));
    const json = JSON.stringify(parseYaml(example('CR-2025-001.change.yml')));

    // Act
    const fromJson = parseChangeRequest(json);

    // Assess
    expect(fromJson).toEqual(fromYaml);
  });

  it.each([
    ['change_request.id', 'CHANGE-1'],
    ['timeline.planned_start', 'tomorrow at two'],
    ['risks_and_mitigations.0.probability', 'likely'],
    ['risks_and_mitigations.1.impact', 'huge'],
    // Numbered plain text ("1. … 2. …") is a list (test/core/numbered-list.test.ts); plain prose is not.
    ['rollback_plan.rollback_steps', '트래픽 차단, 이전 모델 파일 복원'],
    ['change_request.type', 'refactor'],
  ])('should reject a bad %s with a ValidationError naming that path', (path, bad) => {
    // Prepare
    const text = seedWith({ [path]: bad });

    // Act
    const err = validationErrorOf(() => parseChangeRequest(text));

    // Assess
    expect(err.name).toBe('ValidationError');
    expect(err.message).toContain(path);
    expect(err.issues.map((i) => i.path)).toEqual([path]);
  });

  it('should name every bad field at once', () => {
    // Prepare
    const text = seedWith({ 'change_request.id': 'x', 'timeline.planned_start': 'soon' });

    // Act
    const err = validationErrorOf(() => parseChangeRequest(text));

    // Assess
    expect(err.issues.map((i) => i.path).sort()).toEqual(['change_request.id', 'timeline.planned_start']);
  });

  it('should reject text that is neither YAML nor JSON with a ValidationError', () => {
    // Act
    const err = validationErrorOf(() => parseChangeRequest('change_request: [unclosed'));

    // Assess
    expect(err.message).toMatch(/not valid YAML or JSON/);
  });
});

describe('parseProfile', () => {
  const minimal = [
    'name: local-demo',
    'targets: { kind: local }',
    'services: [estimator]',
    'act: { steps: [{ name: deploy, document: runbook-Deploy }] }',
    "healthCheck: { urls: ['http://127.0.0.1:3001/health'] }",
    'rollback: { steps: [{ name: restore, document: runbook-Restore }] }',
    "tests: { baseUrl: 'http://127.0.0.1:3001' }",
  ].join('\n');

  it("should default thresholds and monitoring to the seed's KIS_CORE_V3 values", () => {
    // Act
    const profile = parseProfile(minimal);

    // Assess
    expect(profile.system).toBe('KIS_CORE_V3');
    expect(profile.thresholds).toEqual({ cpuPercent: CPU_PERCENT_THRESHOLD, memoryPercent: MEMORY_PERCENT_THRESHOLD, diskPercent: DISK_PERCENT_THRESHOLD });
    expect(profile.monitoring).toMatchObject({ p95Ms: API_P95_MS_THRESHOLD, errorRate: ERROR_RATE_THRESHOLD, rollbackFactor: ROLLBACK_FACTOR, windowSeconds: 1800 });
    expect(profile.tests.performance).toMatchObject({ virtualUsers: 50, durationSeconds: 300, p95Ms: 2100, errorRate: 0.01 });
    expect(profile.healthCheck).toMatchObject({ attempts: 10, intervalSeconds: 10 });
  });

  it('should name the path of a bad profile field', () => {
    // Act
    const err = validationErrorOf(() => parseProfile(minimal.replace('document: runbook-Deploy', 'document: rm-rf')));

    // Assess
    expect(err.issues.map((i) => i.path)).toEqual(['act.steps.0.document']);
  });

  it('should refuse two steps of one phase with the same name, naming the second', () => {
    // Act
    const err = validationErrorOf(() => parseProfile(minimal.replace('act: { steps: [{ name: deploy, document: runbook-Deploy }] }',
      'act: { steps: [{ name: deploy, document: runbook-Deploy }, { name: deploy, document: runbook-Other }] }')));

    // Assess
    expect(err.issues).toEqual([{ path: 'act.steps.1.name', message: 'duplicate step name deploy' }]);
  });

  it("should default TEST to the seed's k6 script: 1 s think time, no checks, no login, no regression checks", () => {
    // Act
    const profile = parseProfile(minimal);

    // Assess
    expect(profile.tests.performance).toMatchObject({ thinkTimeSeconds: 1, checks: [] });
    expect(profile.tests.auth).toBeUndefined();
    expect(profile.tests.regression).toEqual([]);
  });

  it('should accept bare required-parameter names (read as /runbook/<environment>/NAME) and refuse a path, naming the entry', () => {
    // Act
    const ok = parseProfile(`${minimal}\nrequiredParameters: [DATABASE_URL, jwt-secret]`);
    const err = validationErrorOf(() => parseProfile(`${minimal}\nrequiredParameters: [DATABASE_URL, /kis/prod/db-password]`));

    // Assess
    expect(ok.requiredParameters).toEqual(['DATABASE_URL', 'jwt-secret']);
    expect(err.issues.map((i) => i.path)).toEqual(['requiredParameters.1']);
  });

  it('should take per-step targets narrower than the environment and refuse wider ones, naming the step', () => {
    // Prepare
    const kis = parseYaml(example('kis-core-v3.profile.yml')) as { act: { steps: Record<string, unknown>[] }; targets: unknown };
    const withStepTargets = (envTargets: unknown, targets: unknown): string => toYaml({ ...kis, targets: envTargets, act: { steps: kis.act.steps.map(({ targets: _own, ...st }, i) => (i === 0 ? { ...st, targets } : st)) } });
    const tagEnv = { kind: 'tag', key: 'Environment', values: ['production'] };
    const idEnv = { kind: 'instances', ids: ['i-0123456789abcdef0', 'i-0fedcba9876543210'] };

    // Act
    const kisProfile = parseProfile(example('kis-core-v3.profile.yml'));
    const oneHost = parseProfile(withStepTargets(idEnv, { kind: 'instances', ids: ['i-0fedcba9876543210'] }));
    const errors = [
      withStepTargets(idEnv, { kind: 'instances', ids: ['i-0aaaaaaaaaaaaaaaa'] }),
      withStepTargets(idEnv, { kind: 'tag', key: 'Role', values: ['db'] }),
      withStepTargets(tagEnv, { kind: 'tag', key: 'Environment', values: ['staging'] }),
      withStepTargets({ kind: 'local' }, { kind: 'tag', key: 'Role', values: ['db'] }),
    ].map((text) => validationErrorOf(() => parseProfile(text)));

    // Assess
    expect(kisProfile.act.steps.filter((st) => st.targets).map((st) => [st.name, st.targets])).toEqual([
      ['deployment-backup', { kind: 'tag', key: 'Role', values: ['db-primary'] }],
      ['migrations', { kind: 'tag', key: 'Role', values: ['db-primary'] }],
    ]);
    expect(oneHost.act.steps[0]?.targets).toEqual({ kind: 'instances', ids: ['i-0fedcba9876543210'] });
    expect(errors.map((e) => e.issues.map((i) => i.path))).toEqual([['act.steps.0.targets'], ['act.steps.0.targets'], ['act.steps.0.targets'], ['act.steps.0.targets']]);
    expect(errors.map((e) => e.issues[0]?.message)).toEqual([
      'not instances of the environment: i-0aaaaaaaaaaaaaaaa',
      'the environment targets instance ids: narrow a step with some of those ids (kind instances), not a tag',
      "tag Environment values outside the environment's (production): staging",
      'the environment runs on this machine (targets kind local): a step cannot narrow it',
    ]);
  });

  const withTests = (tests: string): string => minimal.replace("tests: { baseUrl: 'http://127.0.0.1:3001' }", `tests: { baseUrl: 'http://127.0.0.1:3001', ${tests} }`);

  it.each([
    ['a literal password in a smoke body', "smoke: [{ name: Login, path: /login, method: POST, body: { user: { email: a@b.c, password: hunter2 } } }]", 'tests.smoke.0.body.user.password'],
    ['a login check without tests.auth', 'smoke: [{ name: Login, path: /login, method: POST, login: true }]', 'tests.smoke.0.login'],
    ['a login check with a body', "auth: { credentials: { email: /runbook/local-demo/email } }, smoke: [{ name: Login, path: /login, method: POST, login: true, body: { email: x } }]", 'tests.smoke.0.body'],
    ['a credential given as a value, not a parameter name', "auth: { credentials: { password: 'hunter2!' } }", 'tests.auth.credentials.password'],
    ['no credentials', 'auth: { credentials: {} }', 'tests.auth.credentials'],
    ['a think time longer than a round of paths', 'performance: { paths: [/a], thinkTimeSeconds: 2 }', 'tests.performance.thinkTimeSeconds'],
    ['a check on a path the load test does not request', 'performance: { paths: [/a], checks: [{ path: /b, expectedStatus: 200 }] }', 'tests.performance.checks.0.path'],
    ['a credential outside the environment\'s parameter path', 'auth: { credentials: { password: /runbook/other-env/password } }', 'tests.auth.credentials.password'],
  ])('should refuse %s, naming the field', (_what, tests, path) => {
    // Act
    const err = validationErrorOf(() => parseProfile(withTests(tests)));

    // Assess
    expect(err.issues.map((i) => i.path)).toEqual([path]);
    expect(err.message).toContain(path);
  });
});
