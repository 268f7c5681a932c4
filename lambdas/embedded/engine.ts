// The embedded engine: runs statemachines/runbook.asl.json on aws-local-stepfunctions with the same
// substitution map CDK uses, calling the same handler modules in-process. Task overrides are derived
// from the definition itself (keyed by state name); callback Tasks get a real token from the broker.
import './polyfill';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import { definitionSubstitutions, localFunctionArn, PHASE_FUNCTIONS, renderDefinition, type PhaseFunction } from '../core/workflow';
import { EVENT_HANDLERS, PHASE_HANDLERS, type Handle } from '../handlers';
import type { LocalEventBus } from './event-bus';
import type { Deps, ExecutionControl, ExecutionHistory, ExecutionHistoryEvent, ExecutionInput, Executions } from '../ports';
import { TokenBroker } from './token-broker';

export const DEFINITION_PATH = join(__dirname, '..', '..', 'statemachines', 'runbook.asl.json');
const TOKEN_PLACEHOLDER = '__RUNBOOK_LOCAL_TASK_TOKEN__';
const CALLBACK_RESOURCE = 'arn:aws:states:::lambda:invoke.waitForTaskToken';

type Json = unknown;
interface StateDef { Type: string; Resource?: string; Branches?: { States: Record<string, StateDef> }[]; ItemProcessor?: { States: Record<string, StateDef> }; Iterator?: { States: Record<string, StateDef> } }

/** An entry of the execution history, as the console's execution event history shows it. */
export type HistoryEvent = ExecutionHistoryEvent;

export interface ExecutionOutcome {
  name: string;
  status: 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  output?: Json;
  error?: string;
  cause?: string;
  startedAt: string;
  stoppedAt: string;
  history: HistoryEvent[];
}

export type BaseDeps = Omit<Deps, 'callbacks' | 'executions'>;

export interface EngineOptions {
  deps: BaseDeps;
  definitionPath?: string;
  /** Wait state durations in ms by state name (tests shorten the change window and monitoring timer). */
  waitTimeOverrides?: Record<string, number>;
  /** Retry pauses in ms by state name. */
  retryIntervalOverrides?: Record<string, number>;
  /** Live progress: every history event as it happens. */
  onHistoryEvent?: (executionName: string, event: HistoryEvent) => void;
  onExecutionEnd?: (outcome: ExecutionOutcome) => void;
  /** Every state's input as it enters and output as it exits (the benchmark measures payload sizes with it). */
  onStateData?: (executionName: string, stateName: string, data: { input?: Json; output?: Json }) => void;
  /**
   * Where each finished execution is written as `<name>.json` (the outcome with its history), so a later process
   * can still show it; history() reads it back for executions this engine did not run. None: nothing is written.
   */
  executionsDir?: string;
}

/** State name → the Map or Parallel state it runs inside (names are unique across the definition). */
export function nestedStates(states: Record<string, StateDef>, parent?: string, found = new Map<string, string>()): Map<string, string> {
  for (const [name, state] of Object.entries(states)) {
    if (parent) found.set(name, parent);
    for (const branch of state.Branches ?? []) nestedStates(branch.States, name, found);
    const iterator = state.ItemProcessor ?? state.Iterator;
    if (iterator) nestedStates(iterator.States, name, found);
  }
  return found;
}

/** Every Task state, however deep (Map iterators and Parallel branches included). */
export function taskStates(states: Record<string, StateDef>): [string, StateDef][] {
  const found: [string, StateDef][] = [];
  for (const [name, state] of Object.entries(states)) {
    if (state.Type === 'Task') found.push([name, state]);
    for (const branch of state.Branches ?? []) found.push(...taskStates(branch.States));
    const iterator = state.ItemProcessor ?? state.Iterator;
    if (iterator) found.push(...taskStates(iterator.States));
  }
  return found;
}

function replaceToken(value: Json, token: string): Json {
  return JSON.parse(JSON.stringify(value).split(TOKEN_PLACEHOLDER).join(token));
}

/** As Lambda does: JSON in, JSON out, and the error's name becomes the Task's error. */
async function invoke(handle: Handle, payload: Json, deps: Deps): Promise<Json> {
  const result = await handle(JSON.parse(JSON.stringify(payload ?? null)), deps);
  return result === undefined ? null : JSON.parse(JSON.stringify(result));
}

interface Running {
  abort: () => void;
  done: Promise<ExecutionOutcome>;
  startedAt: string;
  history: HistoryEvent[];
  outcome?: ExecutionOutcome;
  /** Why it was stopped, when an operator stopped it. */
  stopCause?: string;
}

/** Execution names become file names: anything else is not a name this engine gave out. */
const SAFE_NAME = /^[A-Za-z0-9_-]{1,80}$/;

