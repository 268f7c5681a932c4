// SsmHostCommands against a mocked SSM client: the exact SendCommand a step becomes (document name, parameters,
// targets, rate control, timeouts, output), parameter checks before anything is sent, how an outcome is read back
// over several instances, and which failures become TransientError.
import {
  GetCommandInvocationCommand,
  InvalidDocument,
  CancelCommandCommand,
  DescribeInstanceInformationCommand,
  InvalidCommandId,
  InvocationDoesNotExist,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  SendCommandCommand,
  SSMClient,
  ThrottlingException,
  type Command,
  type CommandInvocation,
  type ListCommandInvocationsCommandInput,
} from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { DOCUMENTS_DIR } from '../../../documents';
import {
  OUTPUT_LIMIT,
  SAMPLE_INSTANCES,
  STDERR_LIMIT,
  SsmHostCommands,
  deliveryTimeoutSeconds,
  loadDocuments,
  type SsmHostCommandsOptions,
} from '../../../lambdas/adapters/aws/ssm-host-commands';
import { agentProblems } from '../../../lambdas/core/agent-version';
import { parseCommandDocument } from '../../../lambdas/core/documents';
import { TransientError, ValidationError } from '../../../lambdas/core/errors';
import type { SendCommandRequest } from '../../../lambdas/ports';
import { lastLineJson } from '../../../lambdas/phases/events';

const ssm = mockClient(SSMClient);
const client = new SSMClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const documents = loadDocuments(DOCUMENTS_DIR);
const sleeps: number[] = [];

function hosts(options: Partial<SsmHostCommandsOptions> = {}): SsmHostCommands {
  return new SsmHostCommands(client, {
    documents, documentNamePrefix: 'kis-core-v3-', logGroupName: '/runbook/kis-core-v3/commands',
    sleep: async (ms) => { sleeps.push(ms); }, ...options,
  });
}

function request(overrides: Partial<SendCommandRequest> = {}): SendCommandRequest {
  return {
    changeId: 'CR-2025-001',
    attempt: 1,
    step: { name: 'stop-services', document: 'runbook-ServiceControl', parameters: { Action: 'stop', Services: 'estimator-service,erp-ai-service' }, timeoutSeconds: 300 },
    targets: { kind: 'tag', key: 'Environment', values: ['production'] },
    comment: 'CR-2025-001 attempt 1 stop-services',
    ...overrides,
  };
}

function invocation(instanceId: string, status: CommandInvocation['Status'], output = '', responseCode = status === 'Success' ? 0 : 1): CommandInvocation {
  return { CommandId: 'cmd-1', InstanceId: instanceId, Status: status, CommandPlugins: [{ Name: 'serviceControl', Status: status as never, ResponseCode: responseCode, Output: output }] };
}

afterEach(() => {
  ssm.reset();
  sleeps.length = 0;
});

