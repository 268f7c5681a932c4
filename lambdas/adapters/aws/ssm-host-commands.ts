// HostCommands on AWS: sends the project's SSM Command documents with Run Command (targets by tag or instance id,
// rate control, output to CloudWatch Logs) after checking parameters against the same document files the embedded
// engine runs, and reads a command's outcome back aggregated over every instance it ran on.
import {
  CancelCommandCommand,
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  SendCommandCommand,
  type CommandInvocation,
  type SendCommandCommandInput,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import type { AgentInventory } from '../../core/agent-version';
import { EXECUTION_TIMEOUT_PARAMETER, SSM_MAX_CONCURRENCY, SSM_MAX_ERRORS, stepParameters, type CommandDocument } from '../../core/documents';
import { ValidationError } from '../../core/errors';
import type { CommandStep, StepTargets } from '../../core/schemas';
import type { CommandOutcome, HostCommands, SendCommandRequest } from '../../ports';
import { callAws, errorName, truncate } from './errors';

/**
 * GetCommandInvocation returns only the first 24,000 characters of a plugin's stdout (StandardOutputContent) and the
 * first 8,000 of its stderr (StandardErrorContent):
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetCommandInvocation.html. The documents
 * therefore print only their one-line JSON result on stdout and every progress line on stderr.
 */
export const OUTPUT_LIMIT = 24_000;
export const STDERR_LIMIT = 8_000;
/** SendCommand's Comment field limit. */
export const COMMENT_LIMIT = 100;
/** SendCommand TimeoutSeconds bounds (delivery timeout). */
const MIN_DELIVERY_TIMEOUT = 30;
const MAX_DELIVERY_TIMEOUT = 2_592_000;
/**
 * With an absolute MaxConcurrency and tag targets the fleet size is unknown when sending; the delivery timeout then
 * assumes this many batches. Erring long is safe: the waiting Task's own TimeoutSeconds still bounds the step.
 */
const UNKNOWN_FLEET_BATCHES = 10;
/** The parameter AWS-RunShellScript-style documents use for the agent's execution timeout. */
export { EXECUTION_TIMEOUT_PARAMETER };
/** How the agent separates stderr from stdout in ListCommandInvocations plugin output. */
const ERROR_MARKER = '----------ERROR-------';
const MAX_CONCURRENCY = /^(?:[1-9][0-9]*|(?:[1-9][0-9]?|100)%)$/;

const IN_FLIGHT = new Set(['Pending', 'InProgress', 'Delayed', 'Cancelling']);

export interface SsmHostCommandsOptions {
  /** The project's documents by name (see {@link loadDocuments}); nothing else can be sent. */
  documents: Record<string, CommandDocument>;
  /** SSM document names are `<prefix><name>` (the stack prefixes them to keep several environments apart). */
  documentNamePrefix?: string;
  /** CloudWatch Logs group that receives the full output (the API keeps only the first 24,000 characters). */
  logGroupName: string;
  /** Run Command rate control: "50%" (default) or a number of instances at a time. */
  maxConcurrency?: string;
  /** Listing retries when the invocations are not visible yet right after SendCommand (default 3). */
  listRetries?: number;
  /** First backoff delay; doubles on each retry (default 250 ms). */
  retryDelayMs?: number;
  /** Instances whose full stdout/stderr is fetched with GetCommandInvocation, failed ones first (default 10). */
  fullOutputInstances?: number;
  /** Injected so tests do not wait. */
  sleep?: (ms: number) => Promise<void>;
}

export { loadDocuments } from '../documents-dir';

/** How many rounds rate control needs, so that queued instances are not dropped by the delivery timeout. */
export function deliveryTimeoutSeconds(executionSeconds: number, maxConcurrency: string, targets: SendCommandRequest['targets']): number {
  let batches: number;
  if (maxConcurrency.endsWith('%')) {
    batches = Math.ceil(100 / Number(maxConcurrency.slice(0, -1)));
  } else if (targets.kind === 'instances') {
    batches = Math.ceil(targets.ids.length / Number(maxConcurrency));
  } else {
    batches = UNKNOWN_FLEET_BATCHES;
  }
  return Math.min(MAX_DELIVERY_TIMEOUT, Math.max(MIN_DELIVERY_TIMEOUT, executionSeconds * Math.max(1, batches)));
}

interface InstanceOutput {
  instanceId: string;
  status: string;
  exitCode?: number;
  stdout: string;
  stderr: string;
  /** Streams GetCommandInvocation returned at its limit, so probably cut (the rest is only in CloudWatch Logs). */
  cut?: ('stdout' | 'stderr')[];
}

export class SsmHostCommands implements HostCommands {
  private readonly documents: Record<string, CommandDocument>;
  private readonly prefix: string;
  private readonly maxConcurrency: string;
  private readonly listRetries: number;
  private readonly retryDelayMs: number;
  private readonly fullOutputInstances: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly client: SSMClient, private readonly options: SsmHostCommandsOptions) {
    this.documents = options.documents;
    this.prefix = options.documentNamePrefix ?? '';
    this.maxConcurrency = options.maxConcurrency ?? SSM_MAX_CONCURRENCY;
    if (!MAX_CONCURRENCY.test(this.maxConcurrency)) throw new RangeError(`maxConcurrency must be a count or 1%-100%, got ${JSON.stringify(this.maxConcurrency)}`);
    this.listRetries = options.listRetries ?? 3;
    this.retryDelayMs = options.retryDelayMs ?? 250;
    this.fullOutputInstances = options.fullOutputInstances ?? 10;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async validate(step: CommandStep): Promise<Record<string, string>> {
    return stepParameters(step.document, this.documentOf(step.document), step);
  }

  private documentOf(name: string): CommandDocument {
    const doc = Object.hasOwn(this.documents, name) ? this.documents[name] : undefined;
    if (!doc) {
      throw new ValidationError(`document: no document named ${JSON.stringify(name)}`,
        [{ path: 'document', message: `unknown document ${JSON.stringify(name)}` }]);
    }
    return doc;
  }

  async send(request: SendCommandRequest): Promise<{ commandId: string }> {
    const { step, targets } = request;
    if (targets.kind === 'local') {
      throw new ValidationError('targets: kind local means "this machine" and has no meaning on AWS; use tag or instances',
        [{ path: 'targets', message: 'kind local needs the embedded engine' }]);
    }
    const doc = this.documentOf(step.document);
    // The step's timeoutSeconds reaches the agent as the document's executionTimeout (its timeoutSeconds input), as
    // the local runner kills a step at the same number.
    const resolved = stepParameters(step.document, doc, step);
    const input: SendCommandCommandInput = {
      DocumentName: `${this.prefix}${step.document}`,
      // The bundled copy that just validated the parameters is the version this stack deployed last.
      DocumentVersion: '$LATEST',
      Parameters: Object.fromEntries(Object.entries(resolved).map(([name, value]) =>
        [name, doc.parameters[name]?.type === 'StringList' ? value.split(',') : [value]])),
      ...sendTargets(targets, step.targets),
      // Rate control applies to a narrowed step as to any other.
      MaxConcurrency: this.maxConcurrency,
      // One failed host stops the rollout: the change then rolls back instead of spreading a bad release.
      MaxErrors: SSM_MAX_ERRORS,
      TimeoutSeconds: deliveryTimeoutSeconds(step.timeoutSeconds, this.maxConcurrency, step.targets?.kind === 'instances' ? step.targets : targets),
      CloudWatchOutputConfig: { CloudWatchOutputEnabled: true, CloudWatchLogGroupName: this.options.logGroupName },
      Comment: truncate(request.comment, COMMENT_LIMIT),
    };
    const response = await callAws('SSM SendCommand', () => this.client.send(new SendCommandCommand(input)));
    const commandId = response.Command?.CommandId;
    if (!commandId) throw new Error(`SSM SendCommand for ${step.document} returned no command id`);
    return { commandId };
  }

  async outcome(commandId: string): Promise<CommandOutcome> {
    const invocations = await this.invocationsWithRetry(commandId);
    if (invocations.length === 0) return this.withoutInvocations(commandId);
    const outputs = await this.outputs(commandId, invocations);
    return { ...aggregate(outputs, this.options.logGroupName, commandId), instances: invocations.length };
  }

  /**
   * Right after SendCommand the invocations may not be listed yet: the command is not failed, just not visible. But a
   * command whose tag targets matched no instance ends with zero targets and nothing ran: that is a failed step, not
   * a success (Command.TargetCount: https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_Command.html).
   */
  private async withoutInvocations(commandId: string): Promise<CommandOutcome> {
    const listed = await callAws('SSM ListCommands', () => this.client.send(new ListCommandsCommand({ CommandId: commandId })));
    const command = listed?.Commands?.[0];
    if (command && command.TargetCount === 0 && command.Status !== undefined && !IN_FLIGHT.has(command.Status)) {
      return { status: 'Failed', instances: 0, stdout: '', stderr: `the command reached no instance: no managed instance matched its targets (command ${command.Status}, 0 targets)` };
    }
    return { status: 'InProgress', stdout: '', stderr: '' };
  }

  /** CancelCommand (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_CancelCommand.html); an unknown or finished command is nothing to cancel. */
  async cancel(commandId: string): Promise<{ cancelled: boolean }> {
    try {
      await callAws('SSM CancelCommand', () => this.client.send(new CancelCommandCommand({ CommandId: commandId })));
      return { cancelled: true };
    } catch (err) {
      if (errorName(err) === 'InvalidCommandId') return { cancelled: false };
      throw err;
    }
  }

  /**
   * DescribeInstanceInformation, every page, filtered to the targets: `InstanceIds` (at most 50 ids a call) or
   * `tag:<key>`. Shape: Filters [{ Key, Values }], MaxResults 5-50, NextToken; InstanceInformationList[].AgentVersion,
   * PingStatus: https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DescribeInstanceInformation.html
   * and https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_InstanceInformationStringFilter.html
   */
  async agents(targets: SendCommandRequest['targets']): Promise<AgentInventory> {
    if (targets.kind === 'local') return { applicable: false, reason: 'not applicable: targets kind local has no managed instances' };
    const filters = targets.kind === 'tag'
      ? [[{ Key: `tag:${targets.key}`, Values: targets.values }]]
      : Array.from({ length: Math.ceil(targets.ids.length / 50) }, (_, i) => [{ Key: 'InstanceIds', Values: targets.ids.slice(i * 50, i * 50 + 50) }]);
    const instances: Extract<AgentInventory, { applicable: true }>['instances'] = [];
    for (const Filters of filters) {
      let nextToken: string | undefined;
      do {
        const page = await callAws('SSM DescribeInstanceInformation', () => this.client.send(new DescribeInstanceInformationCommand({
          Filters, MaxResults: 50, ...(nextToken ? { NextToken: nextToken } : {}),
        })));
        for (const i of page.InstanceInformationList ?? []) {
          if (!i.InstanceId) continue;
          instances.push({ instanceId: i.InstanceId, ...(i.AgentVersion ? { agentVersion: i.AgentVersion } : {}), ...(i.PingStatus ? { pingStatus: i.PingStatus } : {}) });
        }
        nextToken = page.NextToken;
      } while (nextToken);
    }
    return { applicable: true, instances, ...(targets.kind === 'instances' ? { expectedIds: targets.ids } : {}) };
  }

  private async invocationsWithRetry(commandId: string): Promise<CommandInvocation[]> {
    for (let attempt = 0; ; attempt += 1) {
      const invocations = await this.listInvocations(commandId);
      if (invocations.length > 0 || attempt >= this.listRetries) return invocations;
      await this.sleep(this.retryDelayMs * 2 ** attempt);
    }
  }

  private async listInvocations(commandId: string): Promise<CommandInvocation[]> {
    const all: CommandInvocation[] = [];
    let nextToken: string | undefined;
    do {
      const page = await callAws('SSM ListCommandInvocations', () => this.client.send(new ListCommandInvocationsCommand({
        CommandId: commandId, Details: true, MaxResults: 50, ...(nextToken ? { NextToken: nextToken } : {}),
      })));
      all.push(...(page.CommandInvocations ?? []));
      nextToken = page.NextToken;
    } while (nextToken);
    return all;
  }

  /**
   * The listing's plugin output is short; GetCommandInvocation gives the first 24,000 characters of stdout (where a
   * document prints only its one-line JSON result) and 8,000 of stderr (its progress). Fetched for finished
   * instances, failed ones first.
   */
  private async outputs(commandId: string, invocations: CommandInvocation[]): Promise<InstanceOutput[]> {
    const fromListing = invocations.map(listedOutput);
    const finished = fromListing
      .map((o, index) => ({ o, index }))
      .filter(({ o }) => !IN_FLIGHT.has(o.status))
      .sort((a, b) => Number(a.o.status === 'Success') - Number(b.o.status === 'Success'))
      .slice(0, this.fullOutputInstances);
    await Promise.all(finished.map(async ({ o, index }) => {
      const full = await this.invocationOutput(commandId, o.instanceId);
      if (full) fromListing[index] = { ...o, ...full, ...(full.exitCode === undefined && o.exitCode !== undefined ? { exitCode: o.exitCode } : {}) };
    }));
    return fromListing;
  }

  private async invocationOutput(commandId: string, instanceId: string): Promise<Omit<InstanceOutput, 'instanceId' | 'status'> | undefined> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        const r = await callAws('SSM GetCommandInvocation', () => this.client.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId })));
        const stdout = r.StandardOutputContent ?? '';
        const stderr = r.StandardErrorContent ?? '';
        const cut = [...(stdout.length >= OUTPUT_LIMIT ? ['stdout' as const] : []), ...(stderr.length >= STDERR_LIMIT ? ['stderr' as const] : [])];
        return {
          stdout,
          stderr,
          ...(cut.length > 0 ? { cut } : {}),
          ...(r.ResponseCode !== undefined && r.ResponseCode >= 0 ? { exitCode: r.ResponseCode } : {}),
        };
      } catch (err) {
        // Listed but not yet readable (eventual consistency): retry, then settle for the listing's short output.
        if (errorName(err) !== 'InvocationDoesNotExist') throw err;
        if (attempt >= this.listRetries) return undefined;
        await this.sleep(this.retryDelayMs * 2 ** attempt);
      }
    }
  }
}

