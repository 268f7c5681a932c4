// Whole changes through HTTP on a real `runbook serve` server with in-memory hosts: submit → three approvals →
// COMPLETED; the approval quorum by risk tier; a reject; every kind of cancel; the next attempt after a rollback;
// the notifications the local notifier prints and writes; a graceful stop and a restart.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../support/fakes';
import { change, startTestServer, type TestServer } from './server-harness';

jest.setTimeout(30_000);

const notifications = (t: TestServer): { kind: string; severity: string; status?: string; changeId: string; text: string }[] => {
  const file = join(t.home, 'notifications.jsonl');
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : [];
};

/** HIGH risk: high × major = 4 × 4 = 16. */
const highRisk = (id: string) => change(id, (raw) => {
  raw.risks_and_mitigations = [{ risk: 'schema change on the busiest table', probability: 'high', impact: 'major', mitigation: 'rehearsed on staging' }];
});

describe('changes through the API', () => {
  let t: TestServer;
  afterEach(async () => { await t.close(); });

  it('should take a change from submission through three approvals to COMPLETED, with its report and notifications', async () => {
    // Prepare
    t = await startTestServer();
    await t.submit(change('CR-2026-400'));
    await t.waitFor('CR-2026-400', (s) => s === 'AWAITING_APPROVAL');

    // Act
    const technical = await t.approve('CR-2026-400', 'technical');
    const business = await t.approve('CR-2026-400', 'business');
    const security = await t.approve('CR-2026-400', 'security');
    await t.waitFor('CR-2026-400', (s) => s === 'COMPLETED');
    await t.settled('CR-2026-400');

    // Assess
    expect([technical.json.state, business.json.state, security.json.state]).toEqual(['pending', 'pending', 'approved']);
    expect(security.json.missing).toEqual([]);
    expect(t.hosts.stepNames()).toEqual(['preflight-system-health', 'preflight-dependencies', 'preflight-backup', 'block-traffic', 'deploy', 'health-check', 'restore-traffic', 'report-health']);
    const report = await t.request('GET', '/changes/CR-2026-400/report');
    expect(report.json).toMatchObject({ changeId: 'CR-2026-400', attempt: 1, outcome: 'COMPLETED' });
    expect(report.json.report.deployment).toMatchObject({ id: 'CR-2026-400', status: 'SUCCESS', operator: 'ops-operator' });
    const qc = await t.request('GET', '/changes/CR-2026-400/report?format=qc');
    expect(qc.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(qc.text.split('\n')[3]).toMatch(/^Status: SUCCESS/);
    const md = await t.request('GET', '/changes/CR-2026-400/report?format=md');
    expect(md.headers.get('content-type')).toMatch(/^text\/markdown/);
    expect(md.text).toContain('# Deployment report CR-2026-400');
    const retro = await t.request('GET', '/changes/CR-2026-400/report?format=retro');
    expect(retro.headers.get('content-type')).toMatch(/^application\/yaml/);
    expect(retro.text).toContain('deployment_id: CR-2026-400');
    expect(retro.text).toContain('alice (technical approver)');
    const history = await t.request('GET', '/changes/CR-2026-400/history');
    expect(history.json.status).toBe('SUCCEEDED');
    expect((history.json.states as { name: string }[]).at(-1)?.name).toBe('Change Completed');
    expect(notifications(t).map((n) => n.kind)).toEqual(['submitted', 'approval-needed', 'completed']);
    expect(notifications(t).at(-1)?.text).toContain('Overall: SUCCESS');
    expect(t.lines.some((l) => l.includes('CR-2026-400 completed [COMPLETED]'))).toBe(true);
    expect(t.lines).toContain('  POST /changes/CR-2026-400/approvals → 201 (alice)');
    // The environment is free again.
    expect((await t.submit(change('CR-2026-401'))).status).toBe(202);
  });

  it('should require the executive approval for a HIGH-risk change and wait for it', async () => {
    // Prepare
    t = await startTestServer();
    const submitted = await t.submit(highRisk('CR-2026-410'));
    await t.waitFor('CR-2026-410', (s) => s === 'AWAITING_APPROVAL');

    // Act
    await t.approveAll('CR-2026-410', ['technical', 'business', 'security']);
    const waiting = await t.request('GET', '/changes/CR-2026-410');
    const executive = await t.approve('CR-2026-410', 'executive');
    await t.waitFor('CR-2026-410', (s) => s === 'COMPLETED');

    // Assess
    expect(submitted.json).toMatchObject({ riskLevel: 'HIGH', requiredApprovals: ['technical', 'business', 'security', 'executive'] });
    expect(waiting.json).toMatchObject({ status: 'AWAITING_APPROVAL', approvals: { state: 'pending', missing: ['executive'] } });
    expect(executive.json).toMatchObject({ approver: 'erin', state: 'approved' });
  });

  it('should end the change REJECTED on one reject, touch nothing and free the environment', async () => {
    // Prepare
    t = await startTestServer();
    await t.submit(change('CR-2026-420'));
    await t.waitFor('CR-2026-420', (s) => s === 'AWAITING_APPROVAL');
    await t.approve('CR-2026-420', 'technical');

    // Act
    const r = await t.approve('CR-2026-420', 'security', 'reject');
    await t.waitFor('CR-2026-420', (s) => s === 'REJECTED');
    await t.settled('CR-2026-420');

    // Assess
    expect(r.json).toMatchObject({ decision: 'reject', state: 'rejected' });
    expect(t.hosts.stepNames().filter((s) => !s.startsWith('preflight-'))).toEqual([]);
    expect((await t.request('GET', '/changes/CR-2026-420/report')).json.outcome).toBe('REJECTED');
    expect(notifications(t).map((n) => n.kind)).toContain('rejected');
    expect((await t.submit(change('CR-2026-421'))).status).toBe(202);
  });

  it('should start the next attempt as <id>-2 when a rolled-back change is approved again', async () => {
    // Prepare: the first deploy fails, the second works.
    let deploys = 0;
    t = await startTestServer({ behaviour: (req) => (req.step.name === 'deploy' && ++deploys === 1 ? { status: 'Failed', stderr: 'image not found' } : { status: 'Success' }) });
    await t.submit(change('CR-2026-430'));
    await t.waitFor('CR-2026-430', (s) => s === 'AWAITING_APPROVAL');
    await t.approveAll('CR-2026-430');
    await t.waitFor('CR-2026-430', (s) => s === 'ROLLED_BACK');

    // Act
    await t.approve('CR-2026-430', 'technical');
    await t.approve('CR-2026-430', 'business');
    const last = await t.approve('CR-2026-430', 'security');
    await t.waitFor('CR-2026-430', (s) => s === 'COMPLETED');
    // Read histories only once their executions have ended (a status is written before the run's last states).
    await t.settled('CR-2026-430');
    await t.settled('CR-2026-430-2');

    // Assess
    expect(last.json).toMatchObject({ attempt: 2, state: 'approved', startedExecution: 'CR-2026-430-2' });
    const c = (await t.request('GET', '/changes/CR-2026-430')).json;
    expect(c).toMatchObject({ attempt: 2, executionName: 'CR-2026-430-2' });
    expect((await t.request('GET', '/changes/CR-2026-430/report?attempt=1')).json.outcome).toBe('ROLLED_BACK');
    expect((await t.request('GET', '/changes/CR-2026-430/history?attempt=1')).json.status).toBe('FAILED');
    expect(notifications(t).map((n) => n.kind)).toEqual(expect.arrayContaining(['rollback', 'rolled-back', 'completed']));
  });

  it('should print and write a critical manual-intervention notification when the rollback fails, and keep the environment locked', async () => {
    // Prepare
    t = await startTestServer({ behaviour: (req) => (req.step.name === 'deploy' || req.step.name === 'rollback-release' ? { status: 'Failed', stderr: 'disk full' } : { status: 'Success' }) });
    await t.submit(change('CR-2026-435'));
    await t.waitFor('CR-2026-435', (s) => s === 'AWAITING_APPROVAL');

    // Act
    await t.approveAll('CR-2026-435');
    await t.waitFor('CR-2026-435', (s) => s === 'MANUAL_INTERVENTION');
    await t.settled('CR-2026-435');

    // Assess
    const last = notifications(t).at(-1);
    expect(last).toMatchObject({ kind: 'manual-intervention', severity: 'critical', status: 'MANUAL_INTERVENTION', changeId: 'CR-2026-435' });
    expect(last?.text).toContain('Status: MANUAL_INTERVENTION');
    expect(t.lines.some((l) => l.startsWith('  🚨 CR-2026-435 manual-intervention [MANUAL_INTERVENTION]'))).toBe(true);
    const locked = await t.submit(change('CR-2026-436'));
    expect(locked.json.error.message).toBe('environment test-env already has an active change: CR-2026-435 (MANUAL_INTERVENTION) — restore the service by hand, then free the environment: npx runbook release CR-2026-435');
  });

  it('should free the environment after manual intervention only when an operator releases it, on the record', async () => {
    // Prepare
    t = await startTestServer({ behaviour: (req) => (req.step.name === 'deploy' || req.step.name === 'rollback-release' ? { status: 'Failed', stderr: 'disk full' } : { status: 'Success' }) });
    await t.submit(change('CR-2026-437'));
    await t.waitFor('CR-2026-437', (s) => s === 'AWAITING_APPROVAL');
    await t.approveAll('CR-2026-437');
    await t.waitFor('CR-2026-437', (s) => s === 'MANUAL_INTERVENTION');
    await t.settled('CR-2026-437');

    // Act
    const released = await t.request('POST', '/changes/CR-2026-437/release', { contentType: 'application/json', body: '{"reason":"restored v2.3.1 by hand"}' });
    const again = await t.request('POST', '/changes/CR-2026-432/release');

    // Assess
    expect(released.status).toBe(200);
    expect(released.json).toEqual({ changeId: 'CR-2026-437', environment: 'test-env', releasedBy: 'ops-operator', reason: 'restored v2.3.1 by hand' });
    const c = (await t.request('GET', '/changes/CR-2026-437')).json;
    expect(c.status).toBe('MANUAL_INTERVENTION');
    expect((c.timeline as { type: string }[]).map((e) => e.type)).toContain('environment.released');
    expect(again.status).toBe(404);
    expect((await t.submit(change('CR-2026-438'))).status).toBe(202);
    const notAllowed = await t.request('POST', '/changes/CR-2026-438/release');
    expect(notAllowed.status).toBe(409);
  });

  describe('cancel', () => {
    it('should stop the execution before ACT and end CANCELLED with a report, the lock released and a notification', async () => {
      // Prepare
      t = await startTestServer();
      await t.submit(change('CR-2026-440'));
      await t.waitFor('CR-2026-440', (s) => s === 'AWAITING_APPROVAL');

      // Act
      const r = await t.request('POST', '/changes/CR-2026-440/cancel', { contentType: 'application/json', body: JSON.stringify({ reason: 'change window moved' }) });

      // Assess
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({ changeId: 'CR-2026-440', status: 'CANCELLED', action: 'stopped', cancelRequest: { by: 'ops-operator', reason: 'change window moved' } });
      const c = (await t.request('GET', '/changes/CR-2026-440')).json;
      expect(c.reason).toBe('cancelled by ops-operator: change window moved');
      expect((c.timeline as { type: string }[]).map((e) => e.type)).toContain('cancel.requested');
      expect((await t.request('GET', '/changes/CR-2026-440/report?format=qc')).text).toContain('Status: CANCELLED');
      const history = (await t.request('GET', '/changes/CR-2026-440/history')).json;
      expect(history).toMatchObject({ status: 'ABORTED', cause: 'cancelled by ops-operator: change window moved' });
      expect(t.server.runtime.engine.broker.outstanding()).toBe(0);
      expect(t.hosts.stepNames().filter((s) => !s.startsWith('preflight-'))).toEqual([]);
      expect(notifications(t).at(-1)).toMatchObject({ kind: 'ended', status: 'CANCELLED', changeId: 'CR-2026-440' });
      expect((await t.submit(change('CR-2026-441'))).status).toBe(202);
    });

    it('should let the running ACT step finish, refuse the next one and roll back, then close the change CANCELLED', async () => {
      // Prepare
      t = await startTestServer();
      t.hosts.hold('deploy');
      await t.submit(change('CR-2026-450'));
      await t.waitFor('CR-2026-450', (s) => s === 'AWAITING_APPROVAL');
      await t.approveAll('CR-2026-450');
      await eventually(async () => t.hosts.stepNames(), (steps) => steps.includes('deploy'));

      // Act
      const r = await t.request('POST', '/changes/CR-2026-450/cancel', { body: '{"reason":"bad build"}', contentType: 'application/json' });
      t.hosts.open('deploy');
      await t.waitFor('CR-2026-450', (s) => s === 'CANCELLED');
      await t.settled('CR-2026-450');

      // Assess
      expect(r.status).toBe(202);
      expect(r.json).toMatchObject({ status: 'ACTING', action: 'rollback-after-current-step' });
      const steps = t.hosts.stepNames();
      expect(steps.slice(steps.indexOf('deploy'))).toEqual(['deploy', 'rollback-release', 'rollback-health-check', 'report-health']);
      const report = (await t.request('GET', '/changes/CR-2026-450/report')).json;
      expect(report.outcome).toBe('CANCELLED');
      expect(report.report.deployment.status).toBe('ROLLED_BACK');
      expect(report.report.rollback).toMatchObject({ executed: true, reason: 'StepRefused: health-check: refused, cancelled by ops-operator: bad build' });
      // The change shows CANCELLED a few writes before its execution ends (status, then lock, notification, end).
      await t.settled('CR-2026-450');
      const history = (await t.request('GET', '/changes/CR-2026-450/history')).json;
      expect(history).toMatchObject({ status: 'FAILED', error: 'ChangeCancelled' });
      const c = (await t.request('GET', '/changes/CR-2026-450')).json;
      expect(c.reason).toBe('cancelled by ops-operator: bad build');
      expect((await t.submit(change('CR-2026-451'))).status).toBe(202);
    });

    it('should end the monitoring window with ChangeCancelled, roll back and close the change CANCELLED', async () => {
      // Prepare: a long window, so only the cancel ends it.
      t = await startTestServer({ monitorWindowMs: 60_000 });
      await t.submit(change('CR-2026-460'));
      await t.waitFor('CR-2026-460', (s) => s === 'AWAITING_APPROVAL');
      await t.approveAll('CR-2026-460');
      await t.waitFor('CR-2026-460', (s) => s === 'MONITORING');
      await eventually(() => t.server.runtime.store.getCallback('monitor#CR-2026-460#1'), (cb) => cb !== undefined);

      // Act
      const r = await t.request('POST', '/changes/CR-2026-460/cancel');
      await t.waitFor('CR-2026-460', (s) => s === 'CANCELLED');
      await t.settled('CR-2026-460');
      await eventually(async () => notifications(t).at(-1)?.status, (s) => s === 'CANCELLED');

      // Assess
      expect(r.status).toBe(202);
      expect(r.json).toMatchObject({ status: 'MONITORING', action: 'rolling-back', cancelRequest: { by: 'ops-operator', reason: null } });
      expect(t.hosts.stepNames().slice(-3)).toEqual(['rollback-release', 'rollback-health-check', 'report-health']);
      const report = (await t.request('GET', '/changes/CR-2026-460/report')).json;
      expect(report.report.rollback).toMatchObject({ executed: true, reason: 'ChangeCancelled: cancelled by ops-operator' });
      const states = (await t.request('GET', '/changes/CR-2026-460/history')).json.states as { name: string; status: string; error?: string }[];
      expect(states.find((s) => s.name === 'Monitor Watch Alarms')).toMatchObject({ status: 'caught', error: 'ChangeCancelled' });
      expect(notifications(t).at(-1)).toMatchObject({ kind: 'ended', status: 'CANCELLED' });
    });

    it('should close a rolled-back change as CANCELLED at once, and refuse further approvals', async () => {
      // Prepare
      t = await startTestServer({ behaviour: (req) => (req.step.name === 'deploy' ? { status: 'Failed' } : { status: 'Success' }) });
      await t.submit(change('CR-2026-470'));
      await t.waitFor('CR-2026-470', (s) => s === 'AWAITING_APPROVAL');
      await t.approveAll('CR-2026-470');
      await t.waitFor('CR-2026-470', (s) => s === 'ROLLED_BACK');

      // Act
      const r = await t.request('POST', '/changes/CR-2026-470/cancel', { body: 'reason: not worth another try', contentType: 'application/yaml' });
      const again = await t.request('POST', '/changes/CR-2026-470/cancel');
      const approval = await t.approve('CR-2026-470', 'technical');

      // Assess
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({ status: 'CANCELLED', action: 'closed' });
      expect(again.status).toBe(200);
      expect(again.json).toMatchObject({ status: 'CANCELLED', action: 'already-cancelled' });
      expect(approval.status).toBe(409);
      expect((await t.request('GET', '/changes/CR-2026-470/report')).json.outcome).toBe('ROLLED_BACK');
      expect((await t.submit(change('CR-2026-471'))).status).toBe(202);
    });

    it('should answer 409 while the change is in TEST, and 409 once it is over', async () => {
      // Prepare: hold the load test so the change stays in TESTING.
      t = await startTestServer();
      let release = (): void => undefined;
      t.tester.gate = new Promise((r) => { release = r; });
      await t.submit(change('CR-2026-480'));
      await t.waitFor('CR-2026-480', (s) => s === 'AWAITING_APPROVAL');
      await t.approveAll('CR-2026-480');
      await t.waitFor('CR-2026-480', (s) => s === 'TESTING');

      // Act
      const during = await t.request('POST', '/changes/CR-2026-480/cancel');
      release();
      await t.waitFor('CR-2026-480', (s) => s === 'COMPLETED');
      const after = await t.request('POST', '/changes/CR-2026-480/cancel');

      // Assess
      expect(during.status).toBe(409);
      expect(during.json.error.message).toContain('is TESTING');
      expect(after.status).toBe(409);
      expect(after.json.error.message).toBe('change CR-2026-480 is COMPLETED: there is nothing left to cancel');
    });

    it('should answer 404 for an unknown change and 400 for an unknown body field', async () => {
      // Prepare
      t = await startTestServer();

      // Act
      const unknown = await t.request('POST', '/changes/CR-2026-499/cancel');
      await t.submit(change('CR-2026-490'));
      const badBody = await t.request('POST', '/changes/CR-2026-490/cancel', { body: '{"why":"x"}', contentType: 'application/json' });

      // Assess
      expect(unknown.status).toBe(404);
      expect(badBody.status).toBe(400);
      expect(await t.statusOf('CR-2026-490')).not.toBe('CANCELLED');
    });
  });

  describe('stopping and restarting the server', () => {
    const home = mkdtempSync(join(tmpdir(), 'runbook-restart-'));
    afterAll(() => rmSync(home, { recursive: true, force: true }));

    it('should keep a change waiting for approvals across a stop and restart, approvals given kept, and let it be approved to COMPLETED', async () => {
      // Prepare: one approval in, then the server stops
      t = await startTestServer({ home, persist: true });
      await t.submit(change('CR-2026-500'));
      await t.waitFor('CR-2026-500', (s) => s === 'AWAITING_APPROVAL');
      expect((await t.approve('CR-2026-500', 'technical')).status).toBe(201);
      expect(JSON.parse(readFileSync(join(home, 'serve.json'), 'utf8'))).toMatchObject({ url: t.url, pid: process.pid, environment: 'test-env' });

      // Act
      await t.server.close();
      expect(t.lines.some((l) => l.includes('CR-2026-500 was AWAITING_APPROVAL: marked INTERRUPTED — it keeps environment test-env; the next start waits for its approvals again'))).toBe(true);
      t = await startTestServer({ home, persist: true });

      // Assess: waiting again, as a resumed execution, before any new work
      expect(t.lines).toContain('resuming what a process that ended left unfinished, before accepting new work:');
      expect(t.lines.findIndex((l) => l.includes('CR-2026-500: interrupted while AWAITING_APPROVAL: waiting again for approvals'))).toBeLessThan(t.lines.findIndex((l) => l.startsWith('runbook serve: ')));
      await t.waitFor('CR-2026-500', (s) => s === 'AWAITING_APPROVAL');
      const c = (await t.request('GET', '/changes/CR-2026-500')).json;
      expect(c).toMatchObject({ executionName: 'CR-2026-500-1-r1', approvals: { missing: ['business', 'security'] } });
      // The same file again is the same live change; another change finds the environment held by it.
      const again = await t.submit(change('CR-2026-500'));
      expect(again.json).toMatchObject({ duplicate: true, changeId: 'CR-2026-500', executionName: 'CR-2026-500-1-r1' });
      const other = await t.submit(change('CR-2026-501'));
      expect(other.status).toBe(409);
      expect(other.json.error.message).toContain('already has an active change: CR-2026-500 (AWAITING_APPROVAL)');
      await t.approveAll('CR-2026-500', ['business', 'security']);
      await t.waitFor('CR-2026-500', (s) => s === 'COMPLETED');
      // The status and the execution's end are two writes: wait for the engine to settle before reading its history.
      await t.settled('CR-2026-500-1-r1');
      const history = (await t.request('GET', '/changes/CR-2026-500/history')).json;
      expect(history).toMatchObject({ executionName: 'CR-2026-500-1-r1', status: 'SUCCEEDED' });
      expect(history.states[0].name).toBe('How To Start');
      const types = ((await t.request('GET', '/changes/CR-2026-500')).json.timeline as { type: string }[]).map((e) => e.type);
      expect(types.filter((x) => x === 'change.submitted')).toHaveLength(1);
      expect(types.filter((x) => x === 'execution.resumed')).toHaveLength(1);
      await t.server.close();
      expect(existsSync(join(home, 'serve.json'))).toBe(false);
    });

    it('should keep the environment of a change stopped in its monitoring window locked, naming it, and roll it back on restart', async () => {
      // Prepare
      t = await startTestServer({ home, persist: true, monitorWindowMs: 600_000 });
      await t.submit(change('CR-2026-510'));
      await t.waitFor('CR-2026-510', (s) => s === 'AWAITING_APPROVAL');
      await t.approveAll('CR-2026-510');
      await t.waitFor('CR-2026-510', (s) => s === 'MONITORING');

      // Act
      await t.server.close();
      t = await startTestServer({ home, persist: true });
      const refused = await t.submit(change('CR-2026-511'));
      await t.waitFor('CR-2026-510', (s) => s === 'ROLLED_BACK');

      // Assess
      expect(refused.status).toBe(409);
      expect(refused.json.error.message).toMatch(/already has an active change: CR-2026-510 \((INTERRUPTED while MONITORING|ROLLING_BACK|ROLLED_BACK)\)/);
      expect(t.lines.some((l) => l.includes('CR-2026-510: interrupted after ACT began (while MONITORING): rolling back — execution CR-2026-510-1-r1'))).toBe(true);
      const c = (await t.request('GET', '/changes/CR-2026-510')).json;
      expect(c).toMatchObject({ status: 'ROLLED_BACK', executionName: 'CR-2026-510-1-r1' });
      expect(t.hosts.sent.map((r) => r.step.name)).toEqual(expect.arrayContaining(['rollback-release', 'rollback-health-check']));
      const report = (await t.request('GET', '/changes/CR-2026-510/report')).json;
      expect(report.report.rollback).toMatchObject({ executed: true, reason: expect.stringContaining('Interrupted: the embedded process running the change stopped while it was MONITORING') });
      // Back in PLAN after the rollback, it still holds the environment until it is cancelled or tried again.
      expect((await t.submit(change('CR-2026-512'))).status).toBe(409);
      await t.server.close();
    });
  });
});