describe('SsmHostCommands.send', () => {
  it('should send the prefixed document with every parameter as a string array, defaults filled in', async () => {
    // Prepare
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-1' } });

    // Act
    const sent = await hosts().send(request());

    // Assess
    expect(sent).toEqual({ commandId: 'cmd-1' });
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(1);
    expect(ssm.commandCalls(SendCommandCommand)[0]?.args[0].input).toEqual({
      DocumentName: 'kis-core-v3-runbook-ServiceControl',
      DocumentVersion: '$LATEST',
      // executionTimeout: the step's timeoutSeconds, the agent's timeoutSeconds input of the document.
      Parameters: { Action: ['stop'], Services: ['estimator-service,erp-ai-service'], ServiceManager: ['systemd'], WaitSeconds: ['15'], executionTimeout: ['300'] },
      Targets: [{ Key: 'tag:Environment', Values: ['production'] }],
      MaxConcurrency: '50%',
      MaxErrors: '0',
      TimeoutSeconds: 600,
      CloudWatchOutputConfig: { CloudWatchOutputEnabled: true, CloudWatchLogGroupName: '/runbook/kis-core-v3/commands' },
      Comment: 'CR-2025-001 attempt 1 stop-services',
    });
  });

  it('should target instance ids directly and size the delivery timeout to the batches rate control needs', async () => {
    // Prepare
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-2' } });
    const targets = { kind: 'instances' as const, ids: ['i-0123456789abcdef0', 'i-0123456789abcdef1', 'i-0123456789abcdef2'] };

    // Act
    await hosts({ maxConcurrency: '1' }).send(request({ targets }));

    // Assess
    const input = ssm.commandCalls(SendCommandCommand)[0]?.args[0].input;
    expect(input?.InstanceIds).toEqual(targets.ids);
    expect(input?.Targets).toBeUndefined();
    expect(input?.MaxConcurrency).toBe('1');
    expect(input?.TimeoutSeconds).toBe(900);
  });

  it('should cut the comment to the 100 characters SendCommand accepts', async () => {
    // Prepare
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-3' } });

    // Act
    await hosts().send(request({ comment: 'x'.repeat(150) }));

    // Assess
    expect(ssm.commandCalls(SendCommandCommand)[0]?.args[0].input.Comment).toHaveLength(100);
  });

  it('should pass the step timeout as executionTimeout and split StringList values when the document has them', async () => {
    // Prepare
    const doc = parseCommandDocument(`
schemaVersion: "2.2"
parameters:
  Hosts: { type: StringList, allowedPattern: "^[a-z]+$", interpolationType: ENV_VAR }
  executionTimeout: { type: String, default: "3600", allowedPattern: "^([1-9][0-9]{0,4}|1[0-6][0-9]{4}|17[01][0-9]{3}|172[0-7][0-9]{2}|172800)$" }
mainSteps:
  - action: aws:runShellScript
    name: run
    inputs: { runCommand: ["echo \\"$SSM_Hosts\\""], timeoutSeconds: "{{ executionTimeout }}" }
`);
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-4' } });

    // Act
    await hosts({ documents: { 'runbook-Fixture': doc } }).send(request({
      step: { name: 'fixture', document: 'runbook-Fixture', parameters: { Hosts: 'alpha,beta' }, timeoutSeconds: 120 },
    }));

    // Assess
    expect(ssm.commandCalls(SendCommandCommand)[0]?.args[0].input.Parameters).toEqual({ Hosts: ['alpha', 'beta'], executionTimeout: ['120'] });
  });

  it("should refuse a step that sets executionTimeout itself (it comes from the step's timeoutSeconds) before calling SSM", async () => {
    // Act
    const sending = hosts().send(request({ step: { name: 'stop', document: 'runbook-ServiceControl', parameters: { Action: 'stop', Services: 'api', executionTimeout: '99999' }, timeoutSeconds: 60 } }));

    // Assess
    await expect(sending).rejects.toMatchObject({ name: 'ValidationError', issues: [{ path: 'parameters.executionTimeout' }] });
    expect(ssm.calls()).toHaveLength(0);
  });

  it('should refuse a local target before calling SSM', async () => {
    // Act
    const sending = hosts().send(request({ targets: { kind: 'local' } }));

    // Assess
    await expect(sending).rejects.toThrow(ValidationError);
    await expect(sending).rejects.toMatchObject({ issues: [{ path: 'targets' }] });
    expect(ssm.calls()).toHaveLength(0);
  });

  it('should refuse a document that is not one of the project documents', async () => {
    // Act
    const sending = hosts().send(request({ step: { name: 'x', document: 'runbook-Nope', parameters: {}, timeoutSeconds: 60 } }));

    // Assess
    await expect(sending).rejects.toMatchObject({ name: 'ValidationError', issues: [{ path: 'document' }] });
    expect(ssm.calls()).toHaveLength(0);
  });

  it('should refuse a parameter outside the document allowedPattern, naming it, before calling SSM', async () => {
    // Act
    const sending = hosts().send(request({ step: { name: 'stop', document: 'runbook-ServiceControl', parameters: { Action: 'stop', Services: 'api; rm -rf /' }, timeoutSeconds: 60 } }));

    // Assess
    await expect(sending).rejects.toMatchObject({ name: 'ValidationError', issues: [{ path: 'parameters.Services' }] });
    expect(ssm.calls()).toHaveLength(0);
  });

  it('should map throttling to TransientError and keep other SSM errors as they are', async () => {
    // Prepare
    ssm.on(SendCommandCommand)
      .rejectsOnce(new ThrottlingException({ message: 'Rate exceeded', Message: 'Rate exceeded', $metadata: {} }))
      .rejectsOnce(new InvalidDocument({ message: 'Document not found', $metadata: {} }));

    // Act
    const throttled = hosts().send(request());
    await expect(throttled).rejects.toThrow(TransientError);
    const invalid = hosts().send(request());

    // Assess
    await expect(invalid).rejects.toMatchObject({ name: 'InvalidDocument' });
  });
});

describe('SsmHostCommands.send with a step\'s own targets', () => {
  // SendCommand Targets [{ Key: tag:<key>, Values }] (several keys: instances carrying all of them) or InstanceIds:
  // https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html,
  // https://docs.aws.amazon.com/systems-manager/latest/userguide/send-commands-multiple.html
  const step = { name: 'migrations', document: 'runbook-DatabaseMigration', parameters: { MigrationFile: '/app/migrations/pending.sql' }, timeoutSeconds: 1800 };

  it('should send to one instance, or to the environment\'s tag AND the step\'s tag, with the same rate control', async () => {
    // Prepare
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-1' } });

    // Act
    await hosts().send(request({ step: { ...step, targets: { kind: 'instances', ids: ['i-0123456789abcdef0'] } } }));
    await hosts().send(request({ step: { ...step, targets: { kind: 'tag', key: 'Role', values: ['db-primary'] } } }));
    await hosts().send(request({ step }));

    // Assess
    const [one, tagged, all] = ssm.commandCalls(SendCommandCommand).map((c) => c.args[0].input);
    expect(one).toMatchObject({ InstanceIds: ['i-0123456789abcdef0'], MaxConcurrency: '50%', MaxErrors: '0' });
    expect(one?.Targets).toBeUndefined();
    expect(tagged).toMatchObject({ Targets: [{ Key: 'tag:Environment', Values: ['production'] }, { Key: 'tag:Role', Values: ['db-primary'] }], MaxConcurrency: '50%', MaxErrors: '0' });
    expect(all).toMatchObject({ Targets: [{ Key: 'tag:Environment', Values: ['production'] }], MaxConcurrency: '50%', MaxErrors: '0' });
  });

  it('should narrow the environment\'s own tag to fewer values', async () => {
    // Prepare
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'cmd-1' } });

    // Act
    await hosts().send(request({ targets: { kind: 'tag', key: 'Environment', values: ['production', 'production-db'] }, step: { ...step, targets: { kind: 'tag', key: 'Environment', values: ['production-db'] } } }));

    // Assess
    expect(ssm.commandCalls(SendCommandCommand)[0]?.args[0].input.Targets).toEqual([{ Key: 'tag:Environment', Values: ['production-db'] }]);
  });
});

