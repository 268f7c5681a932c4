// The Lambda entry modules: one per function the CDK stack deploys, each exporting `handler`, building its clients
// and adapters at load without calling AWS, and delegating to the handler modules the embedded engine uses.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  GetCommandInvocationCommand, GetParameterCommand, GetParametersCommand, ListCommandInvocationsCommand, ListCommandsCommand, SendCommandCommand, SSMClient,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SfnExecutions } from '../../lambdas/adapters/aws/sfn-callbacks';
import { SsmHostCommands } from '../../lambdas/adapters/aws/ssm-host-commands';
import { awsRuntime, documentsDir, PortNotWired, type AwsEnv, type AwsRuntime } from '../../lambdas/aws/deps';
import { FUNCTION_NAMES, parseEnv, type FunctionName } from '../../lambdas/aws/env';
import { alarmStateChangeEvent } from '../../lambdas/core/events';
import type { CheckResult } from '../../lambdas/core/records';
import { parseDocumentText } from '../../lambdas/core/schemas';
import { WITH_DOCUMENTS } from '../../lib/functions';
import { portUsage } from '../infra/port-usage';

const ROOT = join(__dirname, '..', '..');

const sfn = mockClient(SFNClient);
const ssm = mockClient(SSMClient);
const ddb = mockClient(DynamoDBClient);
const sns = mockClient(SNSClient);
const mocks = [ddb, ssm, mockClient(CloudWatchClient), sfn, sns, mockClient(SecretsManagerClient)];
const totalCalls = (): number => mocks.reduce((n, m) => n + m.calls().length, 0);

const ENV = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  TABLE_NAME: 'runbook-table',
  ENVIRONMENT_NAME: 'kis-core-v3',
  PROFILE_PARAMETER_NAME: '/runbook/kis-core-v3/profile',
  TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:runbook',
  COMMAND_LOG_GROUP: '/runbook/kis-core-v3/commands',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
};
const STATE_MACHINE_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:runbook';

/** The api function's routes are written separately; every other function has its entry here. */
const WITH_ENTRY = FUNCTION_NAMES.filter((fn): fn is Exclude<FunctionName, 'api'> => fn !== 'api');

type Entry = { handler: (event: unknown) => Promise<unknown> };
const entries = new Map<string, Entry>();
const saved = { ...process.env };
let callsWhileLoading = -1;

beforeAll(async () => {
  // Only the functions that start executions read it (the others' schemas leave it out).
  Object.assign(process.env, ENV, { STATE_MACHINE_ARN });
  for (const fn of WITH_ENTRY) entries.set(fn, (await import(`../../lambdas/aws/${fn}`)) as Entry);
  callsWhileLoading = totalCalls();
});

afterAll(() => {
  process.env = saved;
});

afterEach(() => {
  for (const m of mocks) m.reset();
});

