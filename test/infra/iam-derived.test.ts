// Every function's IAM rights, derived from what its code really sends, checked against the synthesized policy (never
// against lib/functions.ts's capability table, which is what the stack is built from). Two halves:
// 1. Which port methods a function can call: from its Lambda entry (lambdas/aws/<fn>.ts) the TypeScript checker
//    follows every identifier to its declaration and collects the `deps.<port>.<method>(` calls met (./port-usage.ts).
// 2. Which SDK commands each port method sends: the very adapters awsRuntime builds are run against mocked clients
//    (aws-sdk-client-mock), once with realistic answers and once with empty ones, and every command sent is recorded.
// A command `XCommand` of a client with IAM prefix `p` needs the action `p:X` (the Service Authorization Reference names
// each API action after its operation: https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html).
// A missing permission therefore fails `npm test`, whichever table it was forgotten in.
// 3. Which clients each bundle really holds: the esbuild metafile of each entry (test/support/bundles.ts) must hold exactly
//    the SDK clients of the actions derived above, and the command module of every one of those actions.
import { join, resolve } from 'node:path';
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  GetCommandInvocationCommand, GetParameterCommand, GetParametersCommand, ListCommandInvocationsCommand, ListCommandsCommand,
  SendCommandCommand, SSMClient,
} from '@aws-sdk/client-ssm';
import { Stack } from 'aws-cdk-lib';
import type { CfnRole } from 'aws-cdk-lib/aws-iam';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import { CloudWatchProbeMetrics } from '../../lambdas/adapters/aws/cloudwatch-probe-metrics';
import { EmfMetricsPublisher } from '../../lambdas/adapters/aws/emf-metrics';
import { probeRunFor } from '../../lambdas/core/active-probe';
import { SfnExecutionControl } from '../../lambdas/api/sfn-execution-control';
import { SfnCallbacks, SfnExecutions } from '../../lambdas/adapters/aws/sfn-callbacks';
import { SsmParameterSource } from '../../lambdas/adapters/aws/ssm-parameters';
import { awsRuntime, type AwsBase, type AwsEnv, type AwsPorts } from '../../lambdas/aws/deps';
import { activeProbeFrom } from '../../lambdas/aws/probe-control';
import { cloudWatchAlarms } from '../../lambdas/aws/wiring/cloudwatch';
import { ssmHostCommands } from '../../lambdas/aws/wiring/hosts';
import { snsSlackNotifier } from '../../lambdas/aws/wiring/notifier';
import { profileLoader } from '../../lambdas/aws/wiring/profile';
import { changeStore } from '../../lambdas/aws/wiring/store';
import { FUNCTION_NAMES, parseEnv, type FunctionName } from '../../lambdas/aws/env';
import { rollbackAlarmNames } from '../../lambdas/core/events';
import type { ChangeRecord } from '../../lambdas/core/records';
import { loadProfile } from '../../lib/profile';
import { DEFAULT_PROFILE_FILE } from '../../lib/paths';
import { buildEntries, type EntryBundle } from '../support/bundles';
import { portUsage } from './port-usage';
import { actionsOf, roleStatements, synthRunbook } from './support';

const ROOT = resolve(__dirname, '..', '..');
type PortCall = `${'store' | 'hosts' | 'alarms' | 'metrics' | 'callbacks' | 'notifier' | 'parameters' | 'executions' | 'control' | 'profile' | 'activeProbe' | 'probeMetrics'}.${string}`;

// ---------------------------------------------------------------------------------------------------------------
// 2. SDK commands each port method sends (the real adapters over mocked clients)
// ---------------------------------------------------------------------------------------------------------------

