// The shared phase moves over the memory store: recordEvent's defaults, transition's guards, patch, event and bounded
// retries on lost version races, interruptChange's choice of changes, and the steps an attempt resolves.
import { ConflictError, NotFoundError } from '../../lambdas/core/errors';
import type { ChangeRecord, ChangeStatus } from '../../lambdas/core/records';
import { interruptChange, recordEvent, resolveSteps, rollbackAlarmStates, SYSTEM_ACTOR, transition, unknownOverrideSteps } from '../../lambdas/phases/common';
import type { Deps } from '../../lambdas/ports';
import { testProfile } from '../support/fixtures';
import { memoryDeps, submitted, type MemoryDeps } from '../support/phase-deps';

const NOW = new Date('2026-06-01T12:00:00.000Z');

function fixedDeps(): MemoryDeps {
  return { ...memoryDeps(), clock: { now: () => NOW } };
}

/** The store, with its next `failures` change updates failing with `error` (a lost version race by default). */
function failing(deps: MemoryDeps, failures: number, error: () => Error = () => new ConflictError('stale version')): { deps: MemoryDeps; updates: () => number } {
  let calls = 0;
  const real = deps.store;
  const store = Object.assign(Object.create(real) as MemoryDeps['store'], {
    updateChange: async (...args: Parameters<Deps['store']['updateChange']>) => {
      calls += 1;
      if (calls <= failures) throw error();
      return real.updateChange(...args);
    },
  });
  return { deps: { ...deps, store }, updates: () => calls };
}

describe('recordEvent', () => {
  it('should record the system as the actor and leave out what was not given', async () => {
    // Arrange
    const deps = fixedDeps();
    await submitted(deps, 'CR-2026-750');

    // Act
    const event = await recordEvent(deps, { id: 'CR-2026-750', attempt: 2 }, { type: 'test.plain', message: 'plain' });

    // Assess
    expect(event).toMatchObject({ changeId: 'CR-2026-750', attempt: 2, at: NOW.toISOString(), actor: SYSTEM_ACTOR, type: 'test.plain', message: 'plain' });
    expect(SYSTEM_ACTOR).toBe('runbook-control-plane');
    expect(event).not.toHaveProperty('phase');
    expect(event).not.toHaveProperty('status');
    expect(event).not.toHaveProperty('data');
  });

  it('should record the actor, phase, status, data and attempt given', async () => {
    // Arrange
    const deps = fixedDeps();
    await submitted(deps, 'CR-2026-751');

    // Act
    const event = await recordEvent(deps, { id: 'CR-2026-751', attempt: 2 }, { type: 'test.full', message: 'full', actor: 'dana', phase: 'ACT', status: 'ACTING', data: { n: 1 } }, 1);

    // Assess
    expect(event).toMatchObject({ attempt: 1, actor: 'dana', phase: 'ACT', status: 'ACTING', data: { n: 1 } });
  });
});

