// In-memory stand-ins for the ports whose real adapters touch hosts or the network, so the state
// machine's paths can run on the local engine in milliseconds with the real handlers.
import { alarmStateChangeEvent, rollbackAlarmNames, ssmCommandStatusEvent, type EventBus } from '../../lambdas/core/events';
import { NotFoundError } from '../../lambdas/core/errors';
import type {
  AlarmStateValue, Alarms, Clock, CommandOutcome, HostCommands, LoadResult, LoadSpec, LoadTester, Logger, Metrics,
  MetricsSnapshot, Notification, Notifier, ParameterSource, SendCommandRequest, SmokeResult,
} from '../../lambdas/ports';
import type { AgentInventory } from '../../lambdas/core/agent-version';
import type { CommandStep, HttpCheck } from '../../lambdas/core/schemas';

export const systemClock: Clock = { now: () => new Date() };

export const silentLog: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

export type StepBehaviour = { status: 'Success' | 'Failed' | 'TimedOut'; stdout?: string; stderr?: string; exitCode?: number };

/** Completes every command asynchronously with what `behaviour` says, publishing the SSM status event. */
export class FakeHostCommands implements HostCommands {
  readonly sent: SendCommandRequest[] = [];
  private readonly outcomes = new Map<string, CommandOutcome>();
  private readonly gates = new Map<string, { promise: Promise<void>; open: () => void }>();
  private next = 0;
  private readonly instance = Math.random().toString(36).slice(2, 8);

  constructor(private readonly bus: EventBus, private readonly behaviour: (req: SendCommandRequest) => StepBehaviour = () => ({ status: 'Success' })) {}

  async send(req: SendCommandRequest): Promise<{ commandId: string }> {
    this.next += 1;
    // Unique across instances, as SSM's are: a restarted server over a kept store must not reuse an earlier id.
    const commandId = `cmd-${this.instance}-${String(this.next).padStart(4, '0')}`;
    this.sent.push(req);
    this.outcomes.set(commandId, { status: 'InProgress', stdout: '', stderr: '' });
    const b = this.behaviour(req);
    const gate = this.gates.get(req.step.name)?.promise ?? Promise.resolve();
    void gate.then(() => setTimeout(() => {
      if (this.cancelled.includes(commandId)) return;
      this.outcomes.set(commandId, { status: b.status, exitCode: b.exitCode ?? (b.status === 'Success' ? 0 : 1), stdout: b.stdout ?? '', stderr: b.stderr ?? '' });
      this.bus.publish(ssmCommandStatusEvent({
        'command-id': commandId, 'document-name': req.step.document, 'expire-after': new Date(Date.now() + 3600e3).toISOString(),
        parameters: Object.fromEntries(Object.entries(req.step.parameters).map(([k, v]) => [k, [v]])),
        'requested-date-time': new Date().toISOString(), status: b.status,
      }, new Date()));
    }, 1));
    return { commandId };
  }

  /** What agents() answers; a test sets it to exercise PRE-FLIGHT's agent check. */
  agentInventory: AgentInventory = { applicable: false, reason: 'not applicable: fake hosts' };

  async agents(): Promise<AgentInventory> {
    return this.agentInventory;
  }

  /** Commands stopped with cancel(), in order. */
  readonly cancelled: string[] = [];

  async cancel(commandId: string): Promise<{ cancelled: boolean }> {
    const o = this.outcomes.get(commandId);
    if (!o || o.status !== 'InProgress') return { cancelled: false };
    this.cancelled.push(commandId);
    this.outcomes.set(commandId, { status: 'Cancelled', stdout: '', stderr: 'cancelled' });
    const req = this.sent[Number(commandId.slice('cmd-'.length)) - 1];
    this.bus.publish(ssmCommandStatusEvent({
      'command-id': commandId, 'document-name': req?.step.document ?? 'unknown', 'expire-after': new Date(Date.now() + 3600e3).toISOString(),
      parameters: {}, 'requested-date-time': new Date().toISOString(), status: 'Cancelled',
    }, new Date()));
    return { cancelled: true };
  }

  /** Keeps the step of that name InProgress until open(name), so a test can act while it runs. */
  hold(stepName: string): void {
    let open = (): void => undefined;
    const promise = new Promise<void>((resolve) => { open = resolve; });
    this.gates.set(stepName, { promise, open });
  }

  open(stepName: string): void {
    this.gates.get(stepName)?.open();
  }

  /** Replaced by a test that wants submit-time validation to refuse something. */
  validateStep: (step: CommandStep) => unknown = () => undefined;

  async validate(step: CommandStep): Promise<Record<string, string>> {
    await this.validateStep(step);
    return { ...step.parameters };
  }

  async outcome(commandId: string): Promise<CommandOutcome> {
    const o = this.outcomes.get(commandId);
    if (!o) throw new NotFoundError(`no command ${commandId}`);
    return o;
  }

