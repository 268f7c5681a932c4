// submitChange over the memory store: the record and events it writes, the notification and the one execution it
// starts, a re-submission (restarting a lost start), a lost create race, a held environment and a freeze override.
import { ConflictError } from '../../lambdas/core/errors';
import type { ChangeRecord } from '../../lambdas/core/records';
import type { ChangeRequest } from '../../lambdas/core/schemas';
import { bodyHash, submitChange } from '../../lambdas/phases/submit';
import type { Deps } from '../../lambdas/ports';
import { testChange, testProfile } from '../support/fixtures';
import { memoryDeps, type MemoryDeps } from '../support/phase-deps';

const NOW = new Date('2026-06-01T00:00:00.000Z');

/** Memory deps on a fixed clock whose execution starts are recorded. */
function recorded(): { deps: MemoryDeps; starts: { name: string; input: unknown }[] } {
  const starts: { name: string; input: unknown }[] = [];
  const deps: MemoryDeps = {
    ...memoryDeps(),
    clock: { now: () => NOW },
    executions: { start: async (name, input) => { starts.push({ name, input }); return { executionId: name, alreadyStarted: false }; } },
  };
  return { deps, starts };
}

function change(id: string, patch: (r: Record<string, unknown>) => void = () => undefined): ChangeRequest {
  return testChange(id, (r) => {
    (r.timeline as Record<string, unknown>).planned_start = '2026-06-01T01:00:00.000Z';
    patch(r);
  });
}

