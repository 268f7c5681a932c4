// GET /changes/{id} and its parts in-process: the timeline (phase and status only where an event has them), the
// monitoring window as the console charts it (per period, one snapshot, or none), the approvals and the watch links.
import { monitoringView, timelineView, watchLinks } from '../../lambdas/api/changes';
import type { ApiContext } from '../../lambdas/api/context';
import type { ApiRequest } from '../../lambdas/api/http';
import type { ChangeEvent } from '../../lambdas/core/records';
import { testProfile } from '../support/fixtures';
import { memoryApi, submitted } from '../support/memory-api';

const event = (patch: Partial<ChangeEvent>): ChangeEvent => ({
  changeId: 'CR-2026-900', attempt: 1, at: '2026-03-01T10:00:00.000Z', id: 'e1', actor: 'system', type: 'note', message: 'm', ...patch,
});

const release = (attempt: number, data: Record<string, unknown>): ChangeEvent => event({ attempt, type: 'metrics.release', data });

const WINDOW = { windowSeconds: 600, periodSeconds: 60, p95Ms: 2000, errorRate: 0.02, rollbackFactor: 1.5, evaluationPeriods: 1, datapointsToAlarm: 1 };

describe('timelineView', () => {
  it('should show each event\'s time, attempt, type, actor and message, with phase and status only where it has them', () => {
    // Arrange
    const events = [
      event({ type: 'change.submitted', phase: 'SUBMIT', status: 'SUBMITTED', actor: 'olivia', message: 'submitted', data: { secret: 1 } }),
      event({ at: '2026-03-01T10:01:00.000Z', attempt: 2, type: 'note', message: 'plain' }),
    ];

    // Act
    const view = timelineView(events);

    // Assess
    expect(view).toEqual([
      { at: '2026-03-01T10:00:00.000Z', attempt: 1, type: 'change.submitted', actor: 'olivia', message: 'submitted', phase: 'SUBMIT', status: 'SUBMITTED' },
      { at: '2026-03-01T10:01:00.000Z', attempt: 2, type: 'note', actor: 'system', message: 'plain' },
    ]);
  });
});

describe('monitoringView', () => {
  it('should give the thresholds and rollback limits and no periods before any window was recorded', () => {
    // Arrange
    const change = { profile: testProfile({ monitoring: WINDOW }) };

    // Act
    const view = monitoringView(change, [event({ type: 'note' })]);

    // Assess
    expect(view).toEqual({
      windowSeconds: 600, periodSeconds: 60, p95Ms: 2000, errorRate: 0.02, rollbackFactor: 1.5,
      rollbackP95Ms: 3000, rollbackErrorRate: 0.03, periods: [],
    });
  });

  it('should chart the latest window\'s periods when it recorded a series', () => {
    // Arrange
    const change = { profile: testProfile({ monitoring: WINDOW }) };
    const older = release(1, { releaseLiveAt: 'A', series: [{ at: 'a', requests: 1 }] });
    const latest = release(2, { releaseLiveAt: 'B', metrics: { at: 'x', requests: 9, windowSeconds: 600 }, series: [{ at: 'b', requests: 5, p95Ms: 10 }] });

    // Act
    const view = monitoringView(change, [older, latest, event({ type: 'note', attempt: 2 })]);

    // Assess
    expect(view).toMatchObject({ attempt: 2, releaseLiveAt: 'B', periods: [{ at: 'b', requests: 5, p95Ms: 10 }] });
  });

  it('should chart one period from the snapshot when the window recorded no series, keeping only the figures it had', () => {
    // Arrange
    const change = { profile: testProfile({ monitoring: WINDOW }) };
    const full = release(1, { releaseLiveAt: 'L', metrics: { at: 's', requests: 7, p95Ms: 120, errorRate: 0, windowSeconds: 600, cpuPercent: 3 } });
    const empty = release(1, { releaseLiveAt: 'L', metrics: { at: 's', requests: 0, windowSeconds: 600 } });

    // Act
    const withFigures = monitoringView(change, [full]);
    const withoutFigures = monitoringView(change, [empty]);

    // Assess
    expect(withFigures.periods).toEqual([{ at: 's', requests: 7, p95Ms: 120, errorRate: 0 }]);
    expect(withoutFigures.periods).toEqual([{ at: 's', requests: 0 }]);
    expect(Object.keys((withoutFigures.periods as object[])[0] ?? {})).toEqual(['at', 'requests']);
    expect(withFigures).toMatchObject({ attempt: 1, releaseLiveAt: 'L' });
  });

  it('should read a window event without data as a window with no live time and no periods', () => {
    // Arrange
    const change = { profile: testProfile({ monitoring: WINDOW }) };

    // Act
    const view = monitoringView(change, [event({ type: 'metrics.release', attempt: 3 })]);

    // Assess
    expect(view).toMatchObject({ attempt: 3, periods: [] });
    expect(view.releaseLiveAt).toBeUndefined();
  });

  it('should chart no period for a window event that carried neither series nor snapshot', () => {
    // Arrange
    const change = { profile: testProfile({ monitoring: WINDOW }) };

    // Act
    const view = monitoringView(change, [release(1, { releaseLiveAt: 'L' })]);

    // Assess
    expect(view.periods).toEqual([]);
    expect(view).toMatchObject({ attempt: 1, releaseLiveAt: 'L' });
  });
});

