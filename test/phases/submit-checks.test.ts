// The submission's pure checks: the canonical body hash, the lead time, the freeze check, the roles required, the
// document checks of a profile and a change (which field is named), and the message naming an environment's holder.
import { createHash } from 'node:crypto';
import { ValidationError } from '../../lambdas/core/errors';
import type { ChangeRecord, ChangeStatus } from '../../lambdas/core/records';
import { assessRisk } from '../../lambdas/core/risk';
import type { ChangeRequest, CommandStep } from '../../lambdas/core/schemas';
import { approvalsFor, bodyHash, checkSubmission, freezeCheck, heldBy, leadTimeIssue, submissionIssues, type StepValidator } from '../../lambdas/phases/submit';
import { testChange, testProfile } from '../support/fixtures';

const NOW = new Date('2026-06-01T00:00:00.000Z');
const DAY = 86_400_000;

/** A change whose window starts `ms` after NOW. */
function startingIn(id: string, ms: number, type?: string): ChangeRequest {
  return testChange(id, (r) => {
    (r.timeline as Record<string, unknown>).planned_start = new Date(NOW.getTime() + ms).toISOString();
    if (type) (r.change_request as Record<string, unknown>).type = type;
  });
}

/** Refuses, as a document would, the named parameter of the named step (any other step passes). */
function refusing(refusals: { step: string; path: string; message: string }[]): StepValidator & { seen: CommandStep[] } {
  const seen: CommandStep[] = [];
  return {
    seen,
    validate: async (step) => {
      seen.push(step);
      const issues = refusals.filter((r) => r.step === step.name).map(({ path, message }) => ({ path, message }));
      if (issues.length > 0) throw new ValidationError(`${step.name} refused`, issues);
      return { ...step.parameters };
    },
  };
}

const accepting = refusing([]);

function holder(status: ChangeStatus, interruptedFrom?: ChangeStatus): ChangeRecord {
  return { status, ...(interruptedFrom ? { interruptedFrom } : {}) } as ChangeRecord;
}

describe('bodyHash', () => {
  it('should hash the canonical form: keys sorted at every depth, arrays in order, undefined as null', () => {
    // Arrange
    const request = { b: [1, 'x', { d: true, c: null }], a: undefined } as unknown as ChangeRequest;
    const canonical = '{"profileName":"p-1","request":{"a":null,"b":[1,"x",{"c":null,"d":true}]}}';

    // Act
    const hash = bodyHash(request, 'p-1');

    // Assess
    expect(hash).toBe(createHash('sha256').update(canonical).digest('hex'));
  });

  it('should give the same hash whatever the key order, and another for another body or profile', () => {
    // Arrange
    const one = { x: 1, y: { p: 'a', q: 'b' } } as unknown as ChangeRequest;
    const reordered = { y: { q: 'b', p: 'a' }, x: 1 } as unknown as ChangeRequest;
    const other = { x: 1, y: { p: 'a', q: 'c' } } as unknown as ChangeRequest;

    // Act
    const hashes = [bodyHash(one, 'p'), bodyHash(reordered, 'p'), bodyHash(other, 'p'), bodyHash(one, 'q')];

    // Assess
    expect(hashes[1]).toBe(hashes[0]);
    expect(new Set(hashes).size).toBe(3);
  });
});

describe('leadTimeIssue', () => {
  it('should accept a window exactly maxLeadDays ahead and refuse one a millisecond later, naming the latest start', () => {
    // Arrange
    const profile = testProfile({ maxLeadDays: 3 });
    const edge = startingIn('CR-2026-700', 3 * DAY);
    const past = startingIn('CR-2026-701', 3 * DAY + 1);

    // Act
    const atEdge = leadTimeIssue(edge, profile, NOW);
    const beyond = leadTimeIssue(past, profile, NOW);

    // Assess
    expect(atEdge).toBeUndefined();
    expect(beyond).toEqual({
      path: 'timeline.planned_start',
      message: '2026-06-04T00:00:00.001Z is more than 3 days ahead (profile maxLeadDays; latest 2026-06-04T00:00:00.000Z): submit the change closer to its window',
    });
  });
});