describe('transition', () => {
  it('should apply the status, phase, patch and time, and record the status event by default', async () => {
    // Arrange
    const deps = fixedDeps();
    await submitted(deps, 'CR-2026-752');

    // Act
    const moved = await transition(deps, 'CR-2026-752', { status: 'PREFLIGHT', phase: 'PREFLIGHT', message: 'checks', patch: { attempt: 2 } });

    // Assess
    expect(moved).toMatchObject({ status: 'PREFLIGHT', phase: 'PREFLIGHT', attempt: 2, version: 2, updatedAt: NOW.toISOString() });
    expect(moved).not.toHaveProperty('reason');
    expect(await deps.store.getChange('CR-2026-752')).toEqual(moved);
    const event = (await deps.store.listEvents('CR-2026-752')).at(-1);
    expect(event).toMatchObject({ type: 'status.preflight', message: 'checks', phase: 'PREFLIGHT', status: 'PREFLIGHT', actor: SYSTEM_ACTOR, attempt: 2 });
    expect(event).not.toHaveProperty('data');
  });

  it('should record the type, actor, data and reason given', async () => {
    // Arrange
    const deps = fixedDeps();
    await submitted(deps, 'CR-2026-753');

    // Act
    const moved = await transition(deps, 'CR-2026-753', { status: 'CANCELLED', phase: 'PLAN', message: 'stop', type: 'change.cancelled', actor: 'dana', data: { why: 'x' }, reason: 'no longer needed' });

    // Assess
    expect(moved.reason).toBe('no longer needed');
    expect((await deps.store.listEvents('CR-2026-753')).at(-1)).toMatchObject({ type: 'change.cancelled', actor: 'dana', data: { why: 'x' } });
  });

  it('should keep a reason the change has when the move gives none', async () => {
    // Arrange
    const deps = fixedDeps();
    await submitted(deps, 'CR-2026-754');
    await deps.store.updateChange('CR-2026-754', 1, { reason: 'kept' });

    // Act
    const moved = await transition(deps, 'CR-2026-754', { status: 'PREFLIGHT', phase: 'PREFLIGHT', message: 'checks' });

    // Assess
    expect(moved.reason).toBe('kept');
  });

  it.each(['COMPLETED', 'CANCELLED', 'MANUAL_INTERVENTION'] as const)('should refuse to move a %s change and write nothing', async (status) => {
    // Arrange
    const deps = fixedDeps();
    await submitted(deps, 'CR-2026-755');
    await deps.store.updateChange('CR-2026-755', 1, { status });
    const events = (await deps.store.listEvents('CR-2026-755')).length;

    // Act
    const attempt = transition(deps, 'CR-2026-755', { status: 'ACTING', phase: 'ACT', message: 'late' });

    // Assess
    await expect(attempt).rejects.toThrow(new ConflictError(`change CR-2026-755 is already ${status}; not moving it to ACTING`));
    await expect(attempt).rejects.toBeInstanceOf(ConflictError);
    expect(await deps.store.listEvents('CR-2026-755')).toHaveLength(events);
  });

  it('should move only from the statuses listed, naming them when it refuses', async () => {
    // Arrange
    const deps = fixedDeps();
    await submitted(deps, 'CR-2026-756');

    // Act
    const refused = transition(deps, 'CR-2026-756', { status: 'ACTING', phase: 'ACT', message: 'go', from: ['SCHEDULED', 'PREFLIGHT'] });
    await expect(refused).rejects.toThrow(new ConflictError('change CR-2026-756 is SUBMITTED, not SCHEDULED or PREFLIGHT; not moving it to ACTING'));
    const moved = await transition(deps, 'CR-2026-756', { status: 'ACTING', phase: 'ACT', message: 'go', from: ['SUBMITTED'] });

    // Assess
    await expect(refused).rejects.toBeInstanceOf(ConflictError);
    expect(moved.status).toBe('ACTING');
  });

  it('should read the change when the one given is another change', async () => {
    // Arrange
    const deps = fixedDeps();
    const other = await submitted(deps, 'CR-2026-757');
    await transition(deps, 'CR-2026-757', { status: 'CANCELLED', phase: 'PLAN', message: 'done' });
    await deps.store.releaseLock('test-env', 'CR-2026-757');
    await submitted(deps, 'CR-2026-758');

    // Act
    const moved = await transition(deps, 'CR-2026-758', { status: 'PREFLIGHT', phase: 'PREFLIGHT', message: 'checks' }, other);

    // Assess
    expect(moved).toMatchObject({ id: 'CR-2026-758', status: 'PREFLIGHT', version: 2 });
  });

  it('should not read the change again when the one given is current', async () => {
    // Arrange
    const deps = fixedDeps();
    const known = await submitted(deps, 'CR-2026-765');
    const reads = jest.spyOn(deps.store, 'getChange');

    // Act
    const moved = await transition(deps, 'CR-2026-765', { status: 'PREFLIGHT', phase: 'PREFLIGHT', message: 'checks' }, known);

    // Assess
    expect(moved).toMatchObject({ status: 'PREFLIGHT', version: 2 });
    expect(reads).not.toHaveBeenCalled();
  });

  it('should use the change given only for the first try, reading it again after a lost race', async () => {
    // Arrange
    const deps = fixedDeps();
    const stale = await submitted(deps, 'CR-2026-764');
    await deps.store.updateChange('CR-2026-764', 1, { reason: 'touched meanwhile' });
    const reads = jest.spyOn(deps.store, 'getChange');

    // Act
    const moved = await transition(deps, 'CR-2026-764', { status: 'PREFLIGHT', phase: 'PREFLIGHT', message: 'checks' }, stale);

    // Assess
    expect(moved).toMatchObject({ status: 'PREFLIGHT', version: 3, reason: 'touched meanwhile' });
    expect(reads).toHaveBeenCalledTimes(1);
  });

  it('should refuse a change that does not exist', async () => {
    // Arrange
    const deps = fixedDeps();

    // Act
    const attempt = transition(deps, 'CR-2026-759', { status: 'PREFLIGHT', phase: 'PREFLIGHT', message: 'checks' });

    // Assess
    await expect(attempt).rejects.toThrow(new NotFoundError('change CR-2026-759 not found'));
    await expect(attempt).rejects.toBeInstanceOf(NotFoundError);
  });

  it('should try again after three lost races and give up after the fourth', async () => {
    // Arrange
    const base = fixedDeps();
    await submitted(base, 'CR-2026-760');
    const three = failing(base, 3);
    const four = failing(base, 4);

    // Act
    const moved = await transition(three.deps, 'CR-2026-760', { status: 'PREFLIGHT', phase: 'PREFLIGHT', message: 'checks' });
    const gaveUp = transition(four.deps, 'CR-2026-760', { status: 'SCHEDULED', phase: 'PLAN', message: 'plan' });

    // Assess
    expect(moved.status).toBe('PREFLIGHT');
    expect(three.updates()).toBe(4);
    await expect(gaveUp).rejects.toThrow('stale version');
    expect(four.updates()).toBe(4);
  });

  it('should not retry a failure that is not a lost race', async () => {
    // Arrange
    const base = fixedDeps();
    await submitted(base, 'CR-2026-761');
    const broken = failing(base, 1, () => new Error('table unavailable'));

    // Act
    const attempt = transition(broken.deps, 'CR-2026-761', { status: 'PREFLIGHT', phase: 'PREFLIGHT', message: 'checks' });

    // Assess
    await expect(attempt).rejects.toThrow('table unavailable');
    expect(broken.updates()).toBe(1);
  });
});

