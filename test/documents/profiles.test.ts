// The example profiles: valid EnvironmentProfiles whose every step names a project document with parameters
// that document accepts, in the seed's order, with the values the seed gives KIS_CORE_V3.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCommandDocument, validateParameters, type CommandDocument } from '../../lambdas/core/documents';
import { parseProfile, type CommandStep, type EnvironmentProfile } from '../../lambdas/core/schemas';
import { DOCUMENTS_DIR } from '../../documents';

const ROOT = join(__dirname, '..', '..');
const documents = new Map<string, CommandDocument>();
function documentFor(name: string): CommandDocument {
  const cached = documents.get(name);
  if (cached) return cached;
  const doc = parseCommandDocument(readFileSync(join(DOCUMENTS_DIR, `${name}.yml`), 'utf8'));
  documents.set(name, doc);
  return doc;
}
const readProfile = (file: string, port?: number): EnvironmentProfile => {
  const text = readFileSync(join(ROOT, 'examples', file), 'utf8');
  return parseProfile(port === undefined ? text : text.replaceAll('{{port}}', String(port)));
};
const steps = (p: EnvironmentProfile): CommandStep[] => [...p.act.steps, ...p.rollback.steps];

describe('examples/local-demo.profile.yml', () => {
  const profile = readProfile('local-demo.profile.yml', 43210);

  it('should validate once {{port}} is replaced, and not before', () => {
    // Act
    const unsubstituted = () => readProfile('local-demo.profile.yml');

    // Assess
    expect(unsubstituted).toThrow(/tests\.baseUrl|healthCheck\.urls/);
    expect(profile.tests.baseUrl).toBe('http://127.0.0.1:43210');
    expect(profile.healthCheck.urls).toEqual(['http://127.0.0.1:43210/api/v1/health']);
  });

  it('should target this machine with pid-file services', () => {
    // Assess
    expect(profile.targets).toEqual({ kind: 'local' });
    expect(profile.serviceManager).toBe('pidfile');
    expect(profile.services).toEqual(['estimator-service']);
  });

  it('should run the seed act steps in order with a deploy step whose Release can be overridden', () => {
    // Assess
    expect(profile.act.steps.map((s) => s.name)).toEqual([
      'block-traffic', 'stop-services', 'deployment-backup', 'deploy', 'migrations', 'start-services', 'health-check', 'restore-traffic',
    ]);
    const deploy = profile.act.steps.find((s) => s.name === 'deploy');
    expect(deploy?.parameters).toMatchObject({ Release: 'v2.4.0', Method: 'artifact' });
    const overridden = { ...deploy?.parameters, Release: 'v2.4.0-bad' };
    expect(validateParameters('runbook-DeployRelease', documentFor('runbook-DeployRelease'), overridden).Release).toBe('v2.4.0-bad');
  });

  it('should roll back by restoring the previous release between stop and start', () => {
    // Assess
    expect(profile.rollback.steps.map((s) => [s.document, s.parameters.Action ?? s.parameters.Mode ?? s.parameters.Release ?? ''])).toEqual([
      ['runbook-TrafficControl', 'maintenance'], ['runbook-ServiceControl', 'stop'], ['runbook-DeployRelease', 'previous'],
      ['runbook-ServiceControl', 'start'], ['runbook-HealthCheck', ''], ['runbook-TrafficControl', 'production'],
    ]);
  });

  it('should keep the monitoring window and load test short, with high-resolution periods and concurrent probe rounds', () => {
    // Assess
    expect(profile.monitoring).toMatchObject({
      windowSeconds: 30, periodSeconds: 1, evaluationPeriods: 2, datapointsToAlarm: 1, missingData: 'breaching', recentDataSeconds: 10,
      probePaths: ['/api/v1/health', '/api/v1/estimates', '/api/v1/templates'], probeIntervalMs: 1000, probeConcurrency: 6,
    });
    expect(profile.tests.performance).toMatchObject({ virtualUsers: 5, durationSeconds: 5 });
    expect(profile.healthCheck).toMatchObject({ attempts: 10, intervalSeconds: 1 });
  });
});