export class EmbeddedEngine implements Executions, ExecutionControl {
  readonly broker = new TokenBroker();
  readonly deps: Deps;
  readonly definition: { States: Record<string, StateDef> } & Record<string, unknown>;
  private readonly machine: StateMachine;
  private readonly handlersByArn: Map<string, Handle>;
  private readonly runs = new Map<string, Running>();
  private readonly parentOf: Map<string, string>;
  /** Handler invocations still running: an aborted execution does not stop its handler, which may still be writing. */
  private readonly invocations = new Set<Promise<unknown>>();

  constructor(private readonly options: EngineOptions) {
    this.deps = { ...options.deps, callbacks: this.broker, executions: this };
    const text = readFileSync(options.definitionPath ?? DEFINITION_PATH, 'utf8');
    this.definition = JSON.parse(renderDefinition(text, definitionSubstitutions(localFunctionArn)));
    this.machine = new StateMachine(this.definition as never, { validationOptions: { checkPaths: true, checkArn: true } });
    this.parentOf = nestedStates(this.definition.States);
    this.handlersByArn = new Map(PHASE_FUNCTIONS.map((fn: PhaseFunction) => [localFunctionArn(fn), PHASE_HANDLERS[fn]]));
  }

  async start(name: string, input: ExecutionInput): Promise<{ executionId: string; alreadyStarted: boolean }> {
    // Step Functions: a name is used once per state machine; starting it again returns the same execution.
    if (this.runs.has(name)) return { executionId: name, alreadyStarted: true };
    const startedAt = new Date().toISOString();
    const history: HistoryEvent[] = [];
    const execution = this.machine.run(input as never, {
      overrides: {
        taskResourceLocalHandlers: this.overridesFor(name),
        ...(this.options.waitTimeOverrides ? { waitTimeOverrides: this.options.waitTimeOverrides } : {}),
        ...(this.options.retryIntervalOverrides ? { retryIntervalOverrides: this.options.retryIntervalOverrides } : {}),
      },
      context: {
        Execution: { Id: `arn:aws:states:local:000000000000:execution:runbook:${name}`, Name: name, Input: input, StartTime: startedAt },
        Task: { Token: TOKEN_PLACEHOLDER },
      },
    } as never);
    const logs = this.collect(name, execution.eventLogs as AsyncGenerator<Record<string, unknown>>, history);
    const done = (async (): Promise<ExecutionOutcome> => {
      let outcome: ExecutionOutcome;
      try {
        const output = await execution.result;
        outcome = { name, status: 'SUCCEEDED', output, startedAt, stoppedAt: new Date().toISOString(), history };
      } catch (err) {
        const e = err as Error & { cause?: Error };
        const root = e.cause instanceof Error ? e.cause : e;
        const aborted = e.name === 'ExecutionAbortedError';
        outcome = { name, status: aborted ? 'ABORTED' : 'FAILED', error: root.name, cause: root.message, startedAt, stoppedAt: new Date().toISOString(), history };
      }
      this.broker.cancelExecution(name);
      await logs;
      const run = this.runs.get(name);
      if (run?.stopCause && outcome.status === 'ABORTED') outcome = { ...outcome, error: 'Stopped', cause: run.stopCause };
      if (run) run.outcome = outcome;
      this.persist(outcome);
      this.options.onExecutionEnd?.(outcome);
      return outcome;
    })();
    const run: Running = { abort: execution.abort, done, startedAt, history };
    this.runs.set(name, run);
    return { executionId: name, alreadyStarted: false };
  }

  /** Resolves when the execution ends (it never rejects: the outcome says how it ended). */
  async wait(name: string): Promise<ExecutionOutcome> {
    const run = this.runs.get(name);
    if (!run) throw new Error(`no execution named ${name}`);
    return run.done;
  }

  abort(name: string): void {
    this.runs.get(name)?.abort();
  }

  executionNames(): string[] {
    return [...this.runs.keys()];
  }

  /** Executions started here that have not ended yet. */
  runningNames(): string[] {
    return [...this.runs].filter(([, run]) => !run.outcome).map(([name]) => name);
  }

  /**
   * StopExecution: aborts the run and settles every token it holds (so nothing outlives it), and waits until it has
   * ended. A host command already sent keeps running on the host; its status event then finds no task to complete.
   */
  async stop(name: string, cause: string): Promise<{ stopped: boolean }> {
    const run = this.runs.get(name);
    if (!run || run.outcome) return { stopped: false };
    run.stopCause = cause;
    run.abort();
    await run.done;
    return { stopped: true };
  }

  /** The live history of a run of this engine, else the file a finished run left in `executionsDir`. */
  async history(name: string): Promise<ExecutionHistory | undefined> {
    const run = this.runs.get(name);
    if (run) {
      const o = run.outcome;
      return {
        name, status: o ? o.status : 'RUNNING', startedAt: run.startedAt, events: [...run.history],
        ...(o ? { stoppedAt: o.stoppedAt } : {}), ...(o?.error ? { error: o.error } : {}), ...(o?.cause ? { cause: o.cause } : {}),
      };
    }
    const dir = this.options.executionsDir;
    if (!dir || !SAFE_NAME.test(name)) return undefined;
    let saved: ExecutionOutcome;
    try {
      saved = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as ExecutionOutcome;
    } catch {
      return undefined;
    }
    return {
      name, status: saved.status, startedAt: saved.startedAt, stoppedAt: saved.stoppedAt, events: saved.history ?? [],
      ...(saved.error ? { error: saved.error } : {}), ...(saved.cause ? { cause: saved.cause } : {}),
    };
  }

