// Event-driven completions and the step guard, on the real handlers over in-memory adapters.
import { commandOutput, environmentOfAlarm, lastLineJson, onCommandStatus } from '../../lambdas/phases/events';
import { runStep } from '../../lambdas/phases/act';
import { ssmCommandStatusEvent } from '../../lambdas/core/events';
import { StepRefused, TransientError } from '../../lambdas/core/errors';
import { submitChange } from '../../lambdas/phases/submit';
import { transition } from '../../lambdas/phases/common';
import { eventually } from '../support/fakes';
import { createHarness, testChange, testProfile, type Harness } from '../support/harness';

const statusEvent = (id: string) => ssmCommandStatusEvent({ 'command-id': id, 'document-name': 'runbook-HealthCheck', 'expire-after': '', parameters: {}, 'requested-date-time': '', status: 'Success' }, new Date());

describe('event handling', () => {
  let h: Harness;
  beforeEach(() => { h = createHarness(); });
  afterEach(async () => { await h.close(); });

  it('should read the JSON a document prints on its last line, and nothing else', () => {
    expect(lastLineJson('checking…\n{"cpuPercent":12.5}\n')).toEqual({ cpuPercent: 12.5 });
    expect(lastLineJson('{"a":1}\ndone')).toBeUndefined();
    expect(lastLineJson('[1,2]')).toBeUndefined();
    expect(lastLineJson('{not json')).toBeUndefined();
  });

  it('should show a command as its progress (stderr), then its result line, then what was cut, keeping the result', () => {
    // Prepare: 100,000 characters of progress, as a chatty step writes them
    const progress = Array.from({ length: 1000 }, (_, i) => `progress ${String(i + 1).padStart(90, '0')}`).join('\n');
    const note = 'output truncated: the first 76000 characters of stderr were dropped';

    // Act
    const short = commandOutput({ status: 'Success', stdout: '{"ok":true}\n', stderr: '=== CHECK ===\nall good\n' });
    const long = commandOutput({ status: 'Success', stdout: '{"lines":1000}\n', stderr: progress, truncated: { streams: ['stderr'], note } });

    // Assess
    expect(short).toBe('=== CHECK ===\nall good\n{"ok":true}');
    expect(long).toHaveLength(4000);
    expect(long.endsWith(`progress ${'1000'.padStart(90, '0')}\n{"lines":1000}\n[${note}]`)).toBe(true);
    expect(commandOutput({ status: 'Failed', stdout: '', stderr: 'boom\n' })).toBe('boom');
  });

  it('should find the environment of a rollback alarm and ignore other alarms', () => {
    expect(environmentOfAlarm('runbook-kis-core-v3-p95-latency')).toBe('kis-core-v3');
    expect(environmentOfAlarm('runbook-local-demo-error-rate')).toBe('local-demo');
    expect(environmentOfAlarm('some-other-alarm')).toBeUndefined();
  });

  it('should ask for a redelivery when the status event overtakes the command record', async () => {
    await expect(onCommandStatus(h.engine.deps, statusEvent('cmd-unknown'))).rejects.toThrow(TransientError);
  });

  it('should complete the record of a command sent outside any change (a scheduled check) without asking for redelivery', async () => {
    // Prepare
    const { commandId } = await h.hosts.send({ changeId: 'CHECK-test-env', attempt: 1, step: { name: 'preflight-system-health', document: 'runbook-SystemHealth', parameters: {}, timeoutSeconds: 60 }, targets: { kind: 'local' }, comment: 'check' });
    await h.store.putCommand({ commandId, changeId: 'CHECK-test-env', attempt: 1, phase: 'PREFLIGHT', stepName: 'preflight-system-health', document: 'runbook-SystemHealth', parameters: {}, status: 'InProgress', requestedAt: new Date().toISOString() });

    // Act
    await eventually(() => h.store.getCommand(commandId), (c) => c?.status === 'Success');
    await h.bus.drain();

    // Assess
    expect(h.bus.history().filter((d) => d.event.detail && (d.event.detail as { 'command-id'?: string })['command-id'] === commandId)).toEqual([expect.objectContaining({ ok: true })]);
  });

  it('should send a step once when its task is retried, and complete the retried task\'s token', async () => {
    // Prepare: a change in ACT, and a deploy that runs until the test lets it finish.
    await submitChange(h.engine.deps, { request: testChange('CR-2026-961'), profile: testProfile(), submittedBy: 'ops' });
    await eventually(() => h.store.getChange('CR-2026-961'), (c) => c?.status === 'AWAITING_APPROVAL');
    await transition(h.engine.deps, 'CR-2026-961', { status: 'ACTING', phase: 'ACT', message: 'test' });
    h.hosts.hold('deploy');
    const step = { name: 'deploy', document: 'runbook-DeployRelease', parameters: { Release: 'v2.4.0' }, timeoutSeconds: 60, index: 1, phase: 'ACT' as const };
    const first = h.engine.broker.issue('test');
    const retried = h.engine.broker.issue('test');

    // Act: the first try sent the command, then its task was retried with a new token.
    const a = await runStep(h.engine.deps, { changeId: 'CR-2026-961', attempt: 1, taskToken: first.token, command: step });
    const b = await runStep(h.engine.deps, { changeId: 'CR-2026-961', attempt: 1, taskToken: retried.token, command: step });
    h.hosts.open('deploy');

    // Assess
    expect(b.commandId).toBe(a.commandId);
    await expect(retried.result).resolves.toMatchObject({ commandId: a.commandId, status: 'Success' });
    expect(h.hosts.stepNames().filter((n) => n === 'deploy')).toHaveLength(1);
    expect((await h.store.listEvents('CR-2026-961')).map((e) => e.type)).toContain('command.retried');
  });

  it('should refuse an ACT step unless the change is ACTING and no earlier step failed', async () => {
    // Prepare
    await submitChange(h.engine.deps, { request: testChange('CR-2026-960'), profile: testProfile(), submittedBy: 'ops' });
    await eventually(() => h.store.getChange('CR-2026-960'), (c) => c?.status === 'AWAITING_APPROVAL');
    const step = { name: 'deploy', document: 'runbook-DeployRelease', parameters: { Release: 'v2.4.0' }, timeoutSeconds: 60, index: 1, phase: 'ACT' as const };

    // Act + Assess: the change is waiting for approvals, not ACTING.
    await expect(runStep(h.engine.deps, { changeId: 'CR-2026-960', attempt: 1, taskToken: 't', command: step })).rejects.toThrow(StepRefused);
    await transition(h.engine.deps, 'CR-2026-960', { status: 'ACTING', phase: 'ACT', message: 'test' });
    await h.store.putCommand({ commandId: 'c-1', changeId: 'CR-2026-960', attempt: 1, phase: 'ACT', stepName: 'block-traffic', document: 'runbook-TrafficControl', parameters: {}, status: 'Failed', requestedAt: new Date().toISOString() });
    await expect(runStep(h.engine.deps, { changeId: 'CR-2026-960', attempt: 1, taskToken: 't', command: step })).rejects.toThrow(/block-traffic already ended Failed/);
    expect(h.hosts.stepNames().filter((n) => n === 'deploy')).toEqual([]);
  });
});