describe('Lambda entries', () => {
  it('should have one entry file per deployed function under lambdas/aws/', () => {
    // Assess
    expect(WITH_ENTRY).toEqual(['preflight', 'plan', 'act', 'test', 'report', 'rollback', 'command-status', 'alarm', 'scheduled-check', 'execution-status', 'probe']);
    for (const fn of WITH_ENTRY) expect(existsSync(join(__dirname, '..', '..', 'lambdas', 'aws', `${fn}.ts`))).toBe(true);
  });

  it.each(WITH_ENTRY)('should export a handler from %s and call no AWS API while loading', (fn) => {
    // Assess
    expect(typeof entries.get(fn)?.handler).toBe('function');
    expect(callsWhileLoading).toBe(0);
  });

  it('should delegate to the same handler modules: an alarm that is not a rollback alarm is ignored without AWS calls', async () => {
    // Prepare
    const event = alarmStateChangeEvent({
      alarmName: 'some-other-alarm',
      state: { value: 'ALARM', reason: 'test', timestamp: '2025-06-01T10:00:00.000Z' },
      previousState: { value: 'OK', reason: 'test', timestamp: '2025-06-01T09:00:00.000Z' },
      configuration: {},
    }, new Date('2025-06-01T10:00:00.000Z'), 'eu-west-1', '123456789012');

    // Act
    const result = await entries.get('alarm')?.handler(event);

    // Assess
    expect(result).toEqual({ handled: false, reason: 'some-other-alarm is not a rollback alarm' });
    expect(totalCalls()).toBe(0);
  });

  it('should look up the change of an unfinished execution and start nothing when there is no such change', async () => {
    // Prepare: the documented event (https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html).
    ddb.on(GetItemCommand).resolves({});
    const event = {
      version: '0', id: 'e-1', 'detail-type': 'Step Functions Execution Status Change', source: 'aws.states', account: '123456789012',
      time: '2026-12-01T22:00:00Z', region: 'eu-west-1', resources: [],
      detail: {
        executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:runbook:CR-2026-301', stateMachineArn: STATE_MACHINE_ARN,
        name: 'CR-2026-301', status: 'TIMED_OUT', startDate: 1764626400000, stopDate: 1764630000000,
        input: '{"changeId":"CR-2026-301","attempt":1}', inputDetails: { included: true }, output: null, outputDetails: null,
      },
    };

    // Act
    const result = await entries.get('execution-status')?.handler(event);

    // Assess
    expect(result).toEqual({ action: 'ignored', reason: 'change CR-2026-301 not found', changeId: 'CR-2026-301' });
    expect(ddb.commandCalls(GetItemCommand)).toHaveLength(1);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('should reject a malformed task event with the handler module\'s ValidationError', async () => {
    // Act
    const running = entries.get('preflight')?.handler({ step: 'start', changeId: 'not-a-change', attempt: 1 });

    // Assess
    await expect(running).rejects.toMatchObject({ name: 'ValidationError', issues: [{ path: 'changeId' }] });
    expect(totalCalls()).toBe(0);
  });
});

describe('scheduled-check entry', () => {
  it('should run the checks on the profile from Parameter Store, store the result, publish EMF and notify the failure', async () => {
    // Prepare
    const profile = parseDocumentText(readFileSync(join(__dirname, '..', '..', 'examples', 'kis-core-v3.profile.yml'), 'utf8'), 'profile');
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: JSON.stringify(profile) } });
    ssm.on(GetParametersCommand).callsFake((input: { Names: string[] }) => ({
      // Bare names are read under /runbook/<environment>/ (lambdas/core/parameter-names.ts).
      Parameters: input.Names.filter((n) => n !== '/runbook/kis-core-v3/JWT_SECRET').map((n) => ({ Name: n, Value: 'set' })), InvalidParameters: ['/runbook/kis-core-v3/JWT_SECRET'],
    }));
    // No change holds the environment: the reconciler finds no lock item and the check runs.
    ddb.on(GetItemCommand).resolves({});
    ssm.on(SendCommandCommand).resolvesOnce({ Command: { CommandId: 'cmd-health' } }).resolvesOnce({ Command: { CommandId: 'cmd-deps' } });
    ssm.on(ListCommandsCommand).resolves({ Commands: [{ Status: 'Success', TargetCount: 1, CompletedCount: 1, ErrorCount: 0, DeliveryTimedOutCount: 0 }] });
    ssm.on(ListCommandInvocationsCommand).resolves({ CommandInvocations: [{ InstanceId: 'i-0123456789abcdef0', Status: 'Success', CommandPlugins: [{ ResponseCode: 0 }] }] });
    ssm.on(GetCommandInvocationCommand).resolves({ ResponseCode: 0, StandardOutputContent: 'ok\n{"violations":[]}\n' });
    ddb.on(PutItemCommand).resolves({});
    sns.on(PublishCommand).resolves({});
    const lines: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { lines.push(String(chunk)); return true; });

    // Act
    let result: CheckResult;
    try {
      result = (await entries.get('scheduled-check')?.handler({ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} })) as CheckResult;
    } finally {
      write.mockRestore();
    }

    // Assess
    expect(result.passed).toBe(false);
    expect(result.checks.map((c) => [c.name, c.status])).toEqual([
      ['required-parameters', 'FAIL'], ['preflight-system-health', 'PASS'], ['preflight-dependencies', 'PASS'],
    ]);
    expect(ssm.commandCalls(SendCommandCommand).map((c) => [c.args[0].input.DocumentName, c.args[0].input.Targets])).toEqual([
      ['runbook-SystemHealth', [{ Key: 'tag:Environment', Values: ['production'] }]],
      ['runbook-Dependencies', [{ Key: 'tag:Environment', Values: ['production'] }]],
    ]);
    const checkItems = ddb.commandCalls(PutItemCommand).filter((c) => c.args[0].input.Item?.pk?.S?.startsWith('CHECK#'));
    expect(checkItems).toHaveLength(1);
    expect(ddb.commandCalls(PutItemCommand).filter((c) => c.args[0].input.Item?.pk?.S?.startsWith('COMMAND#'))).toHaveLength(2);
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input.Subject).toBe('Scheduled pre-flight check failed: kis-core-v3');
    const emf = lines.filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(emf).toEqual([
      expect.objectContaining({ Environment: 'kis-core-v3', ScheduledCheckFailed: 1 }),
      expect.objectContaining({ Environment: 'kis-core-v3', ScheduledCheckDuration: expect.any(Number) }),
    ]);
  });
});