  private persist(outcome: ExecutionOutcome): void {
    const dir = this.options.executionsDir;
    if (!dir || !SAFE_NAME.test(outcome.name)) return;
    try {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${outcome.name}.json`), `${JSON.stringify(outcome, null, 2)}\n`);
    } catch (err) {
      // The run's records are in the store; a history file that cannot be written must not fail the run.
      this.deps.log.error('execution history file not written', { name: outcome.name, error: (err as Error).message });
    }
  }

  private overridesFor(executionName: string): Record<string, (input: Json) => Promise<Json>> {
    const overrides: Record<string, (input: Json) => Promise<Json>> = {};
    for (const [stateName, state] of taskStates(this.definition.States)) {
      if (state.Resource === CALLBACK_RESOURCE) {
        overrides[stateName] = async (input) => {
          const { FunctionName, Payload } = input as { FunctionName: string; Payload: Json };
          const handle = this.handlerFor(FunctionName, stateName);
          const { token, result } = this.broker.issue(executionName);
          try {
            await this.track(invoke(handle, replaceToken(Payload, token), this.deps));
          } catch (err) {
            // The invocation failed, so nothing will ever complete this token.
            await this.broker.sendTaskFailure(token, 'States.Runtime', 'invocation failed');
            throw err;
          }
          return result;
        };
      } else {
        const handle = this.handlerFor(state.Resource ?? '', stateName);
        overrides[stateName] = (input) => this.track(invoke(handle, input, this.deps));
      }
    }
    return overrides;
  }

  private track<T>(invocation: Promise<T>): Promise<T> {
    this.invocations.add(invocation);
    const done = (): void => { this.invocations.delete(invocation); };
    invocation.then(done, done);
    return invocation;
  }

  /**
   * Resolves once the handler invocations running now have ended, or after `boundMs`: whoever closes the store waits
   * for the writes of a handler whose execution was aborted or had just ended (a report releasing the lock), so that
   * none of them reaches a closed store. Bounded, because a handler may run long (a load test) after its abort.
   */
  async settled(boundMs = 10_000): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const bound = new Promise<void>((resolve) => { timer = setTimeout(resolve, boundMs); });
    const all = Promise.allSettled([...this.invocations]).then(() => undefined);
    await Promise.race([all, bound]);
    clearTimeout(timer);
  }

  private handlerFor(arn: string, stateName: string): Handle {
    const handle = this.handlersByArn.get(arn);
    if (!handle) throw new Error(`state "${stateName}" names ${arn}, which is no phase function of this engine`);
    return handle;
  }

  private async collect(name: string, logs: AsyncGenerator<Record<string, unknown>>, history: HistoryEvent[]): Promise<void> {
    for await (const raw of logs) {
      const state = raw.state as { name?: string; type?: string; input?: { command?: { name?: string } }; output?: Json } | undefined;
      if (this.options.onStateData && state?.name && (raw.type === 'StateEntered' || raw.type === 'StateExited')) {
        this.options.onStateData(name, state.name, raw.type === 'StateEntered' ? { input: state.input } : { output: state.output });
      }
      // The engine forwards nested state events without their parent: the definition knows it.
      const parent = (raw.parentState as { name?: string } | undefined) ?? (state?.name ? { name: this.parentOf.get(state.name) } : undefined);
      const error = raw.error as { name?: string; message?: string } | string | undefined;
      const event: HistoryEvent = {
        type: String(raw.type),
        timestamp: Number(raw.timestamp),
        ...(state?.name ? { stateName: state.name } : {}),
        ...(state?.type ? { stateType: state.type } : {}),
        ...(parent?.name ? { parentState: parent.name } : {}),
        ...(typeof raw.index === 'number' ? { index: raw.index } : {}),
        ...(typeof state?.input?.command?.name === 'string' ? { step: state.input.command.name } : {}),
        ...(typeof raw.Error === 'string' ? { error: raw.Error } : {}),
        ...(typeof raw.Cause === 'string' ? { cause: raw.Cause } : {}),
        ...(error && typeof error === 'object' ? { error: error.name, cause: error.message } : {}),
      };
      history.push(event);
      this.options.onHistoryEvent?.(name, event);
    }
  }
}

/** What EventBridge rules do on AWS: SSM command status and alarm state changes go to their handlers. */
export function routeEvents(bus: LocalEventBus, engine: EmbeddedEngine): void {
  for (const [detailType, handle] of Object.entries(EVENT_HANDLERS)) {
    bus.route(detailType, (event) => handle(event, engine.deps));
  }
}
