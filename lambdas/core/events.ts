// EventBridge event shapes the control plane consumes, and builders for them. The embedded engine's
// in-process bus carries exactly these JSON objects to the same handlers EventBridge rules target on AWS.
import type { AlarmStateValue } from '../ports';

export interface EventBridgeEvent<TType extends string = string, TDetail = unknown> {
  version: '0';
  id: string;
  'detail-type': TType;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: TDetail;
}

export interface SsmCommandStatusDetail {
  'command-id': string;
  'document-name': string;
  'expire-after': string;
  parameters: Record<string, string[]>;
  'requested-date-time': string;
  status: 'Pending' | 'InProgress' | 'Success' | 'Failed' | 'TimedOut' | 'Cancelled' | 'Cancelling' | 'Delayed';
}
export type SsmCommandStatusEvent = EventBridgeEvent<'EC2 Command Status-change Notification', SsmCommandStatusDetail>;

export interface AlarmStateChangeDetail {
  alarmName: string;
  state: { value: AlarmStateValue; reason: string; timestamp: string; reasonData?: string };
  previousState: { value: AlarmStateValue; reason: string; timestamp: string };
  configuration: { description?: string; metrics?: unknown[] };
}
export type AlarmStateChangeEvent = EventBridgeEvent<'CloudWatch Alarm State Change', AlarmStateChangeDetail>;

export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'local';

let counter = 0;
function eventId(): string {
  counter += 1;
  return `${Date.now().toString(16)}-${counter.toString(16).padStart(6, '0')}`;
}

export function ssmCommandStatusEvent(detail: SsmCommandStatusDetail, at: Date, region = LOCAL_REGION, account = LOCAL_ACCOUNT): SsmCommandStatusEvent {
  return {
    version: '0', id: eventId(), 'detail-type': 'EC2 Command Status-change Notification', source: 'aws.ssm',
    account, time: at.toISOString(), region, resources: [], detail,
  };
}

export function alarmStateChangeEvent(detail: AlarmStateChangeDetail, at: Date, region = LOCAL_REGION, account = LOCAL_ACCOUNT): AlarmStateChangeEvent {
  return {
    version: '0', id: eventId(), 'detail-type': 'CloudWatch Alarm State Change', source: 'aws.cloudwatch',
    account, time: at.toISOString(), region,
    resources: [`arn:aws:cloudwatch:${region}:${account}:alarm:${detail.alarmName}`], detail,
  };
}

/** The rollback alarms of an environment: p95 latency and error rate, each at rollbackFactor × threshold. */
export function rollbackAlarmNames(environment: string): { latency: string; errorRate: string } {
  return { latency: `runbook-${environment}-p95-latency`, errorRate: `runbook-${environment}-error-rate` };
}

/** Where the embedded engine's bus delivers events (what EventBridge rules do on AWS). */
export interface EventBus {
  publish(event: EventBridgeEvent): void;
}
