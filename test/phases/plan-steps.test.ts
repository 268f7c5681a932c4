// PLAN's steps called directly over the memory store with an injected clock: the risk event, the approval wait with
// a cancel pending, the change-window step's health re-check decision, and the alarm check's refusals and probe wait.
import { probeRunFor } from '../../lambdas/core/active-probe';
import { AlarmActive, AlarmMissing, AlarmNoData } from '../../lambdas/core/errors';
import { rollbackAlarmNames } from '../../lambdas/core/events';
import { callbackKey, type ChangeRecord } from '../../lambdas/core/records';
import { assessRiskStep, awaitApprovals, checkAlarms, scheduleStep, verdictWait } from '../../lambdas/phases/plan';
import type { ActiveProbe, AlarmStateValue, Clock, ProbeRun } from '../../lambdas/ports';
import { memoryDeps, recordingCallbacks, submitted, type MemoryDeps } from '../support/phase-deps';

const NOW = new Date('2026-12-02T10:00:00.000Z');
const names = rollbackAlarmNames('test-env');

/** A clock that moves on `stepMs` at each reading (so every bounded wait ends after a few readings). */
function steppingClock(stepMs: number, from = NOW): Clock & { readings: () => number } {
  let n = 0;
  return { now: () => new Date(from.getTime() + stepMs * n++), readings: () => n };
}

async function changeAt(deps: MemoryDeps, id: string, patch: Partial<ChangeRecord> = {}): Promise<ChangeRecord> {
  const change = await submitted(deps, id);
  return deps.store.updateChange(id, change.version, patch);
}

function withMonitoring(change: ChangeRecord, monitoring: Partial<ChangeRecord['profile']['monitoring']>): Partial<ChangeRecord> {
  return { profile: { ...change.profile, monitoring: { ...change.profile.monitoring, ...monitoring } } };
}

describe('assessRiskStep', () => {
  it('should record the risk and the approvals required, and return them', async () => {
    // Arrange
    const deps = memoryDeps();
    const change = await submitted(deps, 'CR-2026-800');

    // Act
    const result = await assessRiskStep(deps, change.id);

    // Assess
    expect(result).toEqual({ level: change.risk.level, score: change.risk.score, requiredApprovals: change.requiredApprovals });
    const event = (await deps.store.listEvents(change.id)).find((e) => e.type === 'plan.risk-assessed');
    expect(event).toMatchObject({
      phase: 'PLAN', message: `risk ${change.risk.level} (score ${change.risk.score}); approvals required: ${change.requiredApprovals.join(', ')}`,
      data: { risk: change.risk, requiredApprovals: change.requiredApprovals },
    });
  });
});

describe('awaitApprovals', () => {
  it('should park the token and fail it at once with ChangeCancelled when a cancel is pending, asking nobody', async () => {
    // Arrange
    const callbacks = recordingCallbacks();
    const deps = { ...memoryDeps(), callbacks, clock: { now: () => NOW } };
    const change = await changeAt(deps, 'CR-2026-801', { cancelRequest: { by: 'ops', at: NOW.toISOString(), reason: 'not now' } });

    // Act
    await awaitApprovals(deps, change.id, 1, 'approval-token');

    // Assess
    expect(callbacks.sent).toEqual([{ token: 'approval-token', outcome: 'failure', error: 'ChangeCancelled', cause: 'cancelled by ops: not now' }]);
    expect(await deps.store.getCallback(callbackKey('approval', change.id, 1))).toEqual({
      key: callbackKey('approval', change.id, 1), kind: 'approval', changeId: change.id, attempt: 1, token: 'approval-token', createdAt: NOW.toISOString(),
    });
    expect(deps.notifier.sent.map((n) => n.kind)).not.toContain('approval-needed');
  });

  it('should move the change to AWAITING_APPROVAL naming the roles, and ask for them with the risk in the notification', async () => {
    // Arrange
    const callbacks = recordingCallbacks();
    const deps = { ...memoryDeps(), callbacks };
    const change = await submitted(deps, 'CR-2026-802');

    // Act
    await awaitApprovals(deps, change.id, 1, 'approval-token');

    // Assess
    expect(await deps.store.getChange(change.id)).toMatchObject({ status: 'AWAITING_APPROVAL', phase: 'PLAN' });
    const waiting = (await deps.store.listEvents(change.id)).find((e) => e.type === 'status.awaiting_approval');
    expect(waiting?.message).toBe(`waiting for approvals: ${change.requiredApprovals.join(', ')}`);
    expect(deps.notifier.sent.find((n) => n.kind === 'approval-needed')).toEqual({
      kind: 'approval-needed', severity: 'info', changeId: change.id, status: 'AWAITING_APPROVAL',
      title: `Approval needed: ${change.id} ${change.title}`,
      text: `Risk ${change.risk.level}. Missing approvals: ${change.requiredApprovals.join(', ')}.`,
    });
    expect(callbacks.sent).toEqual([]);
  });
});