describe('submitChange writes', () => {
  it('should store the change SUBMITTED with its risk, approvals and hash, record the event, notify and start one execution', async () => {
    // Arrange
    const { deps, starts } = recorded();
    const request = change('CR-2026-720', (r) => { r.approval = { technical: 'alice' }; });

    // Act
    const result = await submitChange(deps, { request, profile: testProfile(), submittedBy: 'dana' });

    // Assess
    expect(result).toMatchObject({ created: true, executionName: 'CR-2026-720' });
    const stored = await deps.store.getChange('CR-2026-720');
    expect(stored).toEqual(result.change);
    expect(stored).toMatchObject({
      id: 'CR-2026-720', environment: 'test-env', title: request.change_request.title, requester: request.requester.name, submittedBy: 'dana',
      status: 'SUBMITTED', phase: 'SUBMIT', attempt: 1, maxAttempts: 2, version: 1, bodyHash: bodyHash(request, 'test-env'),
      requiredApprovals: ['technical', 'business', 'security'], executionName: 'CR-2026-720',
      createdAt: NOW.toISOString(), updatedAt: NOW.toISOString(), risk: { level: 'MEDIUM' },
    });
    const events = await deps.store.listEvents('CR-2026-720');
    expect(events).toEqual([expect.objectContaining({
      type: 'change.submitted', phase: 'SUBMIT', status: 'SUBMITTED', actor: 'dana', attempt: 1, at: NOW.toISOString(),
      message: 'submitted by dana: risk MEDIUM, approvals required: technical, business, security',
      data: { risk: stored?.risk, claimedApprovals: { technical: 'alice' } },
    })]);
    expect(deps.notifier.sent).toEqual([{
      kind: 'submitted', severity: 'info', changeId: 'CR-2026-720', status: 'SUBMITTED',
      title: `Change submitted: CR-2026-720 ${request.change_request.title}`, text: 'Risk MEDIUM; approvals required: technical, business, security',
    }]);
    expect(starts).toEqual([{ name: 'CR-2026-720', input: { changeId: 'CR-2026-720', attempt: 1 } }]);
    expect(await deps.store.lockHolder('test-env')).toBe('CR-2026-720');
  });

  it('should record no claimed approvals as null', async () => {
    // Arrange
    const { deps } = recorded();
    const request = change('CR-2026-721', (r) => { delete r.approval; });

    // Act
    await submitChange(deps, { request, profile: testProfile(), submittedBy: 'dana' });

    // Assess
    const [event] = await deps.store.listEvents('CR-2026-721');
    expect(event?.data?.claimedApprovals).toBeNull();
  });

  it('should let an emergency into a freeze, requiring the executive and recording the override', async () => {
    // Arrange
    const { deps } = recorded();
    const freeze = { name: 'launch', reason: 'product launch', start: '2026-06-01T00:30:00Z', end: '2026-06-01T03:00:00Z' };
    const audit = { name: 'audit', reason: 'auditors', start: '2026-06-01T01:00:00Z', end: '2026-06-01T02:00:00Z' };
    const request = change('CR-2026-722', (r) => { (r.change_request as Record<string, unknown>).type = 'emergency'; });

    // Act
    const result = await submitChange(deps, { request, profile: testProfile({ freezes: [freeze, audit] }), submittedBy: 'dana' });

    // Assess
    expect(result.change.requiredApprovals).toEqual(['technical', 'business', 'security', 'executive']);
    const events = await deps.store.listEvents('CR-2026-722');
    expect(events.map((e) => e.type)).toEqual(['change.submitted', 'freeze.override']);
    expect(events[1]).toMatchObject({
      phase: 'SUBMIT', actor: 'dana',
      message: 'emergency change submitted into freeze "launch" (2026-06-01T00:30:00.000Z – 2026-06-01T03:00:00.000Z: product launch), "audit" (2026-06-01T01:00:00.000Z – 2026-06-01T02:00:00.000Z: auditors) by dana: executive approval required',
      data: { freezes: [
        { name: 'launch', reason: 'product launch', start: '2026-06-01T00:30:00.000Z', end: '2026-06-01T03:00:00.000Z' },
        { name: 'audit', reason: 'auditors', start: '2026-06-01T01:00:00.000Z', end: '2026-06-01T02:00:00.000Z' },
      ] },
    });
    expect(events[1]?.status).toBeUndefined();
    expect(deps.notifier.sent[0]?.text).toBe('Risk MEDIUM; approvals required: technical, business, security, executive');
  });

  it('should refuse a change that is not an emergency inside a freeze and write nothing', async () => {
    // Arrange
    const { deps, starts } = recorded();
    const freeze = { name: 'launch', reason: 'product launch', start: '2026-06-01T00:30:00Z', end: '2026-06-01T03:00:00Z' };

    // Act
    const attempt = submitChange(deps, { request: change('CR-2026-723'), profile: testProfile({ freezes: [freeze] }), submittedBy: 'dana' });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ConflictError);
    await expect(attempt).rejects.toThrow(/overlaps the change freeze "launch"/);
    expect(await deps.store.getChange('CR-2026-723')).toBeUndefined();
    expect(await deps.store.lockHolder('test-env')).toBeUndefined();
    expect(starts).toEqual([]);
  });
});