describe('examples/kis-core-v3.profile.yml', () => {
  const profile = readProfile('kis-core-v3.profile.yml');

  it('should keep the seed values for KIS_CORE_V3', () => {
    // Assess
    expect(profile.targets).toEqual({ kind: 'tag', key: 'Environment', values: ['production'] });
    expect(profile.services).toEqual(['api-gateway', 'estimator-service', 'erp-ai-service', 'postgresql', 'redis']);
    expect(profile.thresholds).toEqual({ cpuPercent: 80, memoryPercent: 85, diskPercent: 90 });
    expect(profile.endpoints).toEqual(['https://api.kis-core.com/health', 'postgresql://localhost:5432', 'redis://localhost:6379']);
    expect(profile.requiredParameters).toEqual(['DATABASE_URL', 'REDIS_URL', 'JWT_SECRET', 'OPENAI_API_KEY']);
    expect(profile.backup.configFiles).toEqual(['/etc/nginx/nginx.conf', '/app/config/production.json', '/app/.env']);
    expect(profile.monitoring).toMatchObject({ p95Ms: 2100, errorRate: 0.01, windowSeconds: 1800, rollbackFactor: 1.5 });
    expect(profile.tests.baseUrl).toBe('https://api.kis-core.com');
    expect(profile.tests.performance).toMatchObject({ virtualUsers: 50, durationSeconds: 300, p95Ms: 2100, errorRate: 0.01 });
    expect(profile.healthCheck).toEqual({ urls: ['http://localhost:3001/health', 'http://localhost:8000/health'], attempts: 10, intervalSeconds: 10 });
  });

  it('should run the seed deployment script steps in its order', () => {
    // Assess
    expect(profile.act.steps.map((s) => `${s.name}:${s.document}`)).toEqual([
      'block-traffic:runbook-TrafficControl', 'stop-services:runbook-ServiceControl', 'deployment-backup:runbook-Backup',
      'deploy:runbook-DeployRelease', 'migrations:runbook-DatabaseMigration', 'start-services:runbook-ServiceControl',
      'health-check:runbook-HealthCheck', 'restore-traffic:runbook-TrafficControl',
    ]);
  });
});

describe.each([
  ['local-demo.profile.yml', 43210],
  ['kis-core-v3.profile.yml', undefined],
])('%s TEST', (file, port) => {
  const profile = readProfile(file, port);

  it("should log in as the seed does, with credentials named under the environment's parameter path, never written", () => {
    // Assess
    expect(profile.tests.auth).toEqual({
      loginPath: '/api/v1/auth/login', tokenField: 'token',
      credentials: { email: `/runbook/${profile.name}/test-user-email`, password: `/runbook/${profile.name}/test-user-password` },
    });
    expect(profile.tests.smoke[0]).toMatchObject({ name: 'User Authentication', method: 'POST', path: '/api/v1/auth/login', login: true });
    expect(profile.tests.smoke[0]?.body).toBeUndefined();
    expect(readFileSync(join(__dirname, '..', '..', 'examples', file), 'utf8')).not.toMatch(/test123/);
  });

  it("should keep the seed's k6 think time and checks", () => {
    // Assess
    expect(profile.tests.performance).toMatchObject({
      thinkTimeSeconds: 1,
      checks: [{ path: '/api/v1/health', expectedStatus: 200, maxResponseMs: 2100 }, { path: '/api/v1/estimates', expectedStatus: 200 }],
    });
  });
});

describe.each([
  ['local-demo.profile.yml', 43210],
  ['kis-core-v3.profile.yml', undefined],
])('%s steps', (file, port) => {
  const profile = readProfile(file, port);

  it('should name a project document for every step, with parameters the document accepts', () => {
    // Assess
    for (const step of steps(profile)) {
      expect(() => validateParameters(step.document, documentFor(step.document), step.parameters)).not.toThrow();
    }
  });

  it('should give every step a unique name', () => {
    // Act
    const names = steps(profile).map((s) => s.name);

    // Assess
    expect(new Set(names).size).toBe(names.length);
  });

  it('should use the service manager and traffic method that fit its targets', () => {
    // Prepare
    const local = profile.targets.kind === 'local';

    // Assess
    for (const step of steps(profile)) {
      if (step.parameters.ServiceManager !== undefined) expect(step.parameters.ServiceManager).toBe(profile.serviceManager);
      if (step.document === 'runbook-TrafficControl') expect(step.parameters.Method).toBe(local ? 'flagfile' : 'nginx');
      if (step.document === 'runbook-DeployRelease') expect(step.parameters.Method).toBe(local ? 'artifact' : 'docker');
    }
  });
});
