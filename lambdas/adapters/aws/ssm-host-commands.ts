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
  type Command,
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
/**
 * Invocations read per page (ListCommandInvocations MaxResults is 1-50): one page is the sample of a successful
 * command's output, and one page per unsuccessful status the instance ids reported by name.
 */
export const SAMPLE_INSTANCES = 50;

export interface SsmHostCommandsOptions {
  /** The project's documents by name (see {@link loadDocuments}); nothing else can be sent. */
  documents: Record<string, CommandDocument>;
  /** SSM document names are `<prefix><name>` (the stack prefixes them to keep several environments apart). */
  documentNamePrefix?: string;
  /** CloudWatch Logs group that receives the full output (the API keeps only the first 24,000 characters). */
  logGroupName: string;
  /** Run Command rate control: "50%" (default) or a number of instances at a time. */
  maxConcurrency?: string;
  /** Retries when the command or its invocations are not listed yet right after SendCommand (default 3). */
  listRetries?: number;
  /** First backoff delay; doubles on each retry (default 250 ms). */
  retryDelayMs?: number;
  /** Unsuccessful instances whose full stdout/stderr is fetched with GetCommandInvocation (default 10); on success, one. */
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

  /**
   * A command's outcome in a bounded number of calls, whatever its fleet size (ListCommands once, then at most one
   * page of invocations per status read, and GetCommandInvocation for a bounded few):
   * - its overall state and counts from ListCommands: Command.Status, TargetCount, CompletedCount, ErrorCount (Failed
   *   or Execution Timed Out), DeliveryTimedOutCount
   *   (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_ListCommands.html,
   *   https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_Command.html);
   * - on success, one page of ListCommandInvocations (Details, MaxResults 50) as a sample of the output, and the full
   *   output of one instance (its last stdout line is the document's result);
   * - otherwise one page per unsuccessful status, filtered by the documented Status filter (Failed, TimedOut —
   *   delivery and execution —, Undeliverable, InvalidPlatform, Terminated, AccessDenied, and Cancelled for a
   *   cancelled command:
   *   https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_CommandFilter.html), the full output of the
   *   first few of those, and a closing line with the counts and the instance ids listed.
   */
  async outcome(commandId: string): Promise<CommandOutcome> {
    const command = await this.commandWithRetry(commandId);
    // Right after SendCommand the command may not be listed yet: not failed, just not visible.
    if (!command?.Status) return { status: 'InProgress', stdout: '', stderr: '' };
    const counts = commandCounts(command);
    const inFlight = IN_FLIGHT.has(command.Status);
    // A command whose tag targets matched no instance ends with zero targets and nothing ran: a failed step, not a
    // success (Command.TargetCount).
    if (counts.targets === 0) {
      if (inFlight) return { status: 'InProgress', stdout: '', stderr: '' };
      return { status: 'Failed', instances: 0, stdout: '', stderr: `the command reached no instance: no managed instance matched its targets (command ${command.Status}, 0 targets)` };
    }
    // Every invocation finished but the command's own status not yet updated: the output is read (the status event
    // that asks for it is already out), the status stays InProgress for those who poll.
    const allFinished = counts.completed >= counts.targets;
    if (inFlight && !allFinished) return { status: 'InProgress', instances: counts.targets, stdout: '', stderr: '' };
    const status = inFlight ? 'InProgress' : commandStatus(command.Status, counts);
    const succeeded = inFlight ? counts.errors === 0 && counts.deliveryTimedOut === 0 : status === 'Success';
    return succeeded ? this.successOutcome(commandId, status, counts) : this.failureOutcome(commandId, status, command.Status, counts);
  }

  private async commandWithRetry(commandId: string): Promise<Command | undefined> {
    for (let attempt = 0; ; attempt += 1) {
      const listed = await callAws('SSM ListCommands', () => this.client.send(new ListCommandsCommand({ CommandId: commandId })));
      const command = listed?.Commands?.find((c) => c.CommandId === commandId) ?? listed?.Commands?.[0];
      if (command || attempt >= this.listRetries) return command;
      await this.sleep(this.retryDelayMs * 2 ** attempt);
    }
  }

