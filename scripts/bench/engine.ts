// The embedded engine as the benchmark runs it: the real ASL and handlers over a dynalite store, with host commands
// that finish after a set delay, alarms the benchmark fires, and a load tester that returns at once, so what is
// measured is the control plane itself.
import { DynamoChangeStore, ensureTable } from '../../lambdas/adapters/dynamodb/change-store';
import { ssmCommandStatusEvent } from '../../lambdas/core/events';
import type { AgentInventory } from '../../lambdas/core/agent-version';
import type { ChangeRequest, CommandStep, EnvironmentProfile } from '../../lambdas/core/schemas';
import { startDynalite, type EmbeddedDynamo } from '../../lambdas/embedded/dynalite';
import { EmbeddedEngine, routeEvents, type BaseDeps, type EngineOptions, type ExecutionOutcome, type HistoryEvent } from '../../lambdas/embedded/engine';
import { LocalEventBus } from '../../lambdas/embedded/event-bus';
import { recordApproval } from '../../lambdas/phases/approvals';
import { submitChange } from '../../lambdas/phases/submit';
import type { CommandOutcome, HostCommands, SendCommandRequest } from '../../lambdas/ports';
import { FakeAlarms, FakeParameters, FakeTester, RecordingNotifier, silentLog, systemClock } from '../../test/support/fakes';
import { testChange, testProfile } from '../../test/support/harness';

/** Host commands that succeed `delayMs` after they are sent, reporting through the bus as SSM's status events do. */
export class DelayedHostCommands implements HostCommands {
  private readonly outcomes = new Map<string, CommandOutcome>();
  private next = 0;
  sent = 0;

  constructor(private readonly bus: LocalEventBus, private readonly delayMs: number) {}

  async validate(step: CommandStep): Promise<Record<string, string>> {
    // Every step of the bench profiles names a project document; the submission path validates them all the same.
    return { ...step.parameters };
  }

  async agents(): Promise<AgentInventory> {
    return { applicable: false, reason: 'not applicable: the bench runs no SSM Agent' };
  }

  async send(req: SendCommandRequest): Promise<{ commandId: string }> {
    this.next += 1;
    this.sent += 1;
    const commandId = `bench-${this.next}`;
    this.outcomes.set(commandId, { status: 'InProgress', stdout: '', stderr: '' });
    setTimeout(() => {
      this.outcomes.set(commandId, { status: 'Success', exitCode: 0, stdout: '', stderr: '' });
      this.bus.publish(ssmCommandStatusEvent({
        'command-id': commandId, 'document-name': req.step.document, 'expire-after': new Date(Date.now() + 3600e3).toISOString(),
        parameters: {}, 'requested-date-time': new Date().toISOString(), status: 'Success',
      }, new Date()));
    }, this.delayMs);
    return { commandId };
  }

  async cancel(): Promise<{ cancelled: boolean }> {
    return { cancelled: false };
  }

  async outcome(commandId: string): Promise<CommandOutcome> {
    const o = this.outcomes.get(commandId);
    if (!o) throw new Error(`no command ${commandId}`);
    return o;
  }
}

export interface BenchEngineOptions {
  /** The monitoring window's Wait, in ms. */
  monitorWindowMs: number;
  /** How long each host command takes (default 0). */
  stepDelayMs?: number;
  /** dynalite data directory (the embedded default keeps it on disk); in memory when absent. */
  dataDir?: string;
  /** Host commands other than the delayed ones (the fleet row's SSM adapter over a mocked client). */
  hosts?: (bus: LocalEventBus) => HostCommands;
  engine?: Pick<EngineOptions, 'onHistoryEvent' | 'onStateData'>;
  /** The store as the embedded runtime builds it, the table's sole writer (default); false: as on AWS. */
  soleWriter?: boolean;
}