const ENV = {
  AWS_REGION: 'eu-west-1', TABLE_NAME: 'runbook-table', ENVIRONMENT_NAME: 'kis-core-v3', PROFILE_PARAMETER_NAME: '/runbook/kis-core-v3/profile',
  TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:runbook', SLACK_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:slack',
  COMMAND_LOG_GROUP: '/runbook/kis-core-v3/commands', POWERTOOLS_LOG_LEVEL: 'ERROR',
  STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:runbook',
};
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const clients = {
  dynamodb: new DynamoDBClient({ region: ENV.AWS_REGION, credentials }),
  ssm: new SSMClient({ region: ENV.AWS_REGION, credentials }),
  cloudwatch: new CloudWatchClient({ region: ENV.AWS_REGION, credentials }),
  sfn: new SFNClient({ region: ENV.AWS_REGION, credentials }),
  sns: new SNSClient({ region: ENV.AWS_REGION, credentials }),
  secrets: new SecretsManagerClient({ region: ENV.AWS_REGION, credentials }),
};
/** The active probe's client: built only in the entries that start or stop it (lambdas/aws/probe-control.ts). */
const probeClients = {
  scheduler: new SchedulerClient({ region: ENV.AWS_REGION, credentials }),
};
const PROBE_ENV = {
  PROBE_FUNCTION_ARN: 'arn:aws:lambda:eu-west-1:123456789012:function:probe',
  PROBE_SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/scheduler', PROBE_SCHEDULE_GROUP: 'runbook-kis-core-v3-probe',
};
/** Each client's IAM service prefix. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Stub = AwsStub<any, any, any>;
const MOCKS: [string, Stub][] = [
  ['dynamodb', mockClient(clients.dynamodb) as never],
  ['ssm', mockClient(clients.ssm) as never],
  ['cloudwatch', mockClient(clients.cloudwatch) as never],
  ['states', mockClient(clients.sfn) as never],
  ['sns', mockClient(clients.sns) as never],
  ['secretsmanager', mockClient(clients.secrets) as never],
  ['scheduler', mockClient(probeClients.scheduler) as never],
];
/**
 * Actions a command needs besides its own (the Service Authorization Reference's "dependent actions"): CreateSchedule
 * passes the schedule's target role (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoneventbridgescheduler.html).
 */
const DEPENDENT_ACTIONS: Record<string, string[]> = { 'scheduler:CreateSchedule': ['iam:PassRole'] };
const mock = (prefix: string): Stub => (MOCKS.find(([p]) => p === prefix) as [string, Stub])[1];

const profile = loadProfile(DEFAULT_PROFILE_FILE);

/** Every adapter, built by the same factories the entries use (lambdas/aws/wiring/*), over the mocked clients. */
function everyPort(base: AwsBase): AwsPorts {
  const loader = profileLoader(clients.ssm, base);
  const cloudwatch = cloudWatchAlarms(clients.cloudwatch, base);
  return {
    store: changeStore(clients.dynamodb, base),
    hosts: ssmHostCommands(clients.ssm, base),
    alarms: cloudwatch,
    metrics: cloudwatch,
    callbacks: new SfnCallbacks(clients.sfn),
    notifier: snsSlackNotifier(clients.sns, clients.secrets, base, loader),
    parameters: new SsmParameterSource(clients.ssm, ENV.ENVIRONMENT_NAME),
    executions: new SfnExecutions(clients.sfn, ENV.STATE_MACHINE_ARN),
    profile: loader,
  };
}

function answer(rich: boolean): void {
  for (const [, m] of MOCKS) {
    m.reset();
    m.onAnyCommand().resolves({});
  }
  if (!rich) return;
  const invocation = { InstanceId: 'i-0123456789abcdef0', Status: 'Success', CommandPlugins: [{ ResponseCode: 0, Output: 'ok' }] };
  mock('ssm').on(GetParameterCommand as never).resolves({ Parameter: { Value: JSON.stringify(profile) } } as never);
  mock('ssm').on(GetParametersCommand as never).resolves({ Parameters: [], InvalidParameters: ['JWT_SECRET'] } as never);
  mock('ssm').on(SendCommandCommand as never).resolves({ Command: { CommandId: 'cmd-1' } } as never);
  mock('ssm').on(ListCommandInvocationsCommand as never).resolves({ CommandInvocations: [invocation] } as never);
  mock('ssm').on(GetCommandInvocationCommand as never).resolves({ ResponseCode: 0, StandardOutputContent: 'ok' } as never);
  mock('ssm').on(ListCommandsCommand as never).resolves({ Commands: [{ CommandId: 'cmd-1', Status: 'Success', TargetCount: 1, CompletedCount: 1 }] } as never);
  mock('dynamodb').on(QueryCommand as never).resolves({ Items: [] } as never);
  const names = rollbackAlarmNames(profile.name);
  mock('cloudwatch').on(DescribeAlarmsCommand as never).resolves({ MetricAlarms: [names.latency, names.errorRate].map((AlarmName) => ({ AlarmName, StateValue: 'OK', StateReason: 'ok' })) } as never);
  mock('cloudwatch').on(GetMetricDataCommand as never).resolves({ MetricDataResults: [] } as never);
  mock('states').on(StartExecutionCommand as never).resolves({ executionArn: `${ENV.STATE_MACHINE_ARN}:CR-2026-001` } as never);
  mock('states').on(DescribeExecutionCommand as never).resolves({ status: 'RUNNING', name: 'CR-2026-001', startDate: new Date() } as never);
  mock('states').on(GetExecutionHistoryCommand as never).resolves({ events: [] } as never);
  mock('sns').on(PublishCommand as never).resolves({ MessageId: 'm-1' } as never);
  // An empty webhook secret means no Slack: nothing leaves the process.
  mock('secretsmanager').on(GetSecretValueCommand as never).resolves({ SecretString: '' } as never);
}