describe('freezeCheck and approvalsFor', () => {
  const freeze = { name: 'year-end', reason: 'closing the books', start: '2026-06-01T01:00:00Z', end: '2026-06-01T02:00:00Z' };

  it('should find nothing when the profile has no freezes or the window misses them', () => {
    // Arrange
    const inside = startingIn('CR-2026-702', 3_600_000);
    const after = startingIn('CR-2026-703', 3 * 3_600_000);

    // Act
    const none = freezeCheck(inside, testProfile(), NOW);
    const missed = freezeCheck(after, testProfile({ freezes: [freeze] }), NOW);

    // Assess
    expect(none).toEqual({ frozen: [] });
    expect(missed).toEqual({ frozen: [] });
  });

  it('should not read the duration of a change on a profile without freezes', () => {
    // Arrange
    const unreadable = testChange('CR-2026-714', (r) => { (r.timeline as Record<string, unknown>).estimated_duration = 'about a day'; });

    // Act
    const check = freezeCheck(unreadable, testProfile(), NOW);

    // Assess
    expect(check).toEqual({ frozen: [] });
    expect(() => freezeCheck(unreadable, testProfile({ freezes: [freeze] }), NOW)).toThrow(/timeline\.estimated_duration/);
  });

  it('should name every freeze the window overlaps, comma-separated', () => {
    // Arrange
    const inside = startingIn('CR-2026-715', 3_600_000);
    const second = { name: 'audit', reason: 'auditors on site', start: '2026-06-01T01:15:00Z', end: '2026-06-01T01:45:00Z' };

    // Act
    const check = freezeCheck(inside, testProfile({ freezes: [freeze, second] }), NOW);

    // Assess
    expect(check.refusal).toContain('overlaps the change freeze "year-end" (2026-06-01T01:00:00.000Z – 2026-06-01T02:00:00.000Z: closing the books), "audit" (2026-06-01T01:15:00.000Z – 2026-06-01T01:45:00.000Z: auditors on site); only an emergency');
  });

  it('should refuse a change that is not an emergency inside a freeze, naming its window and the freeze', () => {
    // Arrange
    const inside = startingIn('CR-2026-704', 3_600_000);

    // Act
    const check = freezeCheck(inside, testProfile({ freezes: [freeze] }), NOW);

    // Assess
    expect(check.frozen).toEqual([{ name: 'year-end', reason: 'closing the books', start: '2026-06-01T01:00:00.000Z', end: '2026-06-01T02:00:00.000Z' }]);
    expect(check.refusal).toBe('change CR-2026-704: its window 2026-06-01T01:00:00.000Z – 2026-06-01T01:30:00.000Z overlaps the change freeze "year-end" (2026-06-01T01:00:00.000Z – 2026-06-01T02:00:00.000Z: closing the books); only an emergency change may be submitted into a freeze, and it needs executive approval');
  });

  it('should let an emergency into a freeze without a refusal', () => {
    // Arrange
    const emergency = startingIn('CR-2026-705', 3_600_000, 'emergency');

    // Act
    const check = freezeCheck(emergency, testProfile({ freezes: [freeze] }), NOW);

    // Assess
    expect(check).toEqual({ frozen: [expect.objectContaining({ name: 'year-end' })] });
  });

  it('should add the executive inside a freeze, once, and nothing outside one', () => {
    // Arrange
    const medium = assessRisk(testChange('CR-2026-706'));
    const high = { ...medium, level: 'HIGH' as const, requiresExecutiveApproval: true };
    const window = { name: 'f', reason: 'r', start: '2026-06-01T01:00:00.000Z', end: '2026-06-01T02:00:00.000Z' };

    // Act
    const outside = approvalsFor(medium, []);
    const inside = approvalsFor(medium, [window]);
    const highInside = approvalsFor(high, [window]);

    // Assess
    expect(outside).toEqual(['technical', 'business', 'security']);
    expect(inside).toEqual(['technical', 'business', 'security', 'executive']);
    expect(highInside).toEqual(['technical', 'business', 'security', 'executive']);
  });
});