describe('deliveryTimeoutSeconds', () => {
  it('should give every rate-control batch the step timeout, within SendCommand bounds', () => {
    // Assess
    expect(deliveryTimeoutSeconds(300, '50%', { kind: 'tag', key: 'k', values: ['v'] })).toBe(600);
    expect(deliveryTimeoutSeconds(300, '100%', { kind: 'tag', key: 'k', values: ['v'] })).toBe(300);
    expect(deliveryTimeoutSeconds(300, '2', { kind: 'instances', ids: ['i-00000001', 'i-00000002', 'i-00000003'] })).toBe(600);
    expect(deliveryTimeoutSeconds(300, '2', { kind: 'tag', key: 'k', values: ['v'] })).toBe(3000);
    expect(deliveryTimeoutSeconds(5, '100%', { kind: 'tag', key: 'k', values: ['v'] })).toBe(30);
  });
});

/**
 * Fixtures in the documented shapes: ListCommands returns Commands[] of the Command data type (Status, TargetCount,
 * CompletedCount, ErrorCount — "Failed or Execution Timed Out" —, DeliveryTimedOutCount):
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_ListCommands.html,
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_Command.html;
 * ListCommandInvocations takes CommandId, Details, MaxResults 1-50, NextToken and Filters [{ key, value }] with the key
 * Status and a status value (Failed, TimedOut — delivery and execution —, Cancelled, ...):
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_ListCommandInvocations.html,
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_CommandFilter.html.
 */
const command = (overrides: Partial<Command> = {}): Command => ({ CommandId: 'cmd-1', Status: 'Success', TargetCount: 1, CompletedCount: 1, ErrorCount: 0, DeliveryTimedOutCount: 0, ...overrides });

/** A fleet of `size` instances as ListCommandInvocations pages it, honouring MaxResults, NextToken and a Status filter. */
function fleet(size: number, statuses: Record<number, CommandInvocation['Status']> = {}): void {
  const all = Array.from({ length: size }, (_, i) => {
    const status = statuses[i] ?? 'Success';
    return invocation(`i-${(0x10000000 + i).toString(16)}`, status, `{"host":${i}}`);
  });
  ssm.on(ListCommandInvocationsCommand).callsFake((input: ListCommandInvocationsCommandInput) => {
    const wanted = input.Filters?.find((f) => f.key === 'Status')?.value;
    const matching = wanted ? all.filter((i) => i.Status === wanted) : all;
    const start = Number(input.NextToken ?? 0);
    const end = start + (input.MaxResults ?? 50);
    return { CommandInvocations: matching.slice(start, end), ...(end < matching.length ? { NextToken: String(end) } : {}) };
  });
  ssm.on(GetCommandInvocationCommand).callsFake((input: { InstanceId: string }) => {
    const index = Number.parseInt(input.InstanceId.slice(2), 16) - 0x10000000;
    const failed = (statuses[index] ?? 'Success') !== 'Success';
    return { Status: statuses[index] ?? 'Success', ResponseCode: failed ? 4 : 0, StandardOutputContent: `{"host":${index}}\n`, StandardErrorContent: failed ? `host ${index} broke` : '' };
  });
}

const callCounts = (): Record<string, number> => Object.fromEntries(
  ['ListCommands', 'ListCommandInvocations', 'GetCommandInvocation'].map((name) => [name, ssm.calls().filter((c) => c.args[0].constructor.name === `${name}Command`).length]),
);