function sentActions(): string[] {
  return MOCKS.flatMap(([prefix, m]) => m.calls().map((call) => `${prefix}:${(call.args[0] as object).constructor.name.replace(/Command$/, '')}`))
    .flatMap((action) => [action, ...(DEPENDENT_ACTIONS[action] ?? [])]);
}

const change = {
  id: 'CR-2026-001', environment: profile.name, title: 't', requester: 'r', status: 'ACTING', phase: 'ACT', attempt: 1, maxAttempts: 3, version: 1,
  request: {}, profile, risk: {}, requiredApprovals: [], bodyHash: 'h', executionName: 'CR-2026-001', createdAt: '2026-12-01T00:00:00Z', updatedAt: '2026-12-01T00:00:00Z',
} as unknown as ChangeRecord;
const step = { name: 'stop-services', document: 'runbook-ServiceControl', parameters: { Action: 'stop', Services: 'estimator-service' }, timeoutSeconds: 600 };

/** Calls a port method that other branches add (merged later); absent, it sends nothing and says so. */
async function callIfPresent(port: object, method: string, ...args: unknown[]): Promise<unknown> {
  const fn = (port as Record<string, unknown>)[method];
  if (typeof fn !== 'function') throw new Error(`${method} is not a method of this port yet`);
  return (fn as (...a: unknown[]) => Promise<unknown>).apply(port, args);
}

/** One call of every port method with plausible arguments: what each sends is what the function needs for it. */
function exercises(runtime: ReturnType<typeof awsRuntime>, control: SfnExecutionControl): Record<PortCall, () => Promise<unknown>> {
  const { store, hosts, alarms, metrics, callbacks, notifier, parameters, executions } = runtime.deps;
  const at = '2026-12-01T00:00:00Z';
  const activeProbe = activeProbeFrom(PROBE_ENV, { scheduler: probeClients.scheduler, mayStart: true });
  if (!activeProbe) throw new Error('the probe environment builds an active probe');
  return {
    'store.createChange': () => store.createChange(change),
    'store.getChange': () => store.getChange(change.id),
    'store.updateChange': () => store.updateChange(change.id, 1, { status: 'MONITORING' }),
    'store.listChanges': () => store.listChanges({ environment: profile.name }),
    'store.listChangesPage': () => store.listChangesPage({ environment: profile.name }, { limit: 10 }),
    'store.lockHolder': () => store.lockHolder(profile.name),
    'store.appendEvent': () => store.appendEvent({ changeId: change.id, attempt: 1, at, actor: 'a', type: 't', message: 'm' }),
    'store.listEvents': () => store.listEvents(change.id),
    'store.putApproval': () => store.putApproval({ changeId: change.id, attempt: 1, role: 'technical', decision: 'approve', approver: 'x', at }),
    'store.listApprovals': () => store.listApprovals(change.id, 1),
    'store.acquireLock': () => store.acquireLock(profile.name, change.id),
    'store.releaseLock': () => store.releaseLock(profile.name, change.id),
    'store.putCallback': () => store.putCallback({ key: 'k', kind: 'monitor', changeId: change.id, attempt: 1, token: 't', createdAt: at }),
    'store.getCallback': () => store.getCallback('k'),
    'store.createCallback': () => store.createCallback({ key: 'k', kind: 'command', changeId: change.id, attempt: 1, token: 't', createdAt: at }),
    'store.deleteCallback': () => store.deleteCallback('k'),
    'store.putCommand': () => store.putCommand({ commandId: 'cmd-1', changeId: change.id, attempt: 1, phase: 'ACT', stepName: 'deploy', document: step.document, parameters: {}, status: 'InProgress', requestedAt: at }),
    'store.getCommand': () => store.getCommand('cmd-1'),
    'store.listCommands': () => store.listCommands(change.id, 1),
    'store.putReport': () => store.putReport({ changeId: change.id, attempt: 1, outcome: 'COMPLETED', createdAt: at, report: {}, qcSummary: 'qc' }),
    'store.getReport': () => store.getReport(change.id, 1),
    'store.putCheckResult': () => store.putCheckResult({ environment: profile.name, id: 'c', at, passed: true, durationMs: 1, checks: [] }),
    'store.listCheckResults': () => store.listCheckResults(profile.name, 5),
    'hosts.send': () => hosts.send({ changeId: change.id, attempt: 1, step, targets: profile.targets, comment: 'c' }),
    'hosts.outcome': () => hosts.outcome('cmd-1'),
    'hosts.validate': () => hosts.validate(step),
    'hosts.cancel': () => hosts.cancel('cmd-1'),
    'hosts.agents': () => hosts.agents(profile.targets),
    'alarms.states': () => alarms.states(Object.values(rollbackAlarmNames(profile.name))),
    'metrics.snapshot': () => metrics.snapshot(60),
    // Optional on the port: the CloudWatch adapter has no per-period series (only the local probe keeps one), so it sends nothing.
    'metrics.series': () => metrics.series?.(60) ?? Promise.resolve(undefined),
    // The scheduled check publishes through its entry's EMF publisher (log lines, no API call).
    'metrics.publish': async () => {
      const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
      try {
        await new EmfMetricsPublisher({ namespace: 'RunbookControlPlane', clock: runtime.deps.clock }).publish('ScheduledCheckFailed', 1, 'Count', { Environment: profile.name });
      } finally {
        write.mockRestore();
      }
    },
    'callbacks.sendTaskSuccess': () => callbacks.sendTaskSuccess('token', { ok: true }),
    'callbacks.sendTaskFailure': () => callbacks.sendTaskFailure('token', 'E', 'cause'),
    'notifier.notify': () => notifier.notify({ kind: 'completed', severity: 'info', changeId: change.id, title: 't', text: 'x' }),
    'parameters.missing': () => parameters.missing(['JWT_SECRET']),
    // Added by the detect and testphase branches: exercised once they are merged.
    'alarms.newestDatapoints': () => callIfPresent(alarms, 'newestDatapoints', Object.values(rollbackAlarmNames(profile.name)), 600),
    'parameters.values': () => callIfPresent(parameters, 'values', ['JWT_SECRET']),
    'executions.start': () => executions.start('CR-2026-001', { changeId: change.id, attempt: 1 }),
    'control.stop': () => control.stop('CR-2026-001', 'cancelled'),
    'control.history': () => control.history('CR-2026-001'),
    'profile.load': () => runtime.profile(),
    'activeProbe.start': () => activeProbe.start(probeRunFor(change.id, 1, profile, new Date(at))),
    'activeProbe.stop': () => activeProbe.stop(change.id, 1),
    'probeMetrics.publish': () => new CloudWatchProbeMetrics(clients.cloudwatch).publish(profile.name, [{ at: Date.parse(at), latencyMs: 12, error: false }]),
  };
}