describe('awsRuntime', () => {
  const runtimeOf = (fn: Exclude<FunctionName, 'api'>): AwsRuntime => (entries.get(fn) as Entry & { runtime: AwsRuntime }).runtime;

  it('should find the documents in the repository when run from source, and next to the bundle on Lambda', () => {
    // Assess
    expect(documentsDir()).toBe(join(__dirname, '..', '..', 'documents'));
    // The bundle layout: index.js with documents/ beside it.
    const bundleRoot = join(__dirname, '..', '..');
    expect(documentsDir(bundleRoot)).toBe(join(bundleRoot, 'documents'));
    expect(() => documentsDir('/nonexistent/bundle')).toThrow(/no SSM documents: expected \/nonexistent\/bundle\/documents/);
  });

  it('should wire into each function only the adapters its entry builds', () => {
    // Assess
    const act = runtimeOf('act');
    expect(act.deps.hosts).toBeInstanceOf(SsmHostCommands);
    expect(act.deps.alarms).toBe(act.deps.metrics);
    expect(act.wired).toEqual(['store', 'hosts', 'alarms', 'metrics', 'callbacks', 'profile']);
    expect(runtimeOf('alarm').wired).toEqual(['store', 'callbacks']);
    expect(runtimeOf('test').wired).toEqual(['store', 'parameters', 'tester']);
  });

  it('should start executions only where STATE_MACHINE_ARN is set, and refuse loudly elsewhere', async () => {
    // Prepare
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:runbook:CR-2025-001' });
    const phase = runtimeOf('act').deps;
    const status = runtimeOf('execution-status').deps;

    // Act
    const refused = phase.executions.start('CR-2025-001', { changeId: 'CR-2025-001', attempt: 1 });
    const started = await status.executions.start('CR-2025-001', { changeId: 'CR-2025-001', attempt: 1 });

    // Assess
    await expect(refused).rejects.toThrow(PortNotWired);
    await expect(phase.executions.start('CR-2025-001', { changeId: 'CR-2025-001', attempt: 1 })).rejects.toThrow(/act: executions.start is not available .*STATE_MACHINE_ARN/);
    expect(status.executions).toBeInstanceOf(SfnExecutions);
    expect(started.alreadyStarted).toBe(false);
  });

  it('should fail a port the function does not wire with its name, the call and the reason', async () => {
    // Prepare: the alarm function only fails the monitoring window's callback.
    const { deps, profile } = runtimeOf('alarm');

    // Act
    const notify = deps.notifier.notify({ kind: 'completed', severity: 'info', changeId: 'CR-2025-001', title: 't', text: 'x' });

    // Assess
    await expect(notify).rejects.toThrow(/alarm: notifier.notify is not available in this function \(it wires store, callbacks\): the code of lambdas\/aws\/alarm.ts never calls it/);
    await expect(profile()).rejects.toThrow(/alarm: the environment profile is not available/);
    // Awaiting a stand-in itself is harmless (it is no thenable).
    expect(await Promise.resolve(deps.hosts)).toBe(deps.hosts);
  });
});