describe('submitChange again', () => {
  it('should start the first attempt again when the same change is re-submitted while still SUBMITTED, writing nothing', async () => {
    // Arrange
    const { deps, starts } = recorded();
    const first = await submitChange(deps, { request: change('CR-2026-724'), profile: testProfile(), submittedBy: 'dana' });
    await deps.store.updateChange('CR-2026-724', 1, { attempt: 3, executionName: 'CR-2026-724-3' });

    // Act
    const again = await submitChange(deps, { request: change('CR-2026-724'), profile: testProfile(), submittedBy: 'erin' });

    // Assess
    expect(again).toMatchObject({ created: false, executionName: 'CR-2026-724-3', change: { id: 'CR-2026-724', submittedBy: 'dana' } });
    expect(first.created).toBe(true);
    expect(starts).toEqual([
      { name: 'CR-2026-724', input: { changeId: 'CR-2026-724', attempt: 1 } },
      { name: 'CR-2026-724-3', input: { changeId: 'CR-2026-724', attempt: 3 } },
    ]);
    expect(await deps.store.listEvents('CR-2026-724')).toHaveLength(1);
    expect(deps.notifier.sent).toHaveLength(1);
  });

  it('should start nothing when the same change is re-submitted after it moved on', async () => {
    // Arrange
    const { deps, starts } = recorded();
    await submitChange(deps, { request: change('CR-2026-725'), profile: testProfile(), submittedBy: 'dana' });
    await deps.store.updateChange('CR-2026-725', 1, { status: 'PREFLIGHT', phase: 'PREFLIGHT' });

    // Act
    const again = await submitChange(deps, { request: change('CR-2026-725'), profile: testProfile(), submittedBy: 'dana' });

    // Assess
    expect(again).toMatchObject({ created: false, executionName: 'CR-2026-725', change: { status: 'PREFLIGHT' } });
    expect(starts).toHaveLength(1);
  });

  it('should refuse another body under the id and start nothing', async () => {
    // Arrange
    const { deps, starts } = recorded();
    await submitChange(deps, { request: change('CR-2026-726'), profile: testProfile(), submittedBy: 'dana' });
    const other = change('CR-2026-726', (r) => { (r.change_request as Record<string, unknown>).title = 'another title'; });

    // Act
    const attempt = submitChange(deps, { request: other, profile: testProfile(), submittedBy: 'dana' });

    // Assess
    await expect(attempt).rejects.toThrow(new ConflictError('change CR-2026-726 already exists with a different body'));
    expect(starts).toHaveLength(1);
  });
});

describe('submitChange against others', () => {
  it('should refuse a held environment naming the holder and its status, writing nothing', async () => {
    // Arrange
    const { deps, starts } = recorded();
    await submitChange(deps, { request: change('CR-2026-727'), profile: testProfile(), submittedBy: 'dana' });

    // Act
    const attempt = submitChange(deps, { request: change('CR-2026-728'), profile: testProfile(), submittedBy: 'dana' });

    // Assess
    await expect(attempt).rejects.toThrow(new ConflictError('environment test-env already has an active change: CR-2026-727 (SUBMITTED) — wait for it (npx runbook status CR-2026-727 --watch) or end it: npx runbook cancel CR-2026-727'));
    expect(await deps.store.getChange('CR-2026-728')).toBeUndefined();
    expect(starts).toHaveLength(1);
  });

  /** A store on which the identical (or a different) change was created between the read and the create. */
  function racedBy(deps: MemoryDeps, existing: ChangeRecord): Deps['store'] {
    return Object.assign(Object.create(deps.store) as Deps['store'], {
      getChange: async () => undefined,
      createChange: async () => ({ created: false as const, existing }),
    });
  }

  it('should answer the identical submission that won the create race, starting and recording nothing', async () => {
    // Arrange
    const { deps, starts } = recorded();
    const request = change('CR-2026-729');
    const winner = { id: 'CR-2026-729', bodyHash: bodyHash(request, 'test-env'), executionName: 'CR-2026-729', status: 'SUBMITTED' } as ChangeRecord;

    // Act
    const result = await submitChange({ ...deps, store: racedBy(deps, winner) }, { request, profile: testProfile(), submittedBy: 'dana' });

    // Assess
    expect(result).toEqual({ change: winner, created: false, executionName: 'CR-2026-729' });
    expect(starts).toEqual([]);
    expect(deps.notifier.sent).toEqual([]);
    expect(await deps.store.listEvents('CR-2026-729')).toEqual([]);
  });

  it('should refuse when a different body won the create race', async () => {
    // Arrange
    const { deps, starts } = recorded();
    const winner = { id: 'CR-2026-730', bodyHash: 'another', executionName: 'CR-2026-730', status: 'SUBMITTED' } as ChangeRecord;

    // Act
    const attempt = submitChange({ ...deps, store: racedBy(deps, winner) }, { request: change('CR-2026-730'), profile: testProfile(), submittedBy: 'dana' });

    // Assess
    await expect(attempt).rejects.toThrow(new ConflictError('change CR-2026-730 already exists with a different body'));
    expect(starts).toEqual([]);
  });
});
