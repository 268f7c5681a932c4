// The retrospective at its edges: which events open and close a traffic block, a requester's name with stray
// spaces, and long lines of the YAML draft kept whole.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChangeEvent, StoredReport } from '../../lambdas/core/records';
import { buildReport, type ReportInput } from '../../lambdas/core/report';
import { buildRetrospective, measureDowntime, retrospectiveToYaml } from '../../lambdas/core/retro';
import { parseChangeRequest } from '../../lambdas/core/schemas';

const T0 = Date.parse('2025-09-22T14:30:00.000Z');
const iso = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();

const event = (seconds: number, type: string, data: Record<string, unknown>): ChangeEvent =>
  ({ changeId: 'CR-2025-001', attempt: 1, at: iso(seconds), id: `e${seconds}-${type}`, actor: 'runbook-control-plane', type, message: type, data });
const sent = (seconds: number, commandId: string, mode: string): ChangeEvent =>
  event(seconds, 'command.sent', { commandId, document: 'runbook-TrafficControl', parameters: { Mode: mode } });
const finished = (seconds: number, commandId: string): ChangeEvent => event(seconds, 'command.finished', { commandId, status: 'Success' });

function storedReport(): StoredReport {
  const input: ReportInput = {
    changeId: 'CR-2025-001', system: 'KIS_CORE_V3', attempt: 1, status: 'SUCCESS', startTime: iso(0), endTime: iso(60), operator: 'ops-kim',
    metricsBefore: undefined, metricsAfter: undefined, tests: [], issues: [], rollback: { executed: false }, health: { api: 'HEALTHY' },
  };
  return { changeId: 'CR-2025-001', attempt: 1, outcome: 'SUCCESS', createdAt: iso(60), report: buildReport(input), qcSummary: '' };
}

const seedRequest = () => parseChangeRequest(readFileSync(join(__dirname, '..', '..', 'examples', 'CR-2025-001.change.yml'), 'utf8'));

describe('measureDowntime, which events count', () => {
  it('should open a block only when a TrafficControl maintenance command is sent with its id', () => {
    // Arrange: a send without an id, and a finished event that carries the document and mode
    const events = [
      event(0, 'command.sent', { document: 'runbook-TrafficControl', parameters: { Mode: 'maintenance' } }),
      event(10, 'command.finished', { commandId: 'b1', document: 'runbook-TrafficControl', parameters: { Mode: 'maintenance' }, status: 'Success' }),
    ];

    // Act + Assess
    expect(measureDowntime(events, iso(100))).toBeUndefined();
  });

  it('should close a block only when the restore command finished, not on another event about it', () => {
    // Arrange
    const events = [
      sent(0, 'b1', 'maintenance'), finished(2, 'b1'),
      sent(20, 'r1', 'production'),
      event(25, 'command.retried', { commandId: 'r1', status: 'Success' }),
      finished(40, 'r1'),
    ];

    // Act + Assess
    expect(measureDowntime(events, iso(100))).toEqual({ ms: 40_000, blocks: 1, stillBlocked: false });
  });
});

describe('the retrospective draft', () => {
  it('should name a requester written with stray spaces without them', () => {
    // Arrange
    const request = seedRequest();
    const spaced = { ...request, requester: { ...request.requester, name: '  Kim Jisoo  ', role: undefined } };

    // Act
    const retro = buildRetrospective({ change: { id: 'CR-2025-001', request: spaced }, events: [], approvals: [], stored: storedReport() });

    // Assess
    expect(retro.retrospective.participants).toEqual(['Kim Jisoo (requester)', 'ops-kim (operator)']);
  });

  it('should keep each long line of the YAML draft on one line', () => {
    // Arrange
    const retro = buildRetrospective({ change: { id: 'CR-2025-001', request: seedRequest() }, events: [], approvals: [], stored: storedReport() });

    // Act
    const lines = retrospectiveToYaml(retro).split('\n');

    // Assess
    expect(retro.what_went_wrong).toEqual(['Nothing recorded went wrong (no failed test, alarm, failed command or rollback)']);
    expect(lines).toContain('  - Nothing recorded went wrong (no failed test, alarm, failed command or rollback)');
  });
});