describe('each entry wires every port its code reaches', () => {
  // The handler code each entry can run, followed by the TypeScript checker (test/infra/port-usage.ts): every `deps.<port>`
  // it calls or passes on. A port reached but not wired would fail on AWS only, where no other test runs.
  const usage = portUsage(FUNCTION_NAMES.map((fn) => join(ROOT, 'lambdas', 'aws', `${fn}.ts`)));
  /** Reached, deliberately not wired, and handled where reached. */
  const ABSENT_ON_PURPOSE: Partial<Record<FunctionName, string[]>> = {
    // The REPORT code's apiHealthNow (phases/report.ts) smoke-tests the API when a tester is at hand and falls back to the
    // attempt's last health-check step when it refuses: the api and execution-status end attempts through that code too.
    // activeProbe: optional in Deps, built only when the stack deployed a probe (PROBE_* variables, monitoring.source:
    // probe; test/adapters/aws/scheduler-active-probe.mock.test.ts), and the code asks `if (deps.activeProbe)`.
    'plan': ['activeProbe'],
    'report': ['tester', 'activeProbe'],
    'api': ['tester', 'activeProbe'],
    'execution-status': ['tester', 'activeProbe'],
    // Its `metrics.publish` goes to the EMF publisher the entry hands runScheduledCheck, not to a Deps port.
    'scheduled-check': ['metrics'],
  };

  // The probe builds no Deps: its handler is handed its PutMetricData sink directly (lambdas/aws/probe.ts).
  it.each(FUNCTION_NAMES.filter((fn) => fn !== 'probe'))('%s', async (fn) => {
    // Prepare
    const { runtime } = (entries.get(fn) ?? await import(`../../lambdas/aws/${fn}`)) as Entry & { runtime: AwsRuntime };
    const reached = [...(usage.get(join(ROOT, 'lambdas', 'aws', `${fn}.ts`))?.ports ?? [])];

    // Act
    const unwired = reached.filter((port) => !(runtime.wired as string[]).includes(port) && !(ABSENT_ON_PURPOSE[fn] ?? []).includes(port));

    // Assess
    expect(reached.length).toBeGreaterThan(0);
    expect({ fn, unwired }).toEqual({ fn, unwired: [] });
    // Documents travel with exactly the functions that wire host commands (lib/functions.ts copies them into those bundles).
    expect({ fn, hosts: runtime.wired.includes('hosts') }).toEqual({ fn, hosts: (WITH_DOCUMENTS as readonly string[]).includes(fn) });
  });
});

describe('awsRuntime load tester', () => {
  it('should refuse smoke and load tests outside the test function, whose entry passes the HTTP load tester', async () => {
    // Prepare
    const { deps } = awsRuntime('act', parseEnv('act', ENV) as AwsEnv, () => ({}));

    // Act
    const smoke = deps.tester.smoke('https://example.test', []);
    const load = deps.tester.load('https://example.test', { virtualUsers: 1, durationSeconds: 1, paths: ['/'] });

    // Assess
    await expect(smoke).rejects.toThrow(/test function only/);
    await expect(load).rejects.toThrow(/test function only/);
  });
});

describe('parseEnv', () => {
  it('should reject an environment without TABLE_NAME, naming it', () => {
    // Prepare
    const { TABLE_NAME: _omitted, ...withoutTable } = ENV;

    // Act
    const parsing = () => parseEnv('act', withoutTable);

    // Assess
    expect(parsing).toThrow(/act: environment invalid: .*TABLE_NAME/);
  });

  it('should require STATE_MACHINE_ARN for the functions that start executions only', () => {
    // Assess
    expect(() => parseEnv('api', ENV)).toThrow(/STATE_MACHINE_ARN/);
    expect(() => parseEnv('execution-status', ENV)).toThrow(/STATE_MACHINE_ARN/);
    expect(parseEnv('plan', ENV).DOCUMENT_NAME_PREFIX).toBe('');
  });
});
