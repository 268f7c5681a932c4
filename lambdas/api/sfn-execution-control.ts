// ExecutionControl on AWS Step Functions: StopExecution for cancels, and DescribeExecution + GetExecutionHistory
// turned into the same history events the embedded engine records, so `runbook inspect` reads both alike.
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  StopExecutionCommand,
  type HistoryEvent as SfnHistoryEvent,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { callAws, errorName } from '../adapters/aws/errors';
import { executionArn } from '../adapters/aws/sfn-callbacks';
import type { ExecutionControl, ExecutionHistory, ExecutionHistoryEvent, ExecutionRunStatus } from '../ports';

/** A change's history is a few hundred events; this bounds a runaway (GetExecutionHistory pages hold 1,000). */
const MAX_PAGES = 25;

/** The Step Functions console page of an execution. */
export function consoleUrl(region: string, arn: string): string {
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${encodeURIComponent(arn)}`;
}

function inputStep(input: string | undefined): string | undefined {
  if (!input) return undefined;
  try {
    const parsed = JSON.parse(input) as { command?: { name?: unknown } };
    return typeof parsed.command?.name === 'string' ? parsed.command.name : undefined;
  } catch {
    return undefined;
  }
}

const TASK_FAILURES: Record<string, keyof SfnHistoryEvent> = {
  TaskFailed: 'taskFailedEventDetails',
  TaskTimedOut: 'taskTimedOutEventDetails',
  LambdaFunctionFailed: 'lambdaFunctionFailedEventDetails',
  LambdaFunctionTimedOut: 'lambdaFunctionTimedOutEventDetails',
  TaskSubmitFailed: 'taskSubmitFailedEventDetails',
  TaskStartFailed: 'taskStartFailedEventDetails',
};

const EXECUTION_ENDS: Record<string, keyof SfnHistoryEvent> = {
  ExecutionFailed: 'executionFailedEventDetails',
  ExecutionAborted: 'executionAbortedEventDetails',
  ExecutionTimedOut: 'executionTimedOutEventDetails',
};

interface Entered { name: string; type: string; parent?: string; index?: number; step?: string }

/**
 * Step Functions events → the engine's event vocabulary (StateEntered/Exited/Failed/Retried, MapIteration*).
 * A Task's events are tied to its state through previousEventId; the state a nested state runs inside is the
 * innermost Map or Parallel open when it was entered (the definition's Maps run one item at a time).
 */
export function fromSfnHistory(events: SfnHistoryEvent[]): ExecutionHistoryEvent[] {
  const out: ExecutionHistoryEvent[] = [];
  const entered = new Map<number, Entered>();
  const stateOfEvent = new Map<number, number>();
  const failedOnce = new Set<number>();
  const containers: Entered[] = [];
  const iteration = new Map<string, number>();
  const base = (s: Entered): Partial<ExecutionHistoryEvent> => ({
    stateName: s.name, stateType: s.type,
    ...(s.parent ? { parentState: s.parent } : {}), ...(s.index !== undefined ? { index: s.index } : {}), ...(s.step ? { step: s.step } : {}),
  });
  for (const e of events) {
    const id = e.id ?? 0;
    const type = e.type ?? '';
    const timestamp = e.timestamp ? new Date(e.timestamp).getTime() : 0;
    const owner = e.previousEventId !== undefined ? stateOfEvent.get(e.previousEventId) : undefined;
    const enteredMatch = /^(\w+)StateEntered$/.exec(type);
    if (enteredMatch) {
      const parent = containers[containers.length - 1];
      const state: Entered = {
        name: e.stateEnteredEventDetails?.name ?? '?', type: enteredMatch[1] ?? 'Task',
        ...(parent ? { parent: parent.name } : {}),
        ...(parent && iteration.has(parent.name) ? { index: iteration.get(parent.name) as number } : {}),
      };
      const step = inputStep(e.stateEnteredEventDetails?.input);
      if (step && state.parent) state.step = step;
      entered.set(id, state);
      stateOfEvent.set(id, id);
      if (state.type === 'Map' || state.type === 'Parallel') containers.push(state);
      out.push({ type: 'StateEntered', timestamp, ...base(state) });
      // A Fail state ends where it is entered; Step Functions records no exit for it.
      if (state.type === 'Fail') out.push({ type: 'StateFailed', timestamp, ...base(state) });
      continue;
    }
    if (/StateExited$/.test(type)) {
      const name = e.stateExitedEventDetails?.name;
      const stateId = [...entered.entries()].reverse().find(([, s]) => s.name === name)?.[0];
      const state = stateId !== undefined ? entered.get(stateId) : undefined;
      if (state) {
        if (state.type === 'Map' || state.type === 'Parallel') containers.splice(containers.lastIndexOf(state), 1);
        out.push({ type: 'StateExited', timestamp, ...base(state) });
      }
      continue;
    }
    if (owner !== undefined) stateOfEvent.set(id, owner);
    const state = owner !== undefined ? entered.get(owner) : undefined;
    const failureKey = TASK_FAILURES[type];
    if (failureKey && state && owner !== undefined) {
      const d = e[failureKey] as { error?: string; cause?: string } | undefined;
      failedOnce.add(owner);
      out.push({ type: 'StateFailed', timestamp, ...base(state), ...(d?.error ? { error: d.error } : {}), ...(d?.cause ? { cause: d.cause } : {}) });
      continue;
    }
    if ((type === 'TaskScheduled' || type === 'LambdaFunctionScheduled') && state && owner !== undefined && failedOnce.has(owner)) {
      out.push({ type: 'StateRetried', timestamp, ...base(state) });
      continue;
    }
    if (type === 'MapStateFailed' || type === 'ParallelStateFailed') {
      const container = containers.pop();
      if (container) out.push({ type: 'StateFailed', timestamp, ...base(container) });
      continue;
    }
    if (type === 'MapIterationStarted') {
      const d = e.mapIterationStartedEventDetails;
      if (d?.name !== undefined && d.index !== undefined) iteration.set(d.name, d.index);
      out.push({ type, timestamp, ...(d?.name ? { parentState: d.name } : {}), ...(d?.index !== undefined ? { index: d.index } : {}) });
      continue;
    }
    const endKey = EXECUTION_ENDS[type];
    if (endKey) {
      const d = e[endKey] as { error?: string; cause?: string } | undefined;
      out.push({ type: type === 'ExecutionTimedOut' ? 'ExecutionTimeout' : type, timestamp, ...(d?.error ? { error: d.error } : {}), ...(d?.cause ? { cause: d.cause } : {}) });
      continue;
    }
    if (type === 'ExecutionStarted' || type === 'ExecutionSucceeded' || /^(MapIteration|ParallelBranch)/.test(type)) {
      out.push({ type, timestamp });
    }
  }
  return out;
}

const STATUS: Record<string, ExecutionRunStatus> = {
  RUNNING: 'RUNNING', SUCCEEDED: 'SUCCEEDED', FAILED: 'FAILED', ABORTED: 'ABORTED', TIMED_OUT: 'TIMED_OUT', PENDING_REDRIVE: 'FAILED',
};

export class SfnExecutionControl implements ExecutionControl {
  constructor(private readonly client: SFNClient, private readonly stateMachineArn: string) {}

  arnOf(name: string): string {
    return executionArn(this.stateMachineArn, name);
  }

  async stop(name: string, cause: string): Promise<{ stopped: boolean }> {
    const arn = this.arnOf(name);
    const described = await this.describe(arn);
    if (!described || described.status !== 'RUNNING') return { stopped: false };
    try {
      await callAws('Step Functions StopExecution', () => this.client.send(new StopExecutionCommand({ executionArn: arn, error: 'ChangeCancelled', cause: cause.slice(0, 32_768) })));
      return { stopped: true };
    } catch (err) {
      if (errorName(err) === 'ExecutionDoesNotExist') return { stopped: false };
      throw err;
    }
  }

  async history(name: string): Promise<ExecutionHistory | undefined> {
    const arn = this.arnOf(name);
    const described = await this.describe(arn);
    if (!described) return undefined;
    const events: SfnHistoryEvent[] = [];
    let nextToken: string | undefined;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const res = await callAws('Step Functions GetExecutionHistory', () => this.client.send(new GetExecutionHistoryCommand({
        executionArn: arn, maxResults: 1000, includeExecutionData: true, ...(nextToken ? { nextToken } : {}),
      })));
      events.push(...(res.events ?? []));
      nextToken = res.nextToken;
      if (!nextToken) break;
    }
    return {
      name,
      status: STATUS[described.status ?? ''] ?? 'RUNNING',
      startedAt: (described.startDate ?? new Date(0)).toISOString(),
      ...(described.stopDate ? { stoppedAt: described.stopDate.toISOString() } : {}),
      ...(described.error ? { error: described.error } : {}),
      ...(described.cause ? { cause: described.cause } : {}),
      events: fromSfnHistory(events),
    };
  }

  private async describe(arn: string): Promise<{ status?: string; startDate?: Date; stopDate?: Date; error?: string; cause?: string } | undefined> {
    try {
      return await callAws('Step Functions DescribeExecution', () => this.client.send(new DescribeExecutionCommand({ executionArn: arn })));
    } catch (err) {
      if (errorName(err) === 'ExecutionDoesNotExist') return undefined;
      throw err;
    }
  }
}
