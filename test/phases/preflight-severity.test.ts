// Pre-flight severities as the seed: a stopped service and unreachable required dependencies fail; high resource usage
// and an external API that does not answer warn, and the warnings reach the pre-flight event and the report's issues.
// The profile's preflightSeverity makes any check fatal or a warning.
import { dependenciesStep, systemHealthStep } from '../../lambdas/phases/preflight';
import { createHarness, PATHS, statePath, testProfile, type Harness } from '../support/harness';

const DB = 'postgresql://kis_user@db.internal:5432/kis_db';
const CACHE = 'redis://cache.internal:6379';
const OPENAI = 'https://api.openai.com/v1/models';
const QUEUE = 'tcp://queue.internal:5672';
const OPTIONAL = 'https://status.example.com/health';
const dependencies = [
  { name: 'database', kind: 'postgres', url: DB },
  { name: 'cache', kind: 'redis', url: CACHE },
  { name: 'openai', kind: 'http', url: OPENAI },
  { name: 'queue', kind: 'tcp', url: QUEUE },
  { name: 'status page', kind: 'http', url: OPTIONAL, required: false },
];

describe('pre-flight severities', () => {
  it("should default to the seed's: services, connectivity, database and cache fatal; resources and external APIs warnings", () => {
    // Prepare
    const profile = testProfile({ dependencies });

    // Act
    const health = systemHealthStep(profile);
    const deps = dependenciesStep(profile);

    // Assess
    expect(profile.preflightSeverity).toEqual({ services: 'fatal', resources: 'warning', connectivity: 'fatal', database: 'fatal', cache: 'fatal', externalApis: 'warning', parameters: 'fatal' });
    expect(health.parameters).toMatchObject({ ServiceSeverity: 'fatal', ResourceSeverity: 'warning' });
    expect(deps?.parameters).toEqual({ Endpoints: ['http://127.0.0.1:9/api/v1/health', DB, CACHE, QUEUE].join(','), WarnEndpoints: [OPENAI, OPTIONAL].join(',') });
  });

  it('should let the profile make any check fatal or a warning, an optional dependency staying a warning', () => {
    // Prepare
    const profile = testProfile({ dependencies, preflightSeverity: { resources: 'fatal', services: 'warning', externalApis: 'fatal', cache: 'warning' } });

    // Act
    const health = systemHealthStep(profile);
    const deps = dependenciesStep(profile);

    // Assess
    expect(health.parameters).toMatchObject({ ServiceSeverity: 'warning', ResourceSeverity: 'fatal' });
    expect(deps?.parameters).toEqual({ Endpoints: ['http://127.0.0.1:9/api/v1/health', DB, OPENAI, QUEUE].join(','), WarnEndpoints: [CACHE, OPTIONAL].join(',') });
  });

  it('should keep an endpoint fatal when it is also listed as an optional dependency', () => {
    // Prepare
    const db = 'postgresql://db.internal:5432/kis_db';
    const profile = testProfile({ endpoints: [db], dependencies: [{ name: 'db', kind: 'postgres', url: db, required: false }] });

    // Act
    const deps = dependenciesStep(profile);

    // Assess
    expect(deps?.parameters).toEqual({ Endpoints: db });
  });

  it('should refuse a severity that is neither fatal nor warning, naming the field', () => {
    expect(() => testProfile({ preflightSeverity: { resources: 'ignore' } })).toThrow(/preflightSeverity\.resources/);
  });
});

describe('pre-flight warnings in a run', () => {
  let h: Harness;
  afterEach(async () => { await h.close(); });

  it('should go on past warnings and list each in the pre-flight event and the report issues', async () => {
    // Prepare: the documents answer as they do when usage is high and an external API is down.
    h = createHarness({
      missingParameters: ['OPENAI_API_KEY'],
      behaviour: (req) => {
        if (req.step.document === 'runbook-SystemHealth') return { status: 'Success', stdout: 'ok\n{"services":{},"violations":[],"warnings":["cpu 93.5% > 80%"]}' };
        if (req.step.document === 'runbook-Dependencies') return { status: 'Success', stdout: `ok\n{"endpoints":{"${OPENAI}":"UNREACHABLE"},"checks":{"${OPENAI}":"http"},"warnings":["${OPENAI}"]}` };
        return { status: 'Success' };
      },
    });
    const profile = testProfile({ requiredParameters: ['OPENAI_API_KEY'], preflightSeverity: { parameters: 'warning' } });
    const name = await h.submit(undefined, profile);
    await h.approveAll('CR-2026-900');

    // Act
    const outcome = await h.finish(name);

    // Assess
    expect(statePath(outcome).slice(0, PATHS.PREFLIGHT.length)).toEqual(PATHS.PREFLIGHT);
    expect((await h.store.getChange('CR-2026-900'))?.status).toBe('COMPLETED');
    const passed = (await h.store.listEvents('CR-2026-900')).find((e) => e.type === 'preflight.passed');
    expect(passed?.message).toMatch(/passed: system health, dependencies, backup — 3 warnings: /);
    const issues = ((await h.store.getReport('CR-2026-900'))?.report as { issues?: unknown } | undefined)?.issues;
    expect(issues).toEqual([
      { severity: 'MEDIUM', phase: 'PREFLIGHT', message: 'pre-flight warning (preflight-system-health): cpu 93.5% > 80%' },
      { severity: 'MEDIUM', phase: 'PREFLIGHT', message: `pre-flight warning (preflight-dependencies): ${OPENAI} UNREACHABLE (http check)` },
      { severity: 'MEDIUM', phase: 'PREFLIGHT', message: 'pre-flight warning: required parameters not set: OPENAI_API_KEY (a warning: profile preflightSeverity.parameters)' },
    ]);
  });

  it('should still stop the change when required parameters are missing and the profile keeps them fatal', async () => {
    // Prepare
    h = createHarness({ missingParameters: ['OPENAI_API_KEY'] });
    const name = await h.submit(undefined, testProfile({ requiredParameters: ['OPENAI_API_KEY'] }));

    // Act
    const outcome = await h.finish(name);

    // Assess
    expect(statePath(outcome).at(-1)).toBe('PreFlight Failed');
    expect((await h.store.getChange('CR-2026-900'))?.status).toBe('PREFLIGHT_FAILED');
  });
});