describe('scheduleStep', () => {
  async function preflightAt(deps: MemoryDeps, change: ChangeRecord, at: Date, attempt = 1, type = 'preflight.passed'): Promise<void> {
    await deps.store.appendEvent({ changeId: change.id, attempt, at: at.toISOString(), actor: 'test', type, message: 'test' });
  }

  it('should ask for the health check again once the pre-flight is exactly as old as the profile allows', async () => {
    // Arrange
    const deps = { ...memoryDeps(), clock: { now: () => NOW } };
    const base = await submitted(deps, 'CR-2026-810');
    const change = await deps.store.updateChange(base.id, base.version, { profile: { ...base.profile, preflightRecheckAfterMinutes: 30 } });
    await preflightAt(deps, change, new Date(NOW.getTime() - 30 * 60_000));

    // Act
    const result = await scheduleStep(deps, change.id);

    // Assess
    expect(result).toEqual({ recheckHealth: true, minutesSincePreflight: 30 });
    expect(await deps.store.getChange(change.id)).toMatchObject({ status: 'SCHEDULED', phase: 'PLAN' });
    const event = (await deps.store.listEvents(change.id)).find((e) => e.type === 'status.scheduled');
    expect(event?.message).toBe(`approved; change window opens ${change.request.timeline.planned_start}; system health will be checked again before ACT (30 min since pre-flight, limit 30 min)`);
    expect(event?.data).toEqual({ recheckHealth: true, minutesSincePreflight: 30, preflightRecheckAfterMinutes: 30 });
  });

  it('should not ask again for a pre-flight a moment younger than the limit, rounding the minutes to a tenth', async () => {
    // Arrange
    const deps = { ...memoryDeps(), clock: { now: () => NOW } };
    const base = await submitted(deps, 'CR-2026-811');
    const change = await deps.store.updateChange(base.id, base.version, { profile: { ...base.profile, preflightRecheckAfterMinutes: 30 } });
    await preflightAt(deps, change, new Date(NOW.getTime() - 30 * 60_000 + 1));

    // Act
    const result = await scheduleStep(deps, change.id);

    // Assess
    expect(result).toEqual({ recheckHealth: false, minutesSincePreflight: 30 });
    const event = (await deps.store.listEvents(change.id)).find((e) => e.type === 'status.scheduled');
    expect(event?.message).toBe(`approved; change window opens ${change.request.timeline.planned_start}`);
  });

  it('should measure to a window still ahead, from the latest start of the asked attempt', async () => {
    // Arrange
    const deps = { ...memoryDeps(), clock: { now: () => NOW } };
    const base = await submitted(deps, 'CR-2026-812');
    const opens = new Date(NOW.getTime() + 90 * 60_000);
    const change = await deps.store.updateChange(base.id, base.version, {
      attempt: 2, request: { ...base.request, timeline: { ...base.request.timeline, planned_start: opens.toISOString() } },
    });
    await preflightAt(deps, change, new Date(NOW.getTime() - 600 * 60_000), 2, 'preflight.passed');
    await preflightAt(deps, change, new Date(NOW.getTime() - 6_000), 2, 'attempt.started');
    await preflightAt(deps, change, NOW, 3, 'attempt.started');
    await preflightAt(deps, change, NOW, 2, 'preflight.failed');

    // Act
    const result = await scheduleStep(deps, change.id, 2);

    // Assess
    expect(result).toEqual({ recheckHealth: true, minutesSincePreflight: 90.1 });
  });

  it('should take the change\'s attempt and count from now when no pre-flight of it is recorded', async () => {
    // Arrange
    const deps = { ...memoryDeps(), clock: { now: () => NOW } };
    const change = await changeAt(deps, 'CR-2026-813', { attempt: 2 });
    await preflightAt(deps, change, new Date(NOW.getTime() - 600 * 60_000), 1);

    // Act
    const result = await scheduleStep(deps, change.id);

    // Assess
    expect(result).toEqual({ recheckHealth: false, minutesSincePreflight: 0 });
  });
});