/**
 * SendCommand's Targets or InstanceIds: the environment's, or a step's narrower ones (profile validation keeps them
 * within the environment). Several tag keys in Targets select the instances that carry all of them
 * (https://docs.aws.amazon.com/systems-manager/latest/userguide/send-commands-multiple.html).
 */
export function sendTargets(environment: SendCommandRequest['targets'], step: StepTargets | undefined): Pick<SendCommandCommandInput, 'Targets' | 'InstanceIds'> {
  if (environment.kind === 'local') throw new ValidationError('targets: kind local needs the embedded engine', [{ path: 'targets', message: 'kind local needs the embedded engine' }]);
  if (step?.kind === 'instances') return { InstanceIds: step.ids };
  if (environment.kind === 'instances') {
    if (step) throw new ValidationError('targets: a step of an environment targeted by instance ids narrows it by ids only', [{ path: 'targets', message: 'use kind instances' }]);
    return { InstanceIds: environment.ids };
  }
  const own = { Key: `tag:${environment.key}`, Values: environment.values };
  if (!step) return { Targets: [own] };
  return { Targets: step.key === environment.key ? [{ Key: own.Key, Values: step.values }] : [own, { Key: `tag:${step.key}`, Values: step.values }] };
}

function listedOutput(invocation: CommandInvocation): InstanceOutput {
  const plugin = invocation.CommandPlugins?.[0];
  const output = plugin?.Output ?? '';
  const marker = output.indexOf(ERROR_MARKER);
  const code = plugin?.ResponseCode;
  return {
    instanceId: invocation.InstanceId ?? 'unknown',
    status: invocation.Status ?? 'Pending',
    ...(code !== undefined && code >= 0 ? { exitCode: code } : {}),
    stdout: marker < 0 ? output : output.slice(0, marker).trimEnd(),
    stderr: marker < 0 ? '' : output.slice(marker + ERROR_MARKER.length).trim(),
  };
}

