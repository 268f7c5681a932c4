// The small pure pieces of the core that the phases build on: the ASL substitution map, execution names and
// callback keys, the cancel cause, and the EventBridge event builders (their shape is what the handlers parse).
// Event shapes: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html
// (CloudWatch Alarm State Change: source aws.cloudwatch, resources = [alarm ARN]) and
// https://docs.aws.amazon.com/systems-manager/latest/userguide/monitoring-systems-manager-event-examples.html
// (EC2 Command Status-change Notification: source aws.ssm).
import { definitionSubstitutions, localFunctionArn, PHASE_FUNCTIONS, placeholders, renderDefinition, substitutionKey } from '../../lambdas/core/workflow';
import { callbackKey, cancelCause, checkChangeId, executionNameFor, isCheckChangeId } from '../../lambdas/core/records';
import { alarmStateChangeEvent, rollbackAlarmNames, ssmCommandStatusEvent, type AlarmStateChangeDetail, type SsmCommandStatusDetail } from '../../lambdas/core/events';

describe('workflow substitutions', () => {
  it('should map every phase function to <Name>FunctionArn', () => {
    // Act
    const map = definitionSubstitutions((fn) => `arn:${fn}`);

    // Assess
    expect(map).toEqual({
      PreflightFunctionArn: 'arn:Preflight', PlanFunctionArn: 'arn:Plan', ActFunctionArn: 'arn:Act',
      TestFunctionArn: 'arn:Test', ReportFunctionArn: 'arn:Report', RollbackFunctionArn: 'arn:Rollback',
    });
    expect(PHASE_FUNCTIONS.map(substitutionKey)).toEqual(Object.keys(map));
  });

  it('should list each placeholder once, in order of first use', () => {
    // Assess
    expect(placeholders('{"a":"${ActFunctionArn}","b":"${Plan_2}","c":"${ActFunctionArn}","d":"$notOne","e":"${bad-name}"}')).toEqual(['ActFunctionArn', 'Plan_2']);
    expect(placeholders('no placeholders')).toEqual([]);
  });

  it('should replace every placeholder and refuse one without a value, naming all that are missing', () => {
    // Act
    const rendered = renderDefinition('{"r":"${A}","s":"${B}","t":"${A}"}', { A: 'x', B: 'y' });
    const missing = () => renderDefinition('{"r":"${A}","s":"${B}","t":"${C}"}', { A: 'x' });

    // Assess
    expect(rendered).toBe('{"r":"x","s":"y","t":"x"}');
    expect(missing).toThrow('state machine definition: no substitution for ${B}, ${C}');
  });

  it('should replace placeholders with names of several letters, digits and underscores', () => {
    // Act
    const rendered = renderDefinition('{"Resource":"${PreflightFunctionArn}","Table":"${TABLE_2}"}', { PreflightFunctionArn: 'arn:x', TABLE_2: 't' });

    // Assess
    expect(rendered).toBe('{"Resource":"arn:x","Table":"t"}');
  });

  it('should shape local ARNs like Lambda function ARNs', () => {
    // Assess
    expect(localFunctionArn('Rollback')).toBe('arn:aws:lambda:local:000000000000:function:runbook-rollback');
  });
});

describe('records helpers', () => {
  it('should name the first attempt after the change and later ones <id>-<attempt>', () => {
    // Assess
    expect(executionNameFor('CR-2026-001', 0)).toBe('CR-2026-001');
    expect(executionNameFor('CR-2026-001', 1)).toBe('CR-2026-001');
    expect(executionNameFor('CR-2026-001', 2)).toBe('CR-2026-001-2');
  });

  it('should key callbacks by kind, change and attempt, with an optional suffix', () => {
    // Assess
    expect(callbackKey('approval', 'CR-2026-001', 2)).toBe('approval#CR-2026-001#2');
    expect(callbackKey('command', 'CR-2026-001', 1, 'cmd-1')).toBe('command#CR-2026-001#1#cmd-1');
  });

  it("should record a scheduled check under CHECK-<environment>, which no change id can be", () => {
    expect(checkChangeId('kis-core-v3')).toBe('CHECK-kis-core-v3');
    expect(isCheckChangeId(checkChangeId('kis-core-v3'))).toBe(true);
    expect(isCheckChangeId('CR-2026-101')).toBe(false);
    expect(isCheckChangeId('X-CHECK-kis')).toBe(false);
  });

  it('should say who cancelled, and why when a reason was given', () => {
    // Assess
    expect(cancelCause({ by: 'ops-lead', at: '2026-01-01T00:00:00Z', reason: 'bad build' })).toBe('cancelled by ops-lead: bad build');
    expect(cancelCause({ by: 'ops-lead', at: '2026-01-01T00:00:00Z', reason: null })).toBe('cancelled by ops-lead');
    expect(cancelCause({ by: 'ops-lead', at: '2026-01-01T00:00:00Z', reason: '' })).toBe('cancelled by ops-lead');
  });
});

describe('EventBridge event builders', () => {
  const at = new Date('2026-03-01T10:00:00.000Z');

  it('should build the CloudWatch Alarm State Change event with the alarm ARN as its resource', () => {
    // Prepare
    const detail: AlarmStateChangeDetail = {
      alarmName: 'runbook-prod-error-rate', configuration: {},
      state: { value: 'ALARM', reason: 'breached', timestamp: at.toISOString() },
      previousState: { value: 'OK', reason: 'fine', timestamp: at.toISOString() },
    };

    // Act
    const e = alarmStateChangeEvent(detail, at, 'eu-west-1', '123456789012');

    // Assess
    expect(e).toEqual({
      version: '0', id: expect.any(String), 'detail-type': 'CloudWatch Alarm State Change', source: 'aws.cloudwatch',
      account: '123456789012', time: '2026-03-01T10:00:00.000Z', region: 'eu-west-1',
      resources: ['arn:aws:cloudwatch:eu-west-1:123456789012:alarm:runbook-prod-error-rate'], detail,
    });
    expect(alarmStateChangeEvent(detail, at)).toMatchObject({ account: '000000000000', region: 'local' });
  });

  it('should build the EC2 Command Status-change Notification with a fresh id each time', () => {
    // Prepare
    const detail: SsmCommandStatusDetail = {
      'command-id': 'c-1', 'document-name': 'runbook-HealthCheck', 'expire-after': at.toISOString(), parameters: {},
      'requested-date-time': at.toISOString(), status: 'Success',
    };

    // Act
    const a = ssmCommandStatusEvent(detail, at);
    const b = ssmCommandStatusEvent(detail, at);

    // Assess
    expect(a).toEqual({
      version: '0', id: expect.any(String), 'detail-type': 'EC2 Command Status-change Notification', source: 'aws.ssm',
      account: '000000000000', time: '2026-03-01T10:00:00.000Z', region: 'local', resources: [], detail,
    });
    expect(a.id).not.toBe(b.id);
    expect(a.id).toMatch(/^[0-9a-f]+-[0-9a-f]{6}$/);
  });

  it('should name the rollback alarms after the environment', () => {
    // Assess
    expect(rollbackAlarmNames('prod')).toEqual({ latency: 'runbook-prod-p95-latency', errorRate: 'runbook-prod-error-rate' });
  });
});