describe('submissionIssues', () => {
  it('should check every ACT and rollback step of a profile alone, naming the field from the profile root', async () => {
    // Arrange
    const hosts = refusing([
      { step: 'deploy', path: 'parameters.Release', message: 'not a release' },
      { step: 'rollback-health-check', path: 'document', message: 'unknown document' },
    ]);

    // Act
    const issues = await submissionIssues(hosts, testProfile());

    // Assess
    expect(hosts.seen.map((s) => s.name)).toEqual(['block-traffic', 'deploy', 'health-check', 'restore-traffic', 'rollback-release', 'rollback-health-check']);
    expect(issues).toEqual([
      { path: 'act.steps.1.parameters.Release', message: 'not a release' },
      { path: 'rollback.steps.1.document', message: 'unknown document' },
    ]);
  });

  it('should name a value the change supplied by its deployment path and a profile value by profile.…', async () => {
    // Arrange
    const request = testChange('CR-2026-707', (r) => { r.deployment = { step_parameters: { deploy: { Release: 'v9; rm -rf /' } } }; });
    const hosts = refusing([
      { step: 'deploy', path: 'parameters.Release', message: 'bad release' },
      { step: 'deploy', path: 'parameters.Method', message: 'bad method' },
      { step: 'deploy', path: 'timeoutSeconds', message: 'too long' },
      { step: 'deploy', path: 'defaults.parameters.Release', message: 'not a parameter' },
      { step: 'rollback-release', path: 'parameters.Release', message: 'bad rollback release' },
    ]);

    // Act
    const issues = await submissionIssues(hosts, testProfile(), request);

    // Assess
    expect(hosts.seen.find((s) => s.name === 'deploy')?.parameters).toEqual({ Release: 'v9; rm -rf /', Method: 'artifact', Services: 'estimator-service' });
    expect(hosts.seen.find((s) => s.name === 'rollback-release')?.parameters.Release).toBe('previous');
    expect(issues).toEqual([
      { path: 'deployment.step_parameters.deploy.Release', message: 'bad release' },
      { path: 'profile.act.steps.1.parameters.Method', message: 'bad method' },
      { path: 'profile.act.steps.1.timeoutSeconds', message: 'too long' },
      { path: 'profile.act.steps.1.defaults.parameters.Release', message: 'not a parameter' },
      { path: 'profile.rollback.steps.0.parameters.Release', message: 'bad rollback release' },
    ]);
  });

  it('should name another environment, and each override of a step the profile does not have', async () => {
    // Arrange
    const request = testChange('CR-2026-708', (r) => {
      (r.change_request as Record<string, unknown>).environment = 'production';
      r.deployment = { step_parameters: { deploi: { Release: 'v2' }, deploy: { Release: 'v2' }, restart: {} } };
    });

    // Act
    const issues = await submissionIssues(accepting, testProfile(), request);

    // Assess
    expect(issues).toEqual([
      { path: 'change_request.environment', message: 'production does not match the profile test-env' },
      { path: 'deployment.step_parameters.deploi', message: 'no ACT step named deploi in profile test-env' },
      { path: 'deployment.step_parameters.restart', message: 'no ACT step named restart in profile test-env' },
    ]);
  });

  it('should take a change that names no environment as the profile\'s', async () => {
    // Arrange
    const request = testChange('CR-2026-709', (r) => { delete (r.change_request as Record<string, unknown>).environment; });

    // Act
    const issues = await submissionIssues(accepting, testProfile(), request);

    // Assess
    expect(request.change_request.environment).toBeUndefined();
    expect(issues).toEqual([]);
  });

  it('should name by the profile an issue that is not a parameter\'s, even with an override named "undefined"', async () => {
    // Arrange
    const request = testChange('CR-2026-716', (r) => { r.deployment = { step_parameters: { deploy: { undefined: 'x' } } }; });
    const hosts = refusing([
      { step: 'deploy', path: 'timeoutSeconds', message: 'too long' },
      { step: 'deploy', path: 'parameters.undefined\nnot a parameter path', message: 'two lines' },
    ]);

    // Act
    const issues = await submissionIssues(hosts, testProfile(), request);

    // Assess
    expect(issues).toEqual([
      { path: 'profile.act.steps.1.timeoutSeconds', message: 'too long' },
      { path: 'profile.act.steps.1.parameters.undefined\nnot a parameter path', message: 'two lines' },
    ]);
  });

  it('should let a failure that is not a validation pass through', async () => {
    // Arrange
    const hosts: StepValidator = { validate: async () => { throw new Error('documents directory unreadable'); } };

    // Act
    const attempt = submissionIssues(hosts, testProfile(), testChange('CR-2026-710'));

    // Assess
    await expect(attempt).rejects.toThrow('documents directory unreadable');
  });
});