/** Success only when every instance succeeded; still in progress while any instance is. */
function overallStatus(statuses: string[]): CommandOutcome['status'] {
  if (statuses.some((s) => IN_FLIGHT.has(s))) return 'InProgress';
  if (statuses.every((s) => s === 'Success')) return 'Success';
  if (statuses.includes('TimedOut') && !statuses.includes('Failed')) return 'TimedOut';
  if (statuses.includes('Cancelled') && !statuses.includes('Failed')) return 'Cancelled';
  return 'Failed';
}

function aggregate(outputs: InstanceOutput[], logGroupName: string, commandId: string): CommandOutcome {
  const status = overallStatus(outputs.map((o) => o.status));
  const [only] = outputs;
  if (outputs.length === 1 && only) {
    const stdout = tail(only.stdout);
    const stderr = tail(only.stderr);
    return {
      status, ...(only.exitCode !== undefined ? { exitCode: only.exitCode } : {}), stdout, stderr,
      ...truncation(outputs, tailedStreams(only.stdout, only.stderr), logGroupName, commandId),
    };
  }
  // Several hosts: one section each, so an operator sees which host said what; the tail is kept because the last
  // stdout line is a document's result (each host's stdout is that one line).
  const header = (o: InstanceOutput): string => `--- ${o.instanceId} ${o.status}${o.exitCode !== undefined ? ` (exit ${o.exitCode})` : ''} ---`;
  const stdout = outputs.map((o) => `${header(o)}\n${o.stdout}`).join('\n');
  const stderr = outputs.filter((o) => o.stderr !== '').map((o) => `${header(o)}\n${o.stderr}`).join('\n');
  const codes = outputs.map((o) => o.exitCode);
  const failedCode = codes.find((c) => c !== undefined && c !== 0);
  const exitCode = failedCode ?? (codes.every((c) => c === 0) ? 0 : undefined);
  return {
    status, ...(exitCode !== undefined ? { exitCode } : {}), stdout: tail(stdout), stderr: tail(stderr),
    ...truncation(outputs, tailedStreams(stdout, stderr), logGroupName, commandId),
  };
}