describe('SsmHostCommands.outcome', () => {
  it('should read one instance: the command from ListCommands, its status, exit code and full stdout/stderr', async () => {
    // Prepare
    ssm.on(ListCommandsCommand).resolves({ Commands: [command()] });
    ssm.on(ListCommandInvocationsCommand).resolves({ CommandInvocations: [invocation('i-0123456789abcdef0', 'Success', 'short…')] });
    ssm.on(GetCommandInvocationCommand).resolves({ Status: 'Success', ResponseCode: 0, StandardOutputContent: 'done\n{"ok":true}\n', StandardErrorContent: '' });

    // Act
    const outcome = await hosts().outcome('cmd-1');

    // Assess
    expect(outcome).toEqual({ status: 'Success', instances: 1, exitCode: 0, stdout: 'done\n{"ok":true}\n', stderr: '' });
    expect(ssm.commandCalls(ListCommandsCommand)[0]?.args[0].input).toEqual({ CommandId: 'cmd-1' });
    expect(ssm.commandCalls(ListCommandInvocationsCommand).map((c) => c.args[0].input)).toEqual([{ CommandId: 'cmd-1', Details: true, MaxResults: 50 }]);
    expect(ssm.commandCalls(GetCommandInvocationCommand)[0]?.args[0].input).toEqual({ CommandId: 'cmd-1', InstanceId: 'i-0123456789abcdef0' });
  });

  it('should be Failed with one section per unsuccessful instance, the failing exit code, and a closing line naming them', async () => {
    // Prepare
    ssm.on(ListCommandsCommand).resolves({ Commands: [command({ Status: 'Failed', TargetCount: 3, CompletedCount: 3, ErrorCount: 2 })] });
    fleet(3, { 1: 'Failed', 2: 'TimedOut' });

    // Act
    const outcome = await hosts().outcome('cmd-1');

    // Assess
    expect(outcome.status).toBe('Failed');
    expect(outcome.instances).toBe(3);
    expect(outcome.exitCode).toBe(4);
    expect(outcome.stdout).toBe('--- i-10000001 Failed (exit 4) ---\n{"host":1}\n\n--- i-10000002 TimedOut (exit 4) ---\n{"host":2}\n');
    expect(outcome.stderr).toBe([
      '--- i-10000001 Failed (exit 4) ---', 'host 1 broke', '--- i-10000002 TimedOut (exit 4) ---', 'host 2 broke',
      'command Failed on 3 instance(s): 3 finished, 2 failed or timed out running, 0 not delivered in time; 2 did not succeed: i-10000001 Failed, i-10000002 TimedOut',
    ].join('\n'));
    expect(outcome.notSucceeded).toEqual({ count: 2, instanceIds: ['i-10000001', 'i-10000002'] });
    expect(ssm.commandCalls(ListCommandInvocationsCommand).map((c) => c.args[0].input.Filters)).toEqual(['Failed', 'TimedOut', 'Undeliverable', 'InvalidPlatform', 'Terminated', 'AccessDenied'].map((value) => [{ key: 'Status', value }]));
  });

  it('should stay InProgress, reading nothing more, while the command has instances still running', async () => {
    // Prepare
    ssm.on(ListCommandsCommand).resolves({ Commands: [command({ Status: 'InProgress', TargetCount: 2, CompletedCount: 1 })] });

    // Act
    const outcome = await hosts().outcome('cmd-1');

    // Assess
    expect(outcome).toEqual({ status: 'InProgress', instances: 2, stdout: '', stderr: '' });
    expect(callCounts()).toEqual({ ListCommands: 1, ListCommandInvocations: 0, GetCommandInvocation: 0 });
  });

  it('should read the output of a command whose instances all finished before its own status did, and still say InProgress', async () => {
    // Prepare: the status event is out, ListCommands lags behind it.
    ssm.on(ListCommandsCommand).resolves({ Commands: [command({ Status: 'InProgress', TargetCount: 2, CompletedCount: 2 })] });
    fleet(2);

    // Act
    const outcome = await hosts().outcome('cmd-1');

    // Assess
    expect(outcome.status).toBe('InProgress');
    expect(lastLineJson(outcome.stdout)).toEqual({ host: 1 });
  });

  it('should retry a command ListCommands does not list yet with backoff, then report InProgress rather than fail', async () => {
    // Prepare
    ssm.on(ListCommandsCommand).resolves({ Commands: [] });

    // Act
    const outcome = await hosts().outcome('cmd-1');

    // Assess
    expect(outcome).toEqual({ status: 'InProgress', stdout: '', stderr: '' });
    expect(ssm.commandCalls(ListCommandsCommand)).toHaveLength(4);
    expect(ssm.commandCalls(ListCommandInvocationsCommand)).toHaveLength(0);
    expect(sleeps).toEqual([250, 500, 1000]);
  });

  it('should fail a command that ended having reached no instance (its tag matched nothing), whatever its status says', async () => {
    // Prepare
    ssm.on(ListCommandsCommand).resolves({ Commands: [command({ Status: 'Success', TargetCount: 0, CompletedCount: 0 })] });

    // Act
    const outcome = await hosts().outcome('cmd-1');

    // Assess
    expect(outcome).toMatchObject({ status: 'Failed', instances: 0, stderr: expect.stringContaining('reached no instance') });
    expect(ssm.commandCalls(ListCommandInvocationsCommand)).toHaveLength(0);
  });

  it('should not fail a command with no targets yet while it is still pending', async () => {
    // Prepare
    ssm.on(ListCommandsCommand).resolves({ Commands: [command({ Status: 'Pending', TargetCount: 0, CompletedCount: 0 })] });

    // Act
    const outcome = await hosts().outcome('cmd-1');

    // Assess
    expect(outcome).toEqual({ status: 'InProgress', stdout: '', stderr: '' });
  });

  it('should not call a Success with an error or a delivery time-out in its counts a success', async () => {
    // Prepare
    ssm.on(ListCommandsCommand)
      .resolvesOnce({ Commands: [command({ TargetCount: 3, CompletedCount: 3, ErrorCount: 1 })] })
      .resolvesOnce({ Commands: [command({ TargetCount: 3, CompletedCount: 3, DeliveryTimedOutCount: 1 })] });
    fleet(3, { 0: 'Failed' });

    // Act
    const failed = await hosts().outcome('cmd-1');
    const timedOut = await hosts().outcome('cmd-1');

    // Assess
    expect(failed.status).toBe('Failed');
    expect(timedOut.status).toBe('TimedOut');
    expect(failed.notSucceeded).toEqual({ count: 1, instanceIds: ['i-10000000'] });
  });

  it('should list the cancelled instances of a cancelled command', async () => {
    // Prepare: a step that timed out gets CancelCommand; its command ends Cancelled.
    ssm.on(ListCommandsCommand).resolves({ Commands: [command({ Status: 'Cancelled', TargetCount: 2, CompletedCount: 2 })] });
    fleet(2, { 1: 'Cancelled' });

    // Act
    const outcome = await hosts().outcome('cmd-1');

    // Assess
    expect(outcome.status).toBe('Cancelled');
    expect(outcome.notSucceeded).toEqual({ count: 1, instanceIds: ['i-10000001'] });
    expect(ssm.commandCalls(ListCommandInvocationsCommand).map((c) => c.args[0].input.Filters?.[0]?.value)).toEqual(['Cancelled', 'Failed', 'TimedOut', 'Undeliverable', 'InvalidPlatform', 'Terminated', 'AccessDenied']);
  });

  it('should count the cancelled hosts of a cancelled command on 1,000 hosts as a lower bound past one page', async () => {
    // Prepare: the Command counts failures and time-outs, not cancellations.
    const statuses = Object.fromEntries(Array.from({ length: 400 }, (_, k) => [600 + k, 'Cancelled'] as const));
    ssm.on(ListCommandsCommand).resolves({ Commands: [command({ Status: 'Cancelled', TargetCount: 1000, CompletedCount: 1000 })] });
    fleet(1000, statuses);

    // Act
    const outcome = await hosts().outcome('cmd-1');

    // Assess
    expect(callCounts()).toEqual({ ListCommands: 1, ListCommandInvocations: 7, GetCommandInvocation: 10 });
    expect(outcome.notSucceeded).toEqual({ count: 50, instanceIds: Array.from({ length: 50 }, (_, k) => `i-${(0x10000000 + 600 + k).toString(16)}`) });
    expect(outcome.stderr.split('\n').pop()).toMatch(/; at least 50 did not succeed: i-10000258 Cancelled, /);
  });

  it('should say so when a successful command lists no invocation even after retries', async () => {
    // Prepare
    ssm.on(ListCommandsCommand).resolves({ Commands: [command({ TargetCount: 2, CompletedCount: 2 })] });
    ssm.on(ListCommandInvocationsCommand).resolves({ CommandInvocations: [] });

    // Act
    const outcome = await hosts().outcome('cmd-1');

    // Assess
    expect(outcome).toEqual({ status: 'Success', instances: 2, stdout: '', stderr: expect.stringContaining('2 instance(s) succeeded but ListCommandInvocations listed none of them after 4 tries') });
    expect(sleeps).toEqual([250, 500, 1000]);
  });

  it('should refuse, loudly, a command status it does not know', async () => {
    // Prepare
    ssm.on(ListCommandsCommand).resolves({ Commands: [command({ Status: 'Exploded' as never })] });

    // Act
    const reading = hosts().outcome('cmd-1');

    // Assess
    await expect(reading).rejects.toThrow('command status this engine does not know: "Exploded"');
  });

  it('should use the invocations as soon as a retry lists them', async () => {
    // Prepare
    ssm.on(ListCommandsCommand).resolves({ Commands: [command()] });
    ssm.on(ListCommandInvocationsCommand)
      .resolvesOnce({ CommandInvocations: [] })
      .resolves({ CommandInvocations: [invocation('i-0000000a', 'Success', 'ok')] });
    ssm.on(GetCommandInvocationCommand).resolves({ ResponseCode: 0, StandardOutputContent: 'ok' });

    // Act
    const outcome = await hosts().outcome('cmd-1');

    // Assess
    expect(outcome.status).toBe('Success');
    expect(outcome.stdout).toBe('ok');
    expect(sleeps).toEqual([250]);
  });

  it('should name a host the command never reached (Undeliverable), which the command\'s ErrorCount does not count', async () => {
    // Prepare: one host failed, one was never reached; ErrorCount counts only Failed and execution time-outs
    // (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_Command.html), and Undeliverable is one of the
    // documented Status filter values of ListCommandInvocations (API_CommandFilter.html), the invocation's StatusDetails
    ssm.on(ListCommandsCommand).resolves({ Commands: [command({ Status: 'Failed', TargetCount: 2, CompletedCount: 2, ErrorCount: 1 })] });
    ssm.on(ListCommandInvocationsCommand).resolves({ CommandInvocations: [] });
    ssm.on(ListCommandInvocationsCommand, { Filters: [{ key: 'Status', value: 'Failed' }] }).resolves({ CommandInvocations: [invocation('i-0000000a', 'Failed', 'boom', 1)] });
    ssm.on(ListCommandInvocationsCommand, { Filters: [{ key: 'Status', value: 'Undeliverable' }] }).resolves({ CommandInvocations: [{ ...invocation('i-0000000b', 'Failed'), StatusDetails: 'Undeliverable' }] });
    ssm.on(GetCommandInvocationCommand).resolves({ ResponseCode: 1, StandardErrorContent: 'boom' });

    // Act
    const outcome = await hosts().outcome('cmd-1');

    // Assess
    expect(outcome.status).toBe('Failed');
    expect(outcome.notSucceeded).toEqual({ count: 2, instanceIds: ['i-0000000a', 'i-0000000b'] });
  });

  it('should retry InvocationDoesNotExist, then fall back to the listing output split into stdout and stderr', async () => {
    // Prepare
    ssm.on(ListCommandsCommand).resolves({ Commands: [command({ Status: 'Failed', ErrorCount: 1 })] });
    ssm.on(ListCommandInvocationsCommand).resolves({ CommandInvocations: [] });
    ssm.on(ListCommandInvocationsCommand, { Filters: [{ key: 'Status', value: 'Failed' }] }).resolves({
      CommandInvocations: [invocation('i-0000000a', 'Failed', 'partial out\n----------ERROR-------\nboom', 2)],
    });
    ssm.on(ListCommandInvocationsCommand, { Filters: [{ key: 'Status', value: 'TimedOut' }] }).resolves({ CommandInvocations: [] });
    ssm.on(GetCommandInvocationCommand).rejects(new InvocationDoesNotExist({ message: 'not yet', $metadata: {} }));

    // Act
    const outcome = await hosts().outcome('cmd-1');

    // Assess
    expect(outcome).toEqual({
      status: 'Failed', instances: 1, exitCode: 2, stdout: 'partial out',
      stderr: 'boom\ncommand Failed on 1 instance(s): 1 finished, 1 failed or timed out running, 0 not delivered in time; 1 did not succeed: i-0000000a Failed',
      notSucceeded: { count: 1, instanceIds: ['i-0000000a'] },
    });
    expect(ssm.commandCalls(GetCommandInvocationCommand)).toHaveLength(4);
  });

  it('should keep the last 24,000 characters of the output, where the result line is', async () => {
    // Prepare
    const long = `${'x'.repeat(30_000)}\n{"result":1}`;
    ssm.on(ListCommandsCommand).resolves({ Commands: [command()] });
    ssm.on(ListCommandInvocationsCommand).resolves({ CommandInvocations: [invocation('i-0000000a', 'Success')] });
    ssm.on(GetCommandInvocationCommand).resolves({ ResponseCode: 0, StandardOutputContent: long });

    // Act
    const outcome = await hosts().outcome('cmd-1');

    // Assess
    expect(outcome.stdout).toHaveLength(OUTPUT_LIMIT);
    expect(outcome.stdout.endsWith('{"result":1}')).toBe(true);
    expect(outcome.truncated?.streams).toEqual(['stdout']);
  });

  /**
   * GetCommandInvocation as documented: StandardOutputContent is "the first 24,000 characters written by the plugin
   * to stdout", StandardErrorContent "the first 8,000 characters written by the plugin to stderr"
   * (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetCommandInvocation.html).
   */
  const asSsmReturns = (stdout: string, stderr: string): { ResponseCode: number; Status: 'Success'; StandardOutputContent: string; StandardErrorContent: string } =>
    ({ ResponseCode: 0, Status: 'Success', StandardOutputContent: stdout.slice(0, 24_000), StandardErrorContent: stderr.slice(0, 8_000) });
  const chatter = Array.from({ length: 1000 }, (_, i) => `progress ${String(i + 1).padStart(90, '0')}\n`).join('');

  it('should keep the result of a step with 100,000 characters of progress on stderr, and say the progress was cut', async () => {
    // Prepare: what a project document writes (progress on stderr, one JSON line on stdout), as SSM returns it
    ssm.on(ListCommandsCommand).resolves({ Commands: [command()] });
    ssm.on(ListCommandInvocationsCommand).resolves({ CommandInvocations: [invocation('i-0000000a', 'Success')] });
    ssm.on(GetCommandInvocationCommand).resolves(asSsmReturns('{"lines":1000}\n', chatter));

    // Act
    const outcome = await hosts().outcome('cmd-1');

    // Assess
    expect(chatter).toHaveLength(100_000);
    expect(outcome.status).toBe('Success');
    expect(lastLineJson(outcome.stdout)).toEqual({ lines: 1000 });
    expect(outcome.stderr).toHaveLength(STDERR_LIMIT);
    expect(outcome.truncated).toEqual({
      streams: ['stderr'],
      note: 'output truncated: i-0000000a returned only its first 8000 characters of stderr; the full output is in CloudWatch Logs group /runbook/kis-core-v3/commands (log streams of command cmd-1)',
    });
  });

  it('should say stdout was cut when a script writes its progress there, which loses the result line', async () => {
    // Prepare: the old layout, progress then the result on stdout
    ssm.on(ListCommandsCommand).resolves({ Commands: [command()] });
    ssm.on(ListCommandInvocationsCommand).resolves({ CommandInvocations: [invocation('i-0000000a', 'Success')] });
    ssm.on(GetCommandInvocationCommand).resolves(asSsmReturns(`${chatter}{"lines":1000}\n`, ''));

    // Act
    const outcome = await hosts().outcome('cmd-1');

    // Assess
    expect(outcome.stdout).toHaveLength(OUTPUT_LIMIT);
    expect(lastLineJson(outcome.stdout)).toBeUndefined();
    expect(outcome.truncated?.streams).toEqual(['stdout']);
    expect(outcome.truncated?.note).toContain('first 24000 characters of stdout');
  });

  it('should keep the result of the instance read whole when several hosts each wrote 100,000 characters of progress', async () => {
    // Prepare
    ssm.on(ListCommandsCommand).resolves({ Commands: [command({ TargetCount: 2, CompletedCount: 2 })] });
    ssm.on(ListCommandInvocationsCommand).resolves({ CommandInvocations: [invocation('i-0000000a', 'Success', '{"host":"a"}'), invocation('i-0000000b', 'Success', '{"host":"b"}')] });
    ssm.on(GetCommandInvocationCommand, { InstanceId: 'i-0000000b' }).resolves(asSsmReturns('{"host":"b"}\n', chatter));

    // Act
    const outcome = await hosts().outcome('cmd-1');

    // Assess: the last section is read whole (its result is the command's); the others come from the listing.
    expect(outcome.stdout).toBe('--- i-0000000a Success (exit 0) ---\n{"host":"a"}\n--- i-0000000b Success (exit 0) ---\n{"host":"b"}\n');
    expect(lastLineJson(outcome.stdout)).toEqual({ host: 'b' });
    expect(ssm.commandCalls(GetCommandInvocationCommand).map((c) => c.args[0].input.InstanceId)).toEqual(['i-0000000b']);
    expect(outcome.stderr).toHaveLength(STDERR_LIMIT + '--- i-0000000b Success (exit 0) ---\n'.length);
    expect(outcome.truncated?.note).toContain('i-0000000b returned only its first 8000 characters of stderr');
  });

  it('should map a throttled ListCommands to TransientError', async () => {
    // Prepare
    ssm.on(ListCommandsCommand).rejects(new ThrottlingException({ message: 'Rate exceeded', Message: 'Rate exceeded', $metadata: {} }));

    // Act
    const reading = hosts().outcome('cmd-1');

    // Assess
    await expect(reading).rejects.toThrow(TransientError);
  });
});