describe('watchLinks', () => {
  const req: ApiRequest = { method: 'GET', path: '/', query: {}, headers: {}, baseUrl: 'https://api.example/v1' };

  it('should link the status, the history, the console where there is one, and the CLI command', () => {
    // Arrange
    const ctx = { consoleUrl: (name: string) => `https://console/${name}` } as unknown as ApiContext;

    // Act
    const links = watchLinks(ctx, req, { id: 'CR-2026-900', executionName: 'CR-2026-900-r2' });

    // Assess
    expect(links).toEqual({
      status: 'https://api.example/v1/changes/CR-2026-900',
      history: 'https://api.example/v1/changes/CR-2026-900/history',
      console: 'https://console/CR-2026-900-r2',
      cli: 'runbook status CR-2026-900 --watch',
    });
  });

  it('should encode the change id in the links\' paths', () => {
    // Act
    const links = watchLinks({} as ApiContext, req, { id: 'CR 1/2', executionName: 'x' });

    // Assess
    expect(links.status).toBe('https://api.example/v1/changes/CR%201%2F2');
    expect(links.history).toBe('https://api.example/v1/changes/CR%201%2F2/history');
  });

  it('should leave the console link out when the engine has no console or none for the execution', () => {
    // Arrange
    const none = {} as ApiContext;
    const unknown = { consoleUrl: () => undefined } as unknown as ApiContext;

    // Act
    const links = [watchLinks(none, req, { id: 'CR-2026-900', executionName: 'x' }), watchLinks(unknown, req, { id: 'CR-2026-900', executionName: 'x' })];

    // Assess
    for (const l of links) expect(Object.keys(l)).toEqual(['status', 'history', 'cli']);
  });
});

describe('GET /changes/{id}', () => {
  it('should show the change with its risk, approvals of the current attempt with their comments, timeline and links', async () => {
    // Arrange
    const m = memoryApi();
    const change = await submitted(m);
    await m.setStatus('CR-2026-900', { status: 'AWAITING_APPROVAL' });
    await m.call('POST', '/changes/CR-2026-900/approvals', { body: { role: 'technical', decision: 'approve', comment: 'read it' }, identity: { id: 'alice' } });
    await m.call('POST', '/changes/CR-2026-900/approvals', { body: { role: 'business', decision: 'approve' }, identity: { id: 'bob' } });

    // Act
    const { res, body } = await m.call('GET', '/changes/CR-2026-900');

    // Assess
    expect(res.statusCode).toBe(200);
    expect(body).toMatchObject({ changeId: 'CR-2026-900', status: 'AWAITING_APPROVAL', risk: change.risk, requiredApprovals: change.requiredApprovals });
    expect(body.approvals).toEqual({
      attempt: 1, state: 'pending', missing: ['security'],
      items: [
        { role: 'technical', decision: 'approve', approver: 'alice', at: expect.any(String), comment: 'read it' },
        { role: 'business', decision: 'approve', approver: 'bob', at: expect.any(String) },
      ],
    });
    expect(body.timeline.length).toBeGreaterThan(0);
    expect(body.timeline[0]).toMatchObject({ attempt: 1, type: expect.any(String) });
    expect(body.monitoring).toMatchObject({ periods: [] });
    expect(body.watch).toEqual({
      status: 'http://127.0.0.1:1/changes/CR-2026-900', history: 'http://127.0.0.1:1/changes/CR-2026-900/history', cli: 'runbook status CR-2026-900 --watch',
    });
  });

  it('should list the next attempt\'s approvals with their comments once the change is rolled back', async () => {
    // Arrange
    const m = memoryApi();
    await submitted(m);
    await m.setStatus('CR-2026-900', { status: 'ROLLED_BACK' });
    await m.call('POST', '/changes/CR-2026-900/approvals', { body: { role: 'technical', decision: 'approve', comment: 'again' }, identity: { id: 'alice' } });

    // Act
    const { body } = await m.call('GET', '/changes/CR-2026-900');

    // Assess
    expect(body.nextAttempt).toEqual({
      attempt: 2, executionName: 'CR-2026-900-2', state: 'pending', missing: ['business', 'security'],
      items: [{ role: 'technical', decision: 'approve', approver: 'alice', at: expect.any(String), comment: 'again' }],
    });
    expect(body.approvals.items).toEqual([]);
  });

  it('should answer 404 for a change that does not exist', async () => {
    // Arrange
    const m = memoryApi();

    // Act
    const { res, body } = await m.call('GET', '/changes/CR-2026-404');

    // Assess
    expect(res.statusCode).toBe(404);
    expect(body.error.code).toBe('NotFound');
  });
});