/** Says which output SSM (or the aggregation here) cut and where the whole of it is, rather than cutting silently. */
function truncation(outputs: InstanceOutput[], tailed: ('stdout' | 'stderr')[], logGroupName: string, commandId: string): Pick<CommandOutcome, 'truncated'> {
  const cut = outputs.filter((o) => o.cut);
  if (cut.length === 0 && tailed.length === 0) return {};
  const streams = (['stdout', 'stderr'] as const).filter((s) => tailed.includes(s) || cut.some((o) => o.cut?.includes(s)));
  const parts = cut.map((o) => `${o.instanceId} returned only its first ${(o.cut ?? []).map((s) => s === 'stdout' ? `${OUTPUT_LIMIT} characters of stdout` : `${STDERR_LIMIT} characters of stderr`).join(' and ')}`);
  if (tailed.length > 0) parts.push(`only the last ${OUTPUT_LIMIT} characters of the ${tailed.join(' and ')} of ${outputs.length} instance(s) are kept here`);
  return {
    truncated: {
      streams,
      note: `output truncated: ${parts.join('; ')}; the full output is in CloudWatch Logs group ${logGroupName} (log streams of command ${commandId})`,
    },
  };
}

function tailedStreams(stdout: string, stderr: string): ('stdout' | 'stderr')[] {
  return (['stdout', 'stderr'] as const).filter((s) => (s === 'stdout' ? stdout : stderr).length > OUTPUT_LIMIT);
}

function tail(text: string): string {
  return text.length > OUTPUT_LIMIT ? text.slice(-OUTPUT_LIMIT) : text;
}