describe('SsmHostCommands.outcome on a large fleet (calls bounded whatever the host count)', () => {
  it('should read a success on 1,000 hosts in three calls: the command, one page of 50, one full output', async () => {
    // Prepare
    ssm.on(ListCommandsCommand).resolves({ Commands: [command({ TargetCount: 1000, CompletedCount: 1000 })] });
    fleet(1000);

    // Act
    const outcome = await hosts().outcome('cmd-1');

    // Assess
    expect(callCounts()).toEqual({ ListCommands: 1, ListCommandInvocations: 1, GetCommandInvocation: 1 });
    expect(outcome).toMatchObject({ status: 'Success', instances: 1000, exitCode: 0 });
    expect(outcome.stdout.match(/^--- i-/gm)).toHaveLength(SAMPLE_INSTANCES);
    expect(lastLineJson(outcome.stdout)).toEqual({ host: 49 });
    expect(outcome.stderr).toBe('1000 instance(s) succeeded; the output of 50 is shown here, all of it is in CloudWatch Logs group /runbook/kis-core-v3/commands (log streams of command cmd-1)');
  });

  it('should name every failed and timed-out host of 1,000 when there are a few, reading the command once and one page per status', async () => {
    // Prepare: 3 failed, 2 timed out, anywhere in the fleet
    ssm.on(ListCommandsCommand).resolves({ Commands: [command({ Status: 'Failed', TargetCount: 1000, CompletedCount: 1000, ErrorCount: 4, DeliveryTimedOutCount: 1 })] });
    fleet(1000, { 7: 'Failed', 420: 'Failed', 999: 'Failed', 100: 'TimedOut', 800: 'TimedOut' });

    // Act
    const outcome = await hosts().outcome('cmd-1');

    // Assess
    expect(callCounts()).toEqual({ ListCommands: 1, ListCommandInvocations: 6, GetCommandInvocation: 5 });
    expect(outcome.status).toBe('Failed');
    expect(outcome.notSucceeded).toEqual({ count: 5, instanceIds: ['i-10000007', 'i-100001a4', 'i-100003e7', 'i-10000064', 'i-10000320'] });
    expect(outcome.stderr.split('\n').pop()).toBe('command Failed on 1000 instance(s): 1000 finished, 4 failed or timed out running, 1 not delivered in time; 5 did not succeed: i-10000007 Failed, i-100001a4 Failed, i-100003e7 Failed, i-10000064 TimedOut, i-10000320 TimedOut');
    expect(outcome.stdout).not.toContain('Success');
  });

  it('should report 300 failures of 1,000 by count and name the first page of each status, the calls still bounded', async () => {
    // Prepare
    const statuses = Object.fromEntries(Array.from({ length: 300 }, (_, k) => [k * 3, k % 2 === 0 ? 'Failed' : 'TimedOut'] as const));
    ssm.on(ListCommandsCommand).resolves({ Commands: [command({ Status: 'Failed', TargetCount: 1000, CompletedCount: 1000, ErrorCount: 300 })] });
    fleet(1000, statuses);

    // Act
    const outcome = await hosts().outcome('cmd-1');

    // Assess
    expect(callCounts()).toEqual({ ListCommands: 1, ListCommandInvocations: 6, GetCommandInvocation: 10 });
    expect(outcome.notSucceeded?.count).toBe(300);
    expect(outcome.notSucceeded?.instanceIds).toHaveLength(2 * SAMPLE_INSTANCES);
    expect(outcome.stderr.split('\n').pop()).toMatch(/; 300 did not succeed; the first 100: i-10000000 Failed, i-10000006 Failed, /);
    expect(ssm.commandCalls(ListCommandInvocationsCommand).every((c) => c.args[0].input.MaxResults === 50 && c.args[0].input.NextToken === undefined)).toBe(true);
  });

  it('should make the same number of calls for 1, 10, 100 and 1,000 hosts', async () => {
    // Prepare
    const counts: Record<string, number>[] = [];

    // Act
    for (const size of [1, 10, 100, 1000]) {
      ssm.reset();
      ssm.on(ListCommandsCommand).resolves({ Commands: [command({ TargetCount: size, CompletedCount: size })] });
      fleet(size);
      await hosts().outcome('cmd-1');
      counts.push(callCounts());
    }

    // Assess
    expect(new Set(counts.map((c) => JSON.stringify(c))).size).toBe(1);
  });
});