describe('interruptChange', () => {
  it('should mark a running change INTERRUPTED from its status, keeping its phase and environment', async () => {
    // Arrange
    const deps = fixedDeps();
    await submitted(deps, 'CR-2026-762');
    await transition(deps, 'CR-2026-762', { status: 'SCHEDULED', phase: 'PLAN', message: 'waiting' });

    // Act
    const interrupted = await interruptChange(deps, 'CR-2026-762', 'serve', 'SIGTERM');

    // Assess
    expect(interrupted).toMatchObject({ status: 'INTERRUPTED', phase: 'PLAN', interruptedFrom: 'SCHEDULED' });
    expect((await deps.store.listEvents('CR-2026-762')).at(-1)).toMatchObject({
      type: 'status.interrupted', actor: 'serve', phase: 'PLAN', data: { from: 'SCHEDULED' },
      message: 'interrupted: SIGTERM while the change was SCHEDULED; it keeps environment test-env and resumes on the next start',
    });
    expect(await deps.store.lockHolder('test-env')).toBe('CR-2026-762');
  });

  it.each<ChangeStatus>(['COMPLETED', 'FAILED', 'INTERRUPTED', 'ROLLED_BACK'])('should leave a %s change alone', async (status) => {
    // Arrange
    const deps = fixedDeps();
    await submitted(deps, 'CR-2026-763');
    await deps.store.updateChange('CR-2026-763', 1, { status });

    // Act
    const outcome = await interruptChange(deps, 'CR-2026-763', 'serve', 'SIGTERM');

    // Assess
    expect(outcome).toBeUndefined();
    expect(await deps.store.getChange('CR-2026-763')).toMatchObject({ status, version: 2 });
  });
});

describe('steps and alarms of a change', () => {
  function withOverrides(overrides: Record<string, Record<string, string>>): ChangeRecord {
    return { profile: testProfile(), request: { deployment: { step_parameters: overrides } } } as unknown as ChangeRecord;
  }

  it('should resolve ACT with the change\'s overrides, each step indexed', () => {
    // Arrange
    const change = withOverrides({ deploy: { Release: 'v3.0.0' } });

    // Act
    const steps = resolveSteps(change, 'ACT');

    // Assess
    expect(steps.map((s) => [s.name, s.index, s.phase])).toEqual([['block-traffic', 0, 'ACT'], ['deploy', 1, 'ACT'], ['health-check', 2, 'ACT'], ['restore-traffic', 3, 'ACT']]);
    expect(steps[1]).toMatchObject({ document: 'runbook-DeployRelease', parameters: { Release: 'v3.0.0', Method: 'artifact', Services: 'estimator-service' } });
    expect(steps[0]?.parameters).toEqual({ Mode: 'maintenance' });
  });

  it('should resolve ROLLBACK as the profile has it, whatever the change overrides', () => {
    // Arrange
    const change = withOverrides({ 'rollback-release': { Release: 'v3.0.0' } });

    // Act
    const steps = resolveSteps(change, 'ROLLBACK');

    // Assess
    expect(steps.map((s) => [s.name, s.index, s.phase, s.parameters.Release])).toEqual([['rollback-release', 0, 'ROLLBACK', 'previous'], ['rollback-health-check', 1, 'ROLLBACK', undefined]]);
  });

  it('should resolve ACT as the profile has it for a change without overrides', () => {
    // Arrange
    const change = { profile: testProfile(), request: {} } as unknown as ChangeRecord;

    // Act
    const steps = resolveSteps(change, 'ACT');

    // Assess
    expect(steps.map((s) => s.parameters)).toEqual(testProfile().act.steps.map((s) => s.parameters));
  });

  it('should name the override steps the profile does not have', () => {
    // Arrange
    const overrides = { deploy: {}, deploi: {}, 'rollback-release': {} };

    // Act
    const unknown = unknownOverrideSteps(testProfile(), overrides);

    // Assess
    expect(unknown).toEqual(['deploi', 'rollback-release']);
  });

  it('should read the environment\'s two rollback alarms', async () => {
    // Arrange
    const deps = fixedDeps();
    const asked: string[][] = [];
    const alarms = { ...deps.alarms, states: async (names: string[]) => { asked.push(names); return deps.alarms.states(names); } };

    // Act
    const states = await rollbackAlarmStates({ alarms }, 'prod-eu');

    // Assess
    expect(asked).toEqual([['runbook-prod-eu-p95-latency', 'runbook-prod-eu-error-rate']]);
    expect(states.map((s) => s.state)).toEqual(['OK', 'OK']);
  });
});