async function actionsByPortCall(): Promise<Map<string, Set<string>>> {
  const byCall = new Map<string, Set<string>>();
  for (const rich of [true, false]) {
    // A fresh runtime per round: the profile loader caches its first answer.
    const runtime = awsRuntime('api', parseEnv('api', ENV) as AwsEnv, everyPort);
    const control = new SfnExecutionControl(clients.sfn, ENV.STATE_MACHINE_ARN);
    for (const [call, run] of Object.entries(exercises(runtime, control))) {
      answer(rich);
      try { await run(); } catch { /* an empty answer may make the adapter give up: what it sent before still counts */ }
      const set = byCall.get(call) ?? new Set<string>();
      for (const action of sentActions()) set.add(action);
      byCall.set(call, set);
    }
  }
  return byCall;
}

// ---------------------------------------------------------------------------------------------------------------
// The checks
// ---------------------------------------------------------------------------------------------------------------

const { stack, template } = synthRunbook();
const deployed = new Map(stack.functions.all.map((fn) => [fn.logicalName as FunctionName, fn]));
const granted = (name: FunctionName): Set<string> => {
  const fn = deployed.get(name);
  if (!fn) throw new Error(`function ${name} is not in the stack`);
  const roleId = Stack.of(fn).getLogicalId(fn.executionRole.node.defaultChild as CfnRole);
  return new Set(roleStatements(template, roleId).filter((s) => s.Effect === 'Allow').flatMap(actionsOf));
};
const entryOf = (name: FunctionName): string => join(ROOT, 'lambdas', 'aws', `${name}.ts`);
const traced = portUsage(FUNCTION_NAMES.map(entryOf));
const usage = new Map(FUNCTION_NAMES.map((name) => [name, traced.get(entryOf(name))?.calls ?? new Set<string>()]));
let byCall: Map<string, Set<string>>;
const required = (name: FunctionName): string[] => [...new Set([...(usage.get(name) ?? [])].flatMap((call) => {
  const actions = byCall.get(call);
  if (!actions) throw new Error(`${name} calls ${call}, which this test does not exercise: add it to exercises()`);
  return [...actions];
}))].sort();