describe('SsmHostCommands.cancel', () => {
  it('should cancel the command on every instance it was sent to', async () => {
    // Prepare: https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_CancelCommand.html
    ssm.on(CancelCommandCommand).resolves({});

    // Act
    const result = await hosts().cancel('cmd-1');

    // Assess
    expect(result).toEqual({ cancelled: true });
    expect(ssm.commandCalls(CancelCommandCommand).map((c) => c.args[0].input)).toEqual([{ CommandId: 'cmd-1' }]);
  });

  it('should say nothing was cancelled for an unknown command, and pass throttling on as TransientError', async () => {
    // Prepare
    ssm.on(CancelCommandCommand, { CommandId: 'cmd-gone' }).rejects(new InvalidCommandId({ message: 'no such command', $metadata: {} }));
    ssm.on(CancelCommandCommand, { CommandId: 'cmd-busy' }).rejects(new ThrottlingException({ message: 'slow down', Message: 'slow down', $metadata: {} }));

    // Act
    const gone = await hosts().cancel('cmd-gone');
    const busy = hosts().cancel('cmd-busy');

    // Assess
    expect(gone).toEqual({ cancelled: false });
    await expect(busy).rejects.toBeInstanceOf(TransientError);
  });
});

describe('loadDocuments', () => {
  it('should load every project document by name', () => {
    // Assess
    expect(Object.keys(documents)).toEqual([
      'runbook-Backup', 'runbook-DatabaseMigration', 'runbook-Dependencies', 'runbook-DeployRelease',
      'runbook-HealthCheck', 'runbook-ServiceControl', 'runbook-SystemHealth', 'runbook-TrafficControl',
    ]);
  });
});

