// Submission: one change per id and body, one active change per environment, nothing half-written.
import { ConflictError, ValidationError } from '../../lambdas/core/errors';
import { submitChange } from '../../lambdas/phases/submit';
import { LocalHostCommands } from '../../lambdas/adapters/local/host-commands';
import { DOCUMENTS_DIR } from '../../documents';
import { systemClock } from '../support/fakes';
import { createHarness, testChange, testProfile, TEST_ENV, type Harness } from '../support/harness';

describe('submitChange', () => {
  let h: Harness;
  beforeEach(() => { h = createHarness(); });
  afterEach(async () => { await h.close(); });

  it('should treat the same id with the same body as the same change and start one execution', async () => {
    // Prepare
    const request = testChange('CR-2026-950');

    // Act
    const first = await submitChange(h.engine.deps, { request, profile: testProfile(), submittedBy: 'ops' });
    const again = await submitChange(h.engine.deps, { request: testChange('CR-2026-950'), profile: testProfile(), submittedBy: 'ops' });

    // Assess
    expect(first.created).toBe(true);
    expect(again).toMatchObject({ created: false, executionName: 'CR-2026-950' });
    expect(h.engine.executionNames()).toEqual(['CR-2026-950']);
    expect(first.change).toMatchObject({ status: 'SUBMITTED', attempt: 1, requiredApprovals: ['technical', 'business', 'security'] });
  });

  it('should refuse a different body under an existing id', async () => {
    await submitChange(h.engine.deps, { request: testChange('CR-2026-951'), profile: testProfile(), submittedBy: 'ops' });
    const changed = testChange('CR-2026-951', (r) => { (r.change_request as Record<string, unknown>).title = 'something else'; });

    await expect(submitChange(h.engine.deps, { request: changed, profile: testProfile(), submittedBy: 'ops' })).rejects.toThrow(ConflictError);
  });

  it('should refuse a second active change on the environment, naming the active one, and write nothing', async () => {
    await submitChange(h.engine.deps, { request: testChange('CR-2026-952'), profile: testProfile(), submittedBy: 'ops' });

    await expect(submitChange(h.engine.deps, { request: testChange('CR-2026-953'), profile: testProfile(), submittedBy: 'ops' }))
      .rejects.toThrow(`environment ${TEST_ENV} already has an active change: CR-2026-952`);
    expect(await h.store.getChange('CR-2026-953')).toBeUndefined();
  });

  it('should name the field when a step override names no ACT step, and take no lock', async () => {
    const request = testChange('CR-2026-954', (r) => { r.deployment = { step_parameters: { deploi: { Release: 'v2.4.0' } } }; });

    const attempt = submitChange(h.engine.deps, { request, profile: testProfile(), submittedBy: 'ops' });

    await expect(attempt).rejects.toThrow(ValidationError);
    await expect(attempt).rejects.toThrow(/deployment\.step_parameters\.deploi: no ACT step named deploi/);
    expect(await h.store.acquireLock(TEST_ENV, 'CR-2026-955')).toEqual({ acquired: true });
  });

  it('should refuse a step parameter its document would refuse, naming the field, before anything is written', async () => {
    // Prepare: the real documents decide, as they will when the step is sent.
    const documents = new LocalHostCommands({ documentsDir: DOCUMENTS_DIR, hostRoot: '/nonexistent', bus: h.bus, clock: systemClock });
    h.hosts.validateStep = (step) => documents.validate(step);
    const request = testChange('CR-2026-957', (r) => { r.deployment = { step_parameters: { deploy: { Release: 'v2.4.0; touch /tmp/pwned' } } }; });

    // Act
    const attempt = submitChange(h.engine.deps, { request, profile: testProfile(), submittedBy: 'ops' });

    // Assess
    await expect(attempt).rejects.toThrow(ValidationError);
    await expect(attempt).rejects.toMatchObject({ issues: [expect.objectContaining({ path: 'deployment.step_parameters.deploy.Release' })] });
    expect(await h.store.getChange('CR-2026-957')).toBeUndefined();
    expect(await h.store.acquireLock(TEST_ENV, 'CR-2026-958')).toEqual({ acquired: true });
    await documents.close();
  });

  it('should refuse a change for another environment than the profile', async () => {
    const request = testChange('CR-2026-956', (r) => { (r.change_request as Record<string, unknown>).environment = 'production'; });

    await expect(submitChange(h.engine.deps, { request, profile: testProfile(), submittedBy: 'ops' })).rejects.toThrow(/change_request\.environment/);
  });
});