describe('checkAlarms', () => {
  function probe(warmup: { seconds: number; pollMs: number }): ActiveProbe & { runs: ProbeRun[] } {
    const runs: ProbeRun[] = [];
    return { runs, warmup, start: async (run) => { runs.push(run); return { scheduleName: `probe-${run.changeId}` }; }, stop: async () => ({ stopped: true }) };
  }

  it('should refuse with AlarmMissing naming the alarms that do not exist', async () => {
    // Arrange
    const deps = memoryDeps();
    const change = await submitted(deps, 'CR-2026-820');
    (deps.alarms as unknown as { missing: Set<string> }).missing.add(names.latency).add(names.errorRate);

    // Act
    const checking = checkAlarms(deps, change.id);

    // Assess
    await expect(checking).rejects.toThrow(AlarmMissing);
    await expect(checking).rejects.toThrow(`rollback alarm missing: ${names.latency}, ${names.errorRate} — nothing would roll the change back`);
  });

  it('should refuse with AlarmNoData naming one silent alarm, and the plural for two, without a probe to wait for', async () => {
    // Arrange
    const deps = memoryDeps();
    const change = await submitted(deps, 'CR-2026-821');
    const alarms = deps.alarms as unknown as { silent: Set<string> };
    alarms.silent.add(names.errorRate);
    const one = checkAlarms(deps, change.id);
    await expect(one).rejects.toThrow(AlarmNoData);
    alarms.silent.add(names.latency);

    // Act
    const two = checkAlarms(deps, change.id);

    // Assess
    await expect(one).rejects.toThrow(`rollback alarm ${names.errorRate}: no datapoint in the last ${change.profile.monitoring.recentDataSeconds} s — nothing would be watching the change (does anything publish the metrics?)`);
    await expect(two).rejects.toThrow(`rollback alarms ${names.latency}, ${names.errorRate}: no datapoint in the last`);
  });

  it('should start the probe, wait for its first datapoints, then record the alarms clear', async () => {
    // Arrange
    const clock = steppingClock(100);
    const active = probe({ seconds: 5, pollMs: 0 });
    const deps = { ...memoryDeps(), clock, activeProbe: active };
    const base = await submitted(deps, 'CR-2026-822');
    const change = await deps.store.updateChange(base.id, base.version, { attempt: 2 });
    let polls = 0;
    const fake = deps.alarms as unknown as { newestDatapoints: (n: string[]) => Promise<{ name: string; newestAt?: string }[]> };
    // The first datapoints of one metric come at once, of the other on the third read.
    fake.newestDatapoints = async (ns) => { polls += 1; return ns.map((name, i) => (polls < 3 && i === 0 ? { name } : { name, newestAt: NOW.toISOString() })); };

    // Act
    await checkAlarms(deps, change.id, 1);

    // Assess
    expect(change.attempt).toBe(2);
    expect(polls).toBe(3);
    expect(active.runs).toHaveLength(1);
    expect(active.runs[0]).toEqual({ ...probeRunFor(change.id, 1, change.profile, NOW), endAt: active.runs[0]?.endAt });
    const events = await deps.store.listEvents(change.id);
    expect(events.find((e) => e.type === 'plan.probe-started')).toMatchObject({
      phase: 'PLAN', attempt: 1, data: { scheduleName: 'probe-CR-2026-822' },
      message: 'active probe started (schedule probe-CR-2026-822); waiting up to 5 s for its first datapoints',
    });
    const clear = events.find((e) => e.type === 'plan.alarms-clear');
    expect(clear).toMatchObject({ phase: 'PLAN', message: 'rollback alarms clear and fed with recent data; starting ACT' });
    expect(clear?.data?.alarms).toEqual([{ name: names.latency, state: 'OK', reason: 'set by test' }, { name: names.errorRate, state: 'OK', reason: 'set by test' }]);
    expect(clear?.data?.newestDatapoints).toEqual([{ name: names.latency, newestAt: NOW.toISOString() }, { name: names.errorRate, newestAt: NOW.toISOString() }]);
  });

  it('should give up waiting for the probe\'s datapoints at the end of its warm-up with AlarmNoData', async () => {
    // Arrange
    const clock = steppingClock(1000);
    const deps = { ...memoryDeps(), clock, activeProbe: probe({ seconds: 5, pollMs: 0 }) };
    const change = await submitted(deps, 'CR-2026-823');
    let polls = 0;
    const fake = deps.alarms as unknown as { newestDatapoints: (n: string[]) => Promise<{ name: string; newestAt?: string }[]> };
    fake.newestDatapoints = async (ns) => { polls += 1; return ns.map((name) => ({ name })); };

    // Act
    const checking = checkAlarms(deps, change.id);

    // Assess
    await expect(checking).rejects.toThrow(AlarmNoData);
    // One reading a second against a 5-s warm-up: read again at 1, 2, 3 and 4 s, given up at 5 s.
    expect(polls).toBe(5);
  });

  it('should not start the probe for a profile reading its own CloudWatch metrics', async () => {
    // Arrange
    const active = probe({ seconds: 5, pollMs: 0 });
    const deps = { ...memoryDeps(), activeProbe: active };
    const base = await submitted(deps, 'CR-2026-824');
    const monitoring = { ...base.profile.monitoring, source: 'cloudwatch' as const };
    await deps.store.updateChange(base.id, base.version, { profile: { ...base.profile, monitoring } });
    (deps.alarms as unknown as { silent: Set<string> }).silent.add(names.latency);

    // Act
    const checking = checkAlarms(deps, base.id);

    // Assess
    await expect(checking).rejects.toThrow(AlarmNoData);
    expect(active.runs).toEqual([]);
  });

  it('should refuse with AlarmActive naming each firing alarm and its reason', async () => {
    // Arrange
    const deps = memoryDeps();
    const change = await submitted(deps, 'CR-2026-825');
    const fake = deps.alarms as unknown as { state: Map<string, AlarmStateValue> };
    fake.state.set(names.latency, 'ALARM').set(names.errorRate, 'ALARM');

    // Act
    const checking = checkAlarms(deps, change.id);

    // Assess
    await expect(checking).rejects.toThrow(AlarmActive);
    await expect(checking).rejects.toThrow(`rollback alarm already in ALARM: ${names.latency} (set by test); ${names.errorRate} (set by test)`);
  });

  it('should refuse with AlarmNoData when INSUFFICIENT_DATA stays on data flowing and missing data is breaching', async () => {
    // Arrange
    const clock = steppingClock(20_000);
    const deps = { ...memoryDeps(), clock };
    const base = await submitted(deps, 'CR-2026-826');
    await deps.store.updateChange(base.id, base.version, withMonitoring(base, { missingData: 'breaching' }));
    const fake = deps.alarms as unknown as { state: Map<string, AlarmStateValue>; reads: number };
    fake.state.set(names.errorRate, 'INSUFFICIENT_DATA');

    // Act
    const checking = checkAlarms(deps, base.id);

    // Assess
    await expect(checking).rejects.toThrow(AlarmNoData);
    await expect(checking).rejects.toThrow(new RegExp(`^rollback alarm ${names.errorRate}: not evaluated within \\d+(\\.\\d)? s though the metrics have data — no verdict to start ACT on$`));
    expect(fake.reads).toBeGreaterThan(1);
  });

  it('should take INSUFFICIENT_DATA as a verdict at once when missing data is not breaching', async () => {
    // Arrange
    const clock = steppingClock(20_000);
    const deps = { ...memoryDeps(), clock };
    const base = await submitted(deps, 'CR-2026-827');
    await deps.store.updateChange(base.id, base.version, withMonitoring(base, { missingData: 'notBreaching' }));
    const fake = deps.alarms as unknown as { state: Map<string, AlarmStateValue>; reads: number };
    fake.state.set(names.errorRate, 'INSUFFICIENT_DATA');

    // Act
    await checkAlarms(deps, base.id);

    // Assess
    expect(fake.reads).toBe(2);
    const clear = (await deps.store.listEvents(base.id)).find((e) => e.type === 'plan.alarms-clear');
    expect(clear?.data?.verdictWaitMs).toBe(20_000);
  });
  describe('waiting for a verdict', () => {
    type Reading = Record<string, { state: AlarmStateValue; reason: string }>;
    const unchecked = { state: 'INSUFFICIENT_DATA' as const, reason: 'Unchecked: Initial alarm creation' };
    const ok = { state: 'OK' as const, reason: 'fine' };

    /** Deps whose alarm states are `readings` by read number (the last repeats), with a stepping clock and a 50-ms poll. */
    async function verdictDeps(id: string, stepMs: number, readings: Reading[]): Promise<{ deps: MemoryDeps; reads: () => number }> {
      const deps = { ...memoryDeps(), clock: steppingClock(stepMs) };
      const base = await submitted(deps, id);
      // 0.2-s periods: a 10-s verdict wait read every 50 ms (the profile schema would want whole seconds).
      await deps.store.updateChange(base.id, base.version, withMonitoring(base, { periodSeconds: 0.2, evaluationPeriods: 1 }));
      let reads = 0;
      (deps.alarms as unknown as { states: (ns: string[]) => Promise<unknown> }).states = async (ns) => {
        const reading = readings[Math.min(reads, readings.length - 1)] ?? {};
        reads += 1;
        return ns.map((name) => ({ name, ...(reading[name] ?? ok) }));
      };
      return { deps, reads: () => reads };
    }

    it('should read again while an alarm has not evaluated and start ACT on its first verdict', async () => {
      // Arrange
      const { deps, reads } = await verdictDeps('CR-2026-830', 100, [{}, { [names.latency]: unchecked }, {}]);

      // Act
      await checkAlarms(deps, 'CR-2026-830');

      // Assess
      expect(reads()).toBe(3);
      expect((await deps.store.listEvents('CR-2026-830')).map((e) => e.type)).toContain('plan.alarms-clear');
    });

    it('should stop waiting at once when one alarm fires while another has no verdict yet', async () => {
      // Arrange
      const { deps, reads } = await verdictDeps('CR-2026-831', 100, [{}, { [names.latency]: unchecked, [names.errorRate]: { state: 'ALARM', reason: 'errors' } }]);

      // Act
      const checking = checkAlarms(deps, 'CR-2026-831');

      // Assess
      await expect(checking).rejects.toThrow(`rollback alarm already in ALARM: ${names.errorRate} (errors)`);
      expect(reads()).toBe(2);
    });

    it('should wait no longer than the verdict bound and name every alarm still without a verdict and how long it waited', async () => {
      // Arrange: one clock reading every 5 s against a 10-s bound: read again at 5 s, given up at 10 s
      const { deps, reads } = await verdictDeps('CR-2026-832', 5000, [{}, { [names.latency]: unchecked, [names.errorRate]: unchecked }]);

      // Act
      const checking = checkAlarms(deps, 'CR-2026-832');

      // Assess
      await expect(checking).rejects.toThrow(`rollback alarms ${names.latency}, ${names.errorRate}: not evaluated within 15 s though the metrics have data — no verdict to start ACT on`);
      expect(reads()).toBe(3);
    });
  });

  it('should bound the verdict wait by twice the evaluation range, 10 s to 150 s, read every quarter period (50 ms to 1 s)', () => {
    // Arrange
    const cases = [
      { periodSeconds: 1, evaluationPeriods: 2 }, { periodSeconds: 10, evaluationPeriods: 1 }, { periodSeconds: 0.1, evaluationPeriods: 3 },
      { periodSeconds: 2, evaluationPeriods: 2 }, { periodSeconds: 60, evaluationPeriods: 3 }, { periodSeconds: 3, evaluationPeriods: 2 },
    ];

    // Act
    const waits = cases.map(verdictWait);

    // Assess
    expect(waits).toEqual([
      { seconds: 10, pollMs: 250 }, { seconds: 60, pollMs: 1000 }, { seconds: 10, pollMs: 50 },
      { seconds: 16, pollMs: 500 }, { seconds: 150, pollMs: 1000 }, { seconds: 24, pollMs: 750 },
    ]);
  });
});