describe('SsmHostCommands agents (PRE-FLIGHT\'s SSM Agent version check)', () => {
  // Shape: DescribeInstanceInformation Filters [{ Key: InstanceIds | tag:<key>, Values }], MaxResults, NextToken;
  // InstanceInformationList[].InstanceId/AgentVersion/PingStatus —
  // https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DescribeInstanceInformation.html,
  // https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_InstanceInformationStringFilter.html
  it('should ask for the target instance ids, 50 per filter, following every page', async () => {
    // Prepare
    const ids = Array.from({ length: 60 }, (_, i) => `i-${String(i).padStart(17, '0')}`);
    ssm.on(DescribeInstanceInformationCommand).callsFake((input: { Filters: { Values: string[] }[]; NextToken?: string }) => {
      const values = input.Filters[0]?.Values ?? [];
      const half = input.NextToken ? values.slice(25) : values.slice(0, 25);
      return { InstanceInformationList: half.map((id) => ({ InstanceId: id, AgentVersion: id.endsWith('07') ? '3.2.582.0' : '3.3.3572.0', PingStatus: 'Online' })), ...(input.NextToken || values.length <= 25 ? {} : { NextToken: 'page-2' }) };
    });

    // Act
    const inventory = await hosts().agents({ kind: 'instances', ids });

    // Assess
    const calls = ssm.commandCalls(DescribeInstanceInformationCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => [c.Filters?.[0]?.Key, c.Filters?.[0]?.Values?.length, c.NextToken, c.MaxResults])).toEqual([
      ['InstanceIds', 50, undefined, 50], ['InstanceIds', 50, 'page-2', 50], ['InstanceIds', 10, undefined, 50],
    ]);
    expect(inventory.applicable && inventory.instances).toHaveLength(60);
    expect(agentProblems(inventory)).toEqual([
      `${ids[7]}: SSM Agent 3.2.582.0 is older than 3.3.2746.0, the first version that passes document parameters as environment variables (interpolationType ENV_VAR); update it (AWS-UpdateSSMAgent)`,
    ]);
  });

  it('should read 1,000 tagged hosts in 20 pages of 50, its only calls that grow with the fleet, and refuse the one old agent among them', async () => {
    // Prepare: MaxResults is 5-50; the AgentVersion filter key matches by equality, so no filter returns only old agents.
    ssm.on(DescribeInstanceInformationCommand).callsFake((input: { NextToken?: string; MaxResults?: number }) => {
      const start = Number(input.NextToken ?? 0);
      const end = Math.min(start + (input.MaxResults ?? 50), 1000);
      const page = Array.from({ length: end - start }, (_, k) => ({ InstanceId: `i-${(0x10000000 + start + k).toString(16)}`, AgentVersion: start + k === 999 ? '3.3.2745.0' : '3.3.2746.0', PingStatus: 'Online' }));
      return { InstanceInformationList: page, ...(end < 1000 ? { NextToken: String(end) } : {}) };
    });

    // Act
    const inventory = await hosts().agents({ kind: 'tag', key: 'Role', values: ['web'] });

    // Assess
    expect(ssm.commandCalls(DescribeInstanceInformationCommand)).toHaveLength(20);
    expect(inventory.applicable && inventory.instances).toHaveLength(1000);
    expect(agentProblems(inventory)).toEqual([expect.stringMatching(/^i-100003e7: SSM Agent 3\.3\.2745\.0 is older than 3\.3\.2746\.0/)]);
  });

  it('should filter by the target tag and name an instance SSM does not know', async () => {
    // Prepare
    ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [{ InstanceId: 'i-0123456789abcdef0', AgentVersion: '3.3.2746.0' }] });

    // Act
    const byTag = await hosts().agents({ kind: 'tag', key: 'Environment', values: ['production'] });
    const byId = await hosts().agents({ kind: 'instances', ids: ['i-0123456789abcdef0', 'i-0fedcba9876543210'] });

    // Assess
    expect(ssm.commandCalls(DescribeInstanceInformationCommand)[0]?.args[0].input.Filters).toEqual([{ Key: 'tag:Environment', Values: ['production'] }]);
    expect(agentProblems(byTag)).toEqual([]);
    expect(agentProblems(byId)).toEqual(['i-0fedcba9876543210: not a managed instance of Systems Manager (no SSM Agent registered)']);
  });
});