describe('checkSubmission', () => {
  it('should refuse with one ValidationError naming every field, the lead time last', async () => {
    // Arrange
    const request = testChange('CR-2026-711', (r) => {
      (r.change_request as Record<string, unknown>).environment = 'production';
      (r.timeline as Record<string, unknown>).planned_start = new Date(NOW.getTime() + 20 * DAY).toISOString();
    });

    // Act
    const attempt = checkSubmission(accepting, request, testProfile(), NOW);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    await expect(attempt).rejects.toThrow(/^change request is invalid: change_request\.environment: production does not match the profile test-env; timeline\.planned_start: 2026-06-21T00:00:00\.000Z is more than 14 days ahead/);
    await expect(attempt).rejects.toMatchObject({ issues: [{ path: 'change_request.environment' }, { path: 'timeline.planned_start' }] });
  });

  it('should accept a change with nothing to refuse', async () => {
    // Arrange
    const request = startingIn('CR-2026-712', DAY);

    // Act
    const outcome = await checkSubmission(accepting, request, testProfile(), NOW);

    // Assess
    expect(outcome).toBeUndefined();
  });

  it('should refuse the lead time alone', async () => {
    // Arrange
    const request = startingIn('CR-2026-713', 15 * DAY);

    // Act
    const attempt = checkSubmission(accepting, request, testProfile(), NOW);

    // Assess
    await expect(attempt).rejects.toMatchObject({ issues: [{ path: 'timeline.planned_start' }] });
  });
});

describe('heldBy', () => {
  it.each([
    ['MANUAL_INTERVENTION', holder('MANUAL_INTERVENTION'), 'restore the service by hand, then free the environment: npx runbook release CR-1'],
    ['INTERRUPTED while ACTING', holder('INTERRUPTED', 'ACTING'), 'roll it back: npx runbook rollback CR-1'],
    ['INTERRUPTED while ROLLING_BACK', holder('INTERRUPTED', 'ROLLING_BACK'), 'roll it back: npx runbook rollback CR-1'],
    ['INTERRUPTED while SCHEDULED', holder('INTERRUPTED', 'SCHEDULED'), 'it resumes when `npx runbook serve` starts, or end it: npx runbook cancel CR-1'],
    ['INTERRUPTED', holder('INTERRUPTED'), 'it resumes when `npx runbook serve` starts, or end it: npx runbook cancel CR-1'],
    ['ROLLED_BACK', holder('ROLLED_BACK'), 'approve its next attempt, or close it: npx runbook cancel CR-1'],
    ['SUBMITTED', holder('SUBMITTED'), 'wait for it (npx runbook status CR-1 --watch) or end it: npx runbook cancel CR-1'],
    ['PREFLIGHT', holder('PREFLIGHT'), 'wait for it (npx runbook status CR-1 --watch) or end it: npx runbook cancel CR-1'],
    ['AWAITING_APPROVAL', holder('AWAITING_APPROVAL'), 'wait for it (npx runbook status CR-1 --watch) or end it: npx runbook cancel CR-1'],
    ['SCHEDULED', holder('SCHEDULED'), 'wait for it (npx runbook status CR-1 --watch) or end it: npx runbook cancel CR-1'],
    ['ACTING', holder('ACTING'), 'wait for it (npx runbook status CR-1 --watch) or roll it back: npx runbook cancel CR-1'],
    ['MONITORING', holder('MONITORING'), 'wait for it (npx runbook status CR-1 --watch) or roll it back: npx runbook cancel CR-1'],
    ['TESTING', holder('TESTING'), 'wait for it to end: npx runbook status CR-1 --watch'],
    ['REPORTING', holder('REPORTING'), 'wait for it to end: npx runbook status CR-1 --watch'],
    ['ROLLING_BACK', holder('ROLLING_BACK'), 'wait for it to end: npx runbook status CR-1 --watch'],
    ['COMPLETED', holder('COMPLETED'), 'it has ended COMPLETED; free the environment: npx runbook release CR-1'],
    ['ACTING', holder('ACTING', 'SCHEDULED'), 'wait for it (npx runbook status CR-1 --watch) or roll it back: npx runbook cancel CR-1'],
    ['not found', undefined, 'the lock names a change that does not exist: npx runbook release CR-1'],
  ] as const)('should name a holder %s by its status and the way out', (status, record, way) => {
    // Arrange
    const environment = 'prod-eu';

    // Act
    const message = heldBy(environment, 'CR-1', record);

    // Assess
    expect(message).toBe(`environment prod-eu already has an active change: CR-1 (${status}) — ${way}`);
  });
});