  private async successOutcome(commandId: string, status: CommandOutcome['status'], counts: CommandCounts): Promise<CommandOutcome> {
    const invocations = await this.pageWithRetry(commandId);
    if (invocations.length === 0) {
      return { status, instances: counts.targets, stdout: '', stderr: `${counts.targets} instance(s) succeeded but ListCommandInvocations listed none of them after ${this.listRetries + 1} tries: no output to show here; it is in CloudWatch Logs group ${this.options.logGroupName} (log streams of command ${commandId})` };
    }
    const listed = invocations.map(listedOutput);
    // The last section's stdout is where the document's result is read from: that instance's output is read whole.
    const last = listed.length - 1;
    const outputs = await this.withFullOutput(commandId, listed, [last]);
    const aggregated = aggregate(outputs, status, this.options.logGroupName, commandId);
    const more = counts.targets > outputs.length ? sampleLine(counts, outputs.length, this.options.logGroupName, commandId) : '';
    return { ...aggregated, instances: counts.targets, ...(more ? { stderr: tail(`${aggregated.stderr}${aggregated.stderr ? '\n' : ''}${more}`) } : {}) };
  }

  private async failureOutcome(commandId: string, status: CommandOutcome['status'], commandState: string, counts: CommandCounts): Promise<CommandOutcome> {
    // Every invocation status that is neither success nor in flight (CommandFilter "Status" values for
    // ListCommandInvocations: https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_CommandFilter.html);
    // the command's ErrorCount counts only Failed and execution time-outs, so a host that was never reached
    // (Undeliverable, InvalidPlatform, AccessDenied) or was Terminated must be listed to be named.
    const statuses = [...(commandState === 'Cancelled' ? ['Cancelled'] : []), 'Failed', 'TimedOut', 'Undeliverable', 'InvalidPlatform', 'Terminated', 'AccessDenied'];
    const seen = new Set<string>();
    const invocations: CommandInvocation[] = [];
    // A full page may have more behind it: the count then comes from the command's counts, or is a lower bound.
    let pageFull = false;
    for (const value of statuses) {
      const page = await this.page(commandId, { key: 'Status', value });
      if (page.length >= SAMPLE_INSTANCES) pageFull = true;
      for (const i of page) {
        if (i.InstanceId && !seen.has(i.InstanceId)) {
          seen.add(i.InstanceId);
          invocations.push(i);
        }
      }
    }
    // Nothing listed under those statuses (an invocation status the filters do not name): one unfiltered page.
    const sample = invocations.length > 0 ? invocations : await this.pageWithRetry(commandId);
    const listed = sample.map(listedOutput);
    const unsuccessful = listed.filter((o) => o.status !== 'Success');
    const full = listed.map((o, index) => ({ o, index })).filter(({ o }) => o.status !== 'Success' && !IN_FLIGHT.has(o.status))
      .slice(0, this.fullOutputInstances).map(({ index }) => index);
    const outputs = await this.withFullOutput(commandId, listed, full);
    const aggregated = aggregate(outputs, status, this.options.logGroupName, commandId);
    // The command's counts, or more when the listing found more (statuses ErrorCount does not count).
    const notOk = Math.max(counts.errors + counts.deliveryTimedOut, unsuccessful.length);
    const summary = failureLine(commandState, counts, unsuccessful, notOk, pageFull);
    return {
      ...aggregated,
      instances: counts.targets,
      stderr: tail(`${aggregated.stderr}${aggregated.stderr ? '\n' : ''}${summary}`),
      notSucceeded: { count: notOk, instanceIds: unsuccessful.map((o) => o.instanceId) },
    };
  }

  /** One page of invocations (Details for the plugin output, MaxResults at most 50), optionally filtered by status. */
  private async page(commandId: string, filter?: { key: 'Status'; value: string }): Promise<CommandInvocation[]> {
    const page = await callAws('SSM ListCommandInvocations', () => this.client.send(new ListCommandInvocationsCommand({
      CommandId: commandId, Details: true, MaxResults: SAMPLE_INSTANCES, ...(filter ? { Filters: [filter] } : {}),
    })));
    return page.CommandInvocations ?? [];
  }