let bundles: Map<FunctionName, EntryBundle>;

beforeAll(async () => {
  byCall = await actionsByPortCall();
  bundles = await buildEntries();
}, 180_000);

const SDK_PREFIXES = new Set(['dynamodb', 'ssm', 'cloudwatch', 'states', 'sns', 'secretsmanager', 'scheduler']);

afterAll(() => {
  for (const [, m] of MOCKS) m.restore();
});

describe('IAM derived from the SDK calls each function makes', () => {
  it('should deploy every function that has an entry', () => {
    expect([...deployed.keys()].sort()).toEqual([...FUNCTION_NAMES].sort());
  });

  it.each([...FUNCTION_NAMES])('%s: its role allows every action its code can send', (name) => {
    // Act
    const missing = required(name).filter((action) => !granted(name).has(action));

    // Assess
    expect({ name, missing }).toEqual({ name, missing: [] });
  });

  it.each([...FUNCTION_NAMES])('%s: its bundle holds exactly the SDK clients its code calls, and every command it sends', (name) => {
    // Prepare: from the esbuild metafile of the entry, built as `cdk synth` builds it (lib/bundling.ts).
    const bundle = bundles.get(name) as EntryBundle;
    const needed = required(name).filter((a) => SDK_PREFIXES.has(a.split(':')[0] as string));

    // Act
    const clientsNeeded = [...new Set(needed.map((a) => a.split(':')[0] as string))].sort();
    const inBundle = new Set(bundle.commands);
    const notInBundle = needed.filter((a) => !inBundle.has(a));

    // Assess
    expect({ name, clients: bundle.clients }).toEqual({ name, clients: clientsNeeded });
    expect({ name, notInBundle }).toEqual({ name, notInBundle: [] });
  });

  it('should find what the adapters really send (the derivation itself is not empty-handed)', () => {
    // Assess: known calls of known functions, each found through its adapter over a mocked client.
    expect(byCall.get('hosts.outcome')).toEqual(new Set(['ssm:ListCommandInvocations', 'ssm:GetCommandInvocation', 'ssm:ListCommands']));
    expect(byCall.get('hosts.cancel')).toEqual(new Set(['ssm:CancelCommand']));
    expect(required('rollback')).toEqual(expect.arrayContaining(['ssm:SendCommand', 'ssm:CancelCommand', 'states:SendTaskSuccess', 'states:SendTaskFailure', 'sns:Publish']));
    expect(required('execution-status')).toEqual(expect.arrayContaining(['states:StartExecution', 'dynamodb:GetItem']));
    expect(required('execution-status')).not.toContain('states:StopExecution');
    expect(required('api')).toEqual(expect.arrayContaining(['states:StopExecution', 'states:DescribeExecution', 'states:GetExecutionHistory']));
    expect(required('command-status')).toEqual(expect.arrayContaining(['ssm:ListCommands']));
    expect(required('plan')).toEqual(expect.arrayContaining(['scheduler:CreateSchedule', 'iam:PassRole']));
    // The schedule makes the probe's first invocation: no function sends Lambda Invoke (nor bundles the Lambda client).
    expect(FUNCTION_NAMES.filter((fn) => required(fn).some((a) => a.startsWith('lambda:')))).toEqual([]);
    expect(required('plan')).not.toContain('scheduler:DeleteSchedule');
    for (const fn of ['report', 'execution-status', 'api'] as const) expect(required(fn)).toContain('scheduler:DeleteSchedule');
    expect(required('probe')).toEqual(['cloudwatch:PutMetricData']);
  });

  it('should follow the code a function can run, not every module it imports', () => {
    // Assess: the alarm function imports phases/events.ts for onAlarmStateChange (which also leaves the alarm on the change
    // for the next ACT/TEST step); onCommandStatus's calls are not its own.
    expect(usage.get('alarm')).toEqual(new Set(['store.lockHolder', 'store.getChange', 'store.updateChange', 'store.appendEvent', 'store.getCallback', 'callbacks.sendTaskFailure', 'store.deleteCallback']));
    expect(usage.get('command-status')).toContain('hosts.outcome');
    expect([...(usage.get('rollback') ?? [])]).toEqual(expect.arrayContaining(['hosts.cancel', 'hosts.send', 'callbacks.sendTaskSuccess']));
    expect([...(usage.get('api') ?? [])]).toEqual(expect.arrayContaining(['control.stop', 'control.history', 'executions.start', 'profile.load']));
  });
});
