// Builds the embedded engine with the real handlers over in-memory adapters, for state-machine path tests.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryChangeStore } from '../../lambdas/adapters/memory/change-store';
import { parseDocumentText, validate, ChangeRequestSchema, EnvironmentProfileSchema, type ChangeRequest, type EnvironmentProfile } from '../../lambdas/core/schemas';
import { EmbeddedEngine, routeEvents, type ExecutionOutcome } from '../../lambdas/embedded/engine';
import { LocalEventBus } from '../../lambdas/embedded/event-bus';
import { submitChange } from '../../lambdas/phases/submit';
import { recordApproval } from '../../lambdas/phases/approvals';
import { FakeAlarms, FakeHostCommands, FakeParameters, FakeTester, RecordingNotifier, silentLog, systemClock, type StepBehaviour } from './fakes';
import type { LoadTester, SendCommandRequest } from '../../lambdas/ports';

export const TEST_ENV = 'test-env';

export function testProfile(overrides: Partial<Record<string, unknown>> = {}): EnvironmentProfile {
  return validate(EnvironmentProfileSchema, {
    name: TEST_ENV,
    targets: { kind: 'local' },
    serviceManager: 'pidfile',
    services: ['estimator-service'],
    endpoints: ['http://127.0.0.1:9/api/v1/health'],
    act: { steps: [
      { name: 'block-traffic', document: 'runbook-TrafficControl', parameters: { Mode: 'maintenance' } },
      { name: 'deploy', document: 'runbook-DeployRelease', parameters: { Release: 'v2.4.0', Method: 'artifact', Services: 'estimator-service' } },
      { name: 'health-check', document: 'runbook-HealthCheck', parameters: { Url: 'http://127.0.0.1:9/api/v1/health' } },
      { name: 'restore-traffic', document: 'runbook-TrafficControl', parameters: { Mode: 'production' } },
    ] },
    healthCheck: { urls: ['http://127.0.0.1:9/api/v1/health'] },
    rollback: { steps: [
      { name: 'rollback-release', document: 'runbook-DeployRelease', parameters: { Release: 'previous', Method: 'artifact', Services: 'estimator-service' } },
      { name: 'rollback-health-check', document: 'runbook-HealthCheck', parameters: { Url: 'http://127.0.0.1:9/api/v1/health' } },
    ] },
    monitoring: { windowSeconds: 1, periodSeconds: 1, evaluationPeriods: 1, datapointsToAlarm: 1 },
    tests: { baseUrl: 'http://127.0.0.1:9', smoke: [{ name: 'Health', path: '/api/v1/health' }, { name: 'Estimates', path: '/api/v1/estimates' }], performance: { virtualUsers: 2, durationSeconds: 1 } },
    maxAttempts: 2,
    // The API tests' operators (alice, bob, carol, erin) and the path tests' approver-<role> names.
    approvers: {
      technical: ['alice', 'approver-technical'],
      business: ['bob', 'approver-business'],
      security: ['carol', 'approver-security', 'sec-officer'],
      executive: ['erin', 'approver-executive'],
    },
    ...overrides,
  }, 'test profile');
}

export function testChange(id = 'CR-2026-900', patch: (r: Record<string, unknown>) => void = () => undefined): ChangeRequest {
  const raw = parseDocumentText(readFileSync(join(__dirname, '..', '..', 'examples', 'CR-2026-101.change.yml'), 'utf8'), 'example') as Record<string, Record<string, unknown>>;
  raw.change_request = { ...raw.change_request, id, environment: TEST_ENV };
  patch(raw);
  return validate(ChangeRequestSchema, raw, 'test change');
}

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