  /** Listed by ListCommands but its invocations not yet (eventual consistency): retried with backoff, as the command is. */
  private async pageWithRetry(commandId: string): Promise<CommandInvocation[]> {
    for (let attempt = 0; ; attempt += 1) {
      const invocations = await this.page(commandId);
      if (invocations.length > 0 || attempt >= this.listRetries) return invocations;
      await this.sleep(this.retryDelayMs * 2 ** attempt);
    }
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
   * The one call of this adapter that grows with the fleet: ⌈instances/50⌉ calls, once per change (PRE-FLIGHT). It
   * cannot be constant: MaxResults is at most 50 and the AgentVersion filter matches versions by equality only, so no
   * filter returns just the outdated agents; every target's version is read and compared here.
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

  /**
   * The listing's plugin output is short; GetCommandInvocation gives the first 24,000 characters of stdout (where a
   * document prints only its one-line JSON result) and 8,000 of stderr (its progress). Read for the listed
   * instances at these indexes only, so the calls stay bounded whatever the fleet.
   */
  private async withFullOutput(commandId: string, listed: InstanceOutput[], indexes: number[]): Promise<InstanceOutput[]> {
    const outputs = [...listed];
    await Promise.all(indexes.map(async (index) => {
      const o = outputs[index];
      if (!o) return;
      const full = await this.invocationOutput(commandId, o.instanceId);
      if (full) outputs[index] = { ...o, ...full, ...(full.exitCode === undefined && o.exitCode !== undefined ? { exitCode: o.exitCode } : {}) };
    }));
    return outputs;
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

interface CommandCounts {
  targets: number;
  completed: number;
  /** Failed or Execution Timed Out. */
  errors: number;
  deliveryTimedOut: number;
}

function commandCounts(command: Command): CommandCounts {
  return { targets: command.TargetCount ?? 0, completed: command.CompletedCount ?? 0, errors: command.ErrorCount ?? 0, deliveryTimedOut: command.DeliveryTimedOutCount ?? 0 };
}

/**
 * The command's final status, as Run Command computed it over every invocation; a Success that still counts an
 * error or a delivery time-out (MaxErrors above 0 would allow it) is not a success here: every host must succeed.
 */
function commandStatus(status: string, counts: CommandCounts): CommandOutcome['status'] {
  if (status === 'Success') {
    if (counts.errors > 0) return 'Failed';
    if (counts.deliveryTimedOut > 0) return 'TimedOut';
    return 'Success';
  }
  if (status === 'Failed' || status === 'TimedOut' || status === 'Cancelled') return status;
  throw new Error(`SSM ListCommands returned a command status this engine does not know: ${JSON.stringify(status)}`);
}

function sampleLine(counts: CommandCounts, shown: number, logGroupName: string, commandId: string): string {
  return `${counts.targets} instance(s) succeeded; the output of ${shown} is shown here, all of it is in CloudWatch Logs group ${logGroupName} (log streams of command ${commandId})`;
}

/** The closing line of a command that did not succeed: its counts, and the unsuccessful instances listed, by id. */
function failureLine(commandState: string, counts: CommandCounts, unsuccessful: InstanceOutput[], notOk: number, pageFull: boolean): string {
  // Cancelled invocations have no count of their own in the Command: past a full page their number is not known.
  const atLeast = pageFull && unsuccessful.length > counts.errors + counts.deliveryTimedOut ? 'at least ' : '';
  const ids = unsuccessful.map((o) => `${o.instanceId} ${o.status}`).join(', ');
  const which = unsuccessful.length === 0 ? '' : unsuccessful.length < notOk ? `; the first ${unsuccessful.length}: ${ids}` : `: ${ids}`;
  return `command ${commandState} on ${counts.targets} instance(s): ${counts.completed} finished, ${counts.errors} failed or timed out running, ${counts.deliveryTimedOut} not delivered in time; ${atLeast}${notOk} did not succeed${which}`;
}

function aggregate(outputs: InstanceOutput[], status: CommandOutcome['status'], logGroupName: string, commandId: string): CommandOutcome {
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
