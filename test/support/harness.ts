// Builds the embedded engine with the real handlers over in-memory adapters, for state-machine path tests.
import { MemoryChangeStore } from '../../lambdas/adapters/memory/change-store';
import type { ChangeRequest, EnvironmentProfile } from '../../lambdas/core/schemas';
import { EmbeddedEngine, routeEvents, type ExecutionOutcome } from '../../lambdas/embedded/engine';
import { LocalEventBus } from '../../lambdas/embedded/event-bus';
import { submitChange } from '../../lambdas/phases/submit';
import { recordApproval } from '../../lambdas/phases/approvals';
import { FakeAlarms, FakeHostCommands, FakeParameters, FakeTester, RecordingNotifier, silentLog, systemClock, type StepBehaviour } from './fakes';
import type { LoadTester, SendCommandRequest } from '../../lambdas/ports';
import { TEST_ENV, testChange, testProfile } from './fixtures';

export { TEST_ENV, testChange, testProfile };

export interface Harness {
  engine: EmbeddedEngine;
  store: MemoryChangeStore;
  hosts: FakeHostCommands;
  alarms: FakeAlarms;
  tester: FakeTester;
  notifier: RecordingNotifier;
  bus: LocalEventBus;
  submit(request?: ChangeRequest, profile?: EnvironmentProfile): Promise<string>;
  approveAll(changeId: string, attempt?: number): Promise<void>;
  finish(executionName: string): Promise<ExecutionOutcome>;
  close(): Promise<void>;
}

export function createHarness(options: {
  behaviour?: (req: SendCommandRequest) => StepBehaviour; missingParameters?: string[]; monitorWindowMs?: number;
  /** How long the change window waits (default 0). */
  changeWindowMs?: number;
  /** Another harness's store: a second engine over the same records, as after a restart. */
  store?: MemoryChangeStore;
  /** A real load tester (the HTTP one) instead of the fake; `tester` then stays the unused fake. */
  loadTester?: LoadTester;
} = {}): Harness {
  const bus = new LocalEventBus({ log: silentLog, baseDelayMs: 2 });
  const store = options.store ?? new MemoryChangeStore();
  const hosts = new FakeHostCommands(bus, options.behaviour);
  const alarms = new FakeAlarms(bus);
  const tester = new FakeTester();
  const notifier = new RecordingNotifier();
  const engine = new EmbeddedEngine({
    deps: { store, hosts, alarms, metrics: alarms, notifier, clock: systemClock, parameters: new FakeParameters(options.missingParameters), tester: options.loadTester ?? tester, log: silentLog },
    waitTimeOverrides: { 'Plan Wait For Change Window': options.changeWindowMs ?? 0, 'Monitor Window Timer': options.monitorWindowMs ?? 20 },
    retryIntervalOverrides: { 'Monitor Close Window': 5 },
  });
  routeEvents(bus, engine);
  return {
    engine, store, hosts, alarms, tester, notifier, bus,
    async submit(request = testChange(), profile = testProfile()) {
      const r = await submitChange(engine.deps, { request, profile, submittedBy: request.requester.name });
      return r.executionName;
    },
    async approveAll(changeId: string) {
      const change = await store.getChange(changeId);
      for (const role of change?.requiredApprovals ?? []) {
        await recordApproval(engine.deps, { changeId, role, decision: 'approve', approver: `approver-${role}`, approvers: change?.profile.approvers ?? testProfile().approvers });
      }
    },
    finish: (name) => engine.wait(name),
    async close() {
      for (const name of engine.executionNames()) engine.abort(name);
      await bus.close();
    },
  };
}

/** The top-level states an execution entered, in order (Map iterations and Parallel branches left out). */
export function statePath(outcome: ExecutionOutcome): string[] {
  return outcome.history.filter((e) => e.type === 'StateEntered' && !e.parentState && e.stateName).map((e) => e.stateName as string);
}

/** The top-level states of the usual runs of statemachines/runbook.asl.json, for path assertions. */
export const PATHS = {
  PREFLIGHT: ['How To Start', 'Start Attempt', 'PreFlight System Health', 'PreFlight Dependencies', 'PreFlight Backup', 'PreFlight Passed'],
  PLAN: ['Plan Assess Risk', 'Plan Await Approvals', 'Plan Schedule', 'Plan Wait For Change Window', 'Plan Recheck Health?', 'Plan Check Alarms'],
  ROLLBACK_TO_PLAN: ['Rollback Begin', 'Rollback Run Steps', 'Report Rollback', 'Attempts Left?', 'Rolled Back To Plan'],
} as const;