export interface BenchEngine {
  engine: EmbeddedEngine;
  alarms: FakeAlarms;
  bus: LocalEventBus;
  /** The store's DynamoDB client (dynalite): a script may add middleware to it. */
  client: EmbeddedDynamo['client'];
  /** DynamoDB requests sent to the store so far, by operation (GetItem, PutItem, ...). */
  storeRequests: Map<string, number>;
  /** Submits, approves every required role and returns the execution name. */
  submitApproved(request: ChangeRequest, profile: EnvironmentProfile): Promise<string>;
  close(): Promise<void>;
}

export const BENCH_TABLE = 'runbook-bench';

export async function startBenchEngine(options: BenchEngineOptions): Promise<BenchEngine> {
  const dynamo: EmbeddedDynamo = await startDynalite(options.dataDir ? { path: options.dataDir } : {});
  await ensureTable(dynamo.client, BENCH_TABLE);
  const storeRequests = new Map<string, number>();
  dynamo.client.middlewareStack.add((next, context) => async (args) => {
    const operation = String(context.commandName ?? 'unknown').replace(/Command$/, '');
    storeRequests.set(operation, (storeRequests.get(operation) ?? 0) + 1);
    return next(args);
  }, { step: 'initialize', name: 'benchStoreRequests' });
  const bus = new LocalEventBus({ log: silentLog, baseDelayMs: 2 });
  const alarms = new FakeAlarms(bus);
  const deps: BaseDeps = {
    // As the embedded runtime builds it: this process is the table's only writer.
    store: new DynamoChangeStore(dynamo.client, BENCH_TABLE, { soleWriter: options.soleWriter ?? true }),
    hosts: options.hosts?.(bus) ?? new DelayedHostCommands(bus, options.stepDelayMs ?? 0),
    alarms, metrics: alarms, notifier: new RecordingNotifier(), clock: systemClock, parameters: new FakeParameters(),
    tester: new FakeTester(), log: silentLog,
  };
  const engine = new EmbeddedEngine({
    deps,
    waitTimeOverrides: { 'Plan Wait For Change Window': 0, 'Monitor Window Timer': options.monitorWindowMs },
    retryIntervalOverrides: { 'Monitor Close Window': 5 },
    ...options.engine,
  });
  routeEvents(bus, engine);
  return {
    engine, alarms, bus, storeRequests, client: dynamo.client,
    async submitApproved(request, profile) {
      const { executionName, change } = await submitChange(engine.deps, { request, profile, submittedBy: request.requester.name });
      try {
        for (const role of change.requiredApprovals) {
          await recordApproval(engine.deps, { changeId: change.id, role, decision: 'approve', approver: `approver-${role}`, approvers: profile.approvers });
        }
      } catch (err) {
        // Say why the change stopped waiting (the run's store goes away with the bench): its last events.
        const events = await engine.deps.store.listEvents(change.id);
        const last = events.slice(-3).map((e) => `${e.type}: ${e.message}`).join(' | ');
        throw new Error(`${(err as Error).message} (last events: ${last})`, { cause: err });
      }
      return executionName;
    },
    async close() {
      for (const name of engine.executionNames()) engine.abort(name);
      await bus.close();
      await dynamo.close();
    },
  };
}

/** A profile of its own environment (one active change per environment), with the path tests' steps. */
export function benchProfile(environment: string, overrides: Partial<Record<string, unknown>> = {}): EnvironmentProfile {
  return testProfile({ name: environment, ...overrides });
}

export function benchChange(id: string, environment: string): ChangeRequest {
  return testChange(id, (raw) => {
    raw.change_request = { ...(raw.change_request as Record<string, unknown>), environment };
  });
}

/** CR-2026-<n>, n from 100: ids the schema accepts, one per run. */
export const changeId = (n: number): string => `CR-2026-${String(100 + n).padStart(3, '0')}`;

/** Step Functions' count: every state entered, nested ones included. */
export const transitions = (history: HistoryEvent[]): number => history.filter((e) => e.type === 'StateEntered').length;

export type { ExecutionOutcome };