  stepNames(): string[] {
    return this.sent.map((s) => s.step.name);
  }
}

/** Alarm states the test sets; `fire` also publishes the state-change event as CloudWatch would. */
export class FakeAlarms implements Alarms, Metrics {
  readonly state = new Map<string, AlarmStateValue>();
  constructor(private readonly bus: EventBus, private readonly snapshotValue: Omit<MetricsSnapshot, 'at' | 'windowSeconds'> = { p95Ms: 120, errorRate: 0.001, requests: 200 }) {}

  /** Names with no alarm behind them. */
  readonly missing = new Set<string>();
  /** Names whose metrics received no datapoint lately (nobody publishes them). */
  readonly silent = new Set<string>();
  /** When set, reading alarm states throws this (CloudWatch throttling, an outage). */
  readError: Error | undefined;
  reads = 0;

  async newestDatapoints(names: string[]): Promise<{ name: string; newestAt?: string; missing?: boolean }[]> {
    return names.map((name) => (this.missing.has(name) ? { name, missing: true } : this.silent.has(name) ? { name } : { name, newestAt: new Date().toISOString() }));
  }

  async states(names: string[]): Promise<{ name: string; state: AlarmStateValue; reason: string; missing?: boolean }[]> {
    this.reads += 1;
    if (this.readError) throw this.readError;
    return names.map((name) => (this.missing.has(name)
      ? { name, state: 'INSUFFICIENT_DATA' as const, reason: 'alarm not found', missing: true }
      : { name, state: this.state.get(name) ?? 'OK', reason: 'set by test' }));
  }

  /** The next this many snapshot() calls throw (a metrics read failing). */
  snapshotFailures = 0;

  async snapshot(windowSeconds: number): Promise<MetricsSnapshot> {
    if (this.snapshotFailures > 0) {
      this.snapshotFailures -= 1;
      throw new Error('GetMetricData throttled');
    }
    return { ...this.snapshotValue, at: new Date().toISOString(), windowSeconds };
  }

  fire(environment: string, which: 'latency' | 'errorRate' = 'errorRate', value: AlarmStateValue = 'ALARM'): void {
    const name = rollbackAlarmNames(environment)[which];
    const previous = this.state.get(name) ?? 'OK';
    this.state.set(name, value);
    const now = new Date().toISOString();
    this.bus.publish(alarmStateChangeEvent({
      alarmName: name,
      state: { value, reason: value === 'ALARM' ? 'Threshold Crossed: 2 out of the last 2 datapoints were greater than the threshold' : 'Insufficient Data: 2 datapoints were unknown.', timestamp: now },
      previousState: { value: previous, reason: 'set by test', timestamp: now },
      configuration: {},
    }, new Date()));
  }
}

export class FakeTester implements LoadTester {
  smokeFails = new Set<string>();
  load_: Partial<LoadResult> = {};
  async smoke(_baseUrl: string, checks: HttpCheck[]): Promise<SmokeResult[]> {
    return checks.map((c) => ({ name: c.name, suite: c.suite, status: this.smokeFails.has(c.name) ? 'FAIL' : 'PASS', durationMs: 3, httpStatus: this.smokeFails.has(c.name) ? 500 : c.expectedStatus }));
  }
  /** While set, load() waits for it (a test acts during the load test); loadStarted counts the calls. */
  loadGate: Promise<void> | undefined;
  loadStarted = 0;
  loadFinished = 0;
  async load(_baseUrl: string, spec: LoadSpec, signal?: AbortSignal): Promise<LoadResult> {
    this.loadStarted += 1;
    if (this.loadGate) {
      // Stopped by its AbortSignal as autocannon is: it gives up at once instead of ending its run.
      const aborted = new Promise<'aborted'>((resolve) => signal?.addEventListener('abort', () => resolve('aborted'), { once: true }));
      if ((await Promise.race([this.loadGate, aborted])) === 'aborted') throw new Error('load test aborted');
    }
    this.loadFinished += 1;
    return { requests: 1000, errors: 0, errorRate: 0, avgMs: 20, p95Ms: 45, p99Ms: 60, durationSeconds: spec.durationSeconds, ...this.load_ };
  }
}

export class RecordingNotifier implements Notifier {
  readonly sent: Notification[] = [];
  async notify(n: Notification): Promise<void> { this.sent.push(n); }
}

export class FakeParameters implements ParameterSource {
  constructor(private readonly absent: string[] = [], private readonly known: Record<string, string> = {}) {}
  async missing(names: string[]): Promise<string[]> { return names.filter((n) => this.absent.includes(n)); }
  async values(names: string[]): Promise<Record<string, string>> {
    return Object.fromEntries(names.filter((n) => !this.absent.includes(n)).map((n) => [n, this.known[n] ?? `value-of-${n}`]));
  }
}

/** Polls until `predicate` holds (the engine runs on the same event loop, so this yields to it). */
export async function eventually<T>(probe: () => Promise<T>, predicate: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (predicate(v)) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
