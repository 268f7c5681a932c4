// A property-based corpus of malformed inputs through the real submit path: POST /changes on the API router (the
// one behind API Gateway and `runbook serve`) over the in-memory store, with a recording Executions fake. Every
// generated change request or profile breaks one to three fields; each must be refused with 400, the message and
// the `fields` naming every broken path, nothing written to the store and no execution started.
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import type { ApiContext } from '../../lambdas/api/context';
import type { ApiRequest } from '../../lambdas/api/http';
import { createApi } from '../../lambdas/api/router';
import { MemoryChangeStore } from '../../lambdas/adapters/memory/change-store';
import { CHANGE_ID, IMPACTS, PROBABILITIES, parseDocumentText, parseProfile } from '../../lambdas/core/schemas';
import { LocalEventBus } from '../../lambdas/embedded/event-bus';
import type { ChangeStore, Deps, Executions } from '../../lambdas/ports';
import { FakeAlarms, FakeHostCommands, FakeParameters, FakeTester, RecordingNotifier, silentLog, systemClock } from '../support/fakes';
import { TEST_ENV, testProfile } from '../support/harness';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Doc = { [key: string]: Json };

/** Every ChangeStore method that writes: none may be called for a refused submission. */
const WRITES = new Set(['createChange', 'updateChange', 'appendEvent', 'putApproval', 'acquireLock', 'releaseLock', 'putCallback', 'createCallback', 'deleteCallback', 'putCommand', 'putReport', 'putCheckResult']);

function recordingStore(store: MemoryChangeStore, writes: string[]): ChangeStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (WRITES.has(String(prop))) writes.push(String(prop));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

class RecordingExecutions implements Executions {
  readonly started: string[] = [];
  async start(name: string): Promise<{ executionId: string; alreadyStarted: boolean }> {
    this.started.push(name);
    return { executionId: name, alreadyStarted: false };
  }
}

// ---- the valid documents every case starts from ----

const REQUEST: Doc = (() => {
  const doc = parseDocumentText(readFileSync(join(__dirname, '..', '..', 'examples', 'CR-2026-101.change.yml'), 'utf8'), 'example') as Doc;
  (doc.change_request as Doc).environment = TEST_ENV;
  (doc.change_request as Doc).id = 'CR-2026-777';
  return doc;
})();

/** The harness profile as plain data (what a profile file holds), with TEST's login and a smoke login check. */
const PROFILE: Doc = (() => {
  const doc = JSON.parse(JSON.stringify(testProfile())) as Doc;
  const tests = doc.tests as Doc;
  tests.auth = { loginPath: '/api/v1/auth/login', credentials: { email: '/runbook/test-env/user', password: '/runbook/test-env/password' }, tokenField: 'token' };
  tests.smoke = [{ name: 'Login', method: 'POST', path: '/api/v1/auth/login', login: true }, ...(tests.smoke as Json[])];
  return doc;
})();

const baseRequest = (): Doc => structuredClone(REQUEST);
const baseProfile = (): Doc => structuredClone(PROFILE);

// ---- how a field is broken: a path and values that must be refused there ----

interface Breakage {
  path: string;
  values: fc.Arbitrary<Json | undefined>;
  /** Where the error must point (default: path). */
  named?: string;
  /**
   * Checked only once the rest is well-formed (a cross-field rule, or the submit phase's own checks): broken alone,
   * since a document with other broken fields is refused for those first.
   */
  alone?: true;
}

const REMOVE = undefined;
const notString = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.constant([] as Json[]), fc.constant({} as Json));
const notNumber = fc.oneof(fc.string(), fc.boolean(), fc.constant(null), fc.constant([] as Json[]));
const notArray = fc.oneof(fc.string({ minLength: 1 }), fc.integer(), fc.constant({ a: 1 } as Json));
const notObject = fc.oneof(fc.string(), fc.integer(), fc.boolean());
const stringNotIn = (allowed: readonly string[]) => fc.string().filter((s) => !allowed.includes(s));
const stringFailing = (re: RegExp) => fc.string({ maxLength: 30 }).filter((s) => !re.test(s));
const required = (path: string, invalid: fc.Arbitrary<Json>): Breakage => ({ path, values: fc.oneof(fc.constant(REMOVE), invalid) });

const REQUEST_BREAKAGES: Breakage[] = [
  required('change_request', notObject),
  required('change_request.id', fc.oneof(stringFailing(CHANGE_ID), notString)),
  required('change_request.title', fc.oneof(fc.constant(''), notString)),
  required('change_request.type', fc.oneof(stringNotIn(['maintenance', 'bugfix', 'enhancement', 'emergency']), notString)),
  required('change_request.priority', fc.oneof(stringNotIn(['low', 'medium', 'high', 'critical']), notString)),
  { path: 'change_request.environment', values: fc.oneof(stringFailing(/^[a-z0-9][a-z0-9-]{0,39}$/), notString) },
  // A well-formed environment that is not the profile's: refused by the submit phase, not the schema.
  { path: 'change_request.environment', values: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/).filter((e) => e !== TEST_ENV), alone: true },
  required('requester', notObject),
  required('requester.name', fc.oneof(fc.constant(''), notString)),
  required('description', notObject),
  required('description.summary', fc.oneof(fc.constant(''), notString)),
  { path: 'scope.systems_affected', values: fc.oneof(notArray, fc.constant([''] as Json)) },
  { path: 'scope.components_modified', values: fc.oneof(notArray, fc.array(notString, { minLength: 1, maxLength: 3 })) },
  required('timeline', notObject),
  required('timeline.planned_start', fc.oneof(fc.string({ maxLength: 25 }).filter((s) => Number.isNaN(Date.parse(s))), fc.constant('2026-13-40T25:61:00Z'), fc.constant('2026-01-01'), notString)),
  // Further ahead than the profile's maxLeadDays (14): the execution would time out waiting. Refused at submission.
  { path: 'timeline.planned_start', values: fc.integer({ min: 15, max: 3650 }).map((d) => new Date(Date.now() + d * 86_400_000).toISOString()), alone: true },
  required('timeline.estimated_duration', fc.oneof(fc.constant(''), notString)),
  { path: 'timeline.planned_completion', values: fc.oneof(fc.string({ maxLength: 12 }), fc.integer()) },
  { path: 'risks_and_mitigations', values: fc.oneof(fc.string({ minLength: 1 }), fc.integer(), fc.constant({ risk: 'x' } as Json)) },
  { path: 'risks_and_mitigations.0.probability', values: fc.oneof(stringNotIn(PROBABILITIES), notString, fc.constant(REMOVE)) },
  { path: 'risks_and_mitigations.1.impact', values: fc.oneof(stringNotIn([...IMPACTS, 'low', 'medium', 'high', 'critical']), notString, fc.constant(REMOVE)) },
  { path: 'risks_and_mitigations.0.risk', values: fc.oneof(fc.constant(''), notString, fc.constant(REMOVE)) },
  required('rollback_plan', notObject),
  required('rollback_plan.trigger_conditions', fc.oneof(fc.constant([] as Json), notArray)),
  required('rollback_plan.rollback_steps', fc.oneof(fc.constant([] as Json), notArray, fc.constant([''] as Json))),
  { path: 'deployment', values: notObject },
  { path: 'deployment.release', values: fc.oneof(stringFailing(/^v\d+\.\d+\.\d+(-[a-z0-9]+)?$/), notString) },
  // An override for a step the profile does not have: refused by the submit phase.
  { path: 'deployment.step_parameters', values: fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/).filter((n) => !['block-traffic', 'deploy', 'health-check', 'restore-traffic'].includes(n)).map((n) => ({ [n]: { Release: 'v1.0.0' } })), named: 'deployment.step_parameters.', alone: true },
  { path: 'deployment.step_parameters.deploy', values: fc.oneof(notObject, fc.constant({ Release: 1 } as Json)) },
  { path: 'approval', values: fc.oneof(fc.string(), fc.integer(), fc.boolean()) },
];

const PROFILE_BREAKAGES: Breakage[] = [
  required('name', fc.oneof(stringFailing(/^[a-z0-9][a-z0-9-]{0,39}$/), notString)),
  required('targets', notObject),
  { path: 'targets.kind', values: fc.oneof(stringNotIn(['local', 'tag', 'instances']), notString, fc.constant(REMOVE)), named: 'targets' },
  { path: 'serviceManager', values: fc.oneof(stringNotIn(['systemd', 'pidfile']), notString) },
  required('services', fc.oneof(fc.constant([] as Json), notArray, fc.constant(['Bad Name'] as Json))),
  { path: 'thresholds.cpuPercent', values: fc.oneof(fc.double({ min: 100.001, max: 1e6, noNaN: true }), fc.double({ min: -1e6, max: 0.999, noNaN: true }), notNumber) },
  { path: 'thresholds.diskPercent', values: fc.oneof(fc.integer({ min: 101 }), notNumber) },
  { path: 'endpoints', values: fc.oneof(notArray, fc.constant(['ftp://example.com'] as Json), fc.constant(['http://a b'] as Json)) },
  { path: 'requiredParameters.0', values: fc.oneof(stringFailing(/^[A-Za-z_][A-Za-z0-9_/.-]*$/), notString) },
  required('act', notObject),
  required('act.steps', fc.oneof(fc.constant([] as Json), notArray)),
  { path: 'act.steps.0.name', values: fc.oneof(stringFailing(/^[a-z0-9][a-z0-9-]{0,62}$/), notString, fc.constant(REMOVE)) },
  { path: 'act.steps.1.document', values: fc.oneof(stringFailing(/^runbook-[A-Za-z0-9]+$/), notString, fc.constant(REMOVE)) },
  { path: 'act.steps.1.timeoutSeconds', values: fc.oneof(fc.integer({ max: 4 }), fc.integer({ min: 7201 }), fc.constant(5.5), notNumber) },
  { path: 'act.steps.2.parameters', values: fc.oneof(notObject, fc.constant({ Url: 3 } as Json)) },
  required('healthCheck.urls', fc.oneof(fc.constant([] as Json), notArray, fc.constant(['not a url'] as Json))),
  { path: 'healthCheck.attempts', values: fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 61 }), notNumber) },
  required('rollback.steps', fc.oneof(fc.constant([] as Json), notArray)),
  { path: 'monitoring.windowSeconds', values: fc.oneof(fc.integer({ max: -1 }), fc.integer({ min: 86401 }), fc.constant(1.5), notNumber) },
  { path: 'monitoring.errorRate', values: fc.oneof(fc.double({ min: 1.0001, max: 1e3, noNaN: true }), fc.double({ max: -0.0001, min: -1e3, noNaN: true }), notNumber) },
  { path: 'monitoring.probePaths', values: fc.oneof(notArray, fc.constant(['no-slash'] as Json)) },
  required('tests', notObject),
  required('tests.baseUrl', fc.oneof(fc.string({ maxLength: 12 }).filter((s) => !/^[a-z]+:/.test(s)), notString)),
  { path: 'tests.smoke.1.path', values: fc.oneof(fc.string().filter((s) => !s.startsWith('/')), notString, fc.constant(REMOVE)) },
  { path: 'tests.smoke.1.expectedStatus', values: fc.oneof(fc.integer({ max: 99 }), fc.integer({ min: 600 }), notNumber) },
  // Secrets are never literals: a smoke body with a password-like key.
  { path: 'tests.smoke.2.body', values: fc.constantFrom('password', 'client_secret', 'apiKey', 'refresh_token').chain((k) => fc.string().map((v) => ({ user: 'qa', [k]: v } as Json))), named: 'tests.smoke.2.body.', alone: true },
  { path: 'tests.auth.credentials', values: fc.oneof(notObject, fc.constant({ password: 'hunter 2!' } as Json)) },
  { path: 'tests.auth.credentials', values: fc.constant({} as Json), alone: true },
  // A login check with no tests.auth to send.
  { path: 'tests.auth', values: fc.constant(REMOVE), named: 'tests.smoke.0.login', alone: true },
  { path: 'tests.auth.loginPath', values: fc.oneof(fc.string().filter((s) => !s.startsWith('/')), notString) },
  { path: 'tests.performance.virtualUsers', values: fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 1001 }), notNumber) },
  { path: 'tests.performance.durationSeconds', values: fc.oneof(fc.integer({ min: 841 }), fc.integer({ max: 0 }), notNumber) },
  { path: 'tests.performance.thinkTimeSeconds', values: fc.oneof(fc.integer({ min: 61 }), fc.double({ max: -0.001, min: -5, noNaN: true }), notNumber) },
  // Longer than a round of the two paths: a cross-field rule.
  { path: 'tests.performance.thinkTimeSeconds', values: fc.double({ min: 2.001, max: 60, noNaN: true }), alone: true },
  { path: 'tests.performance.checks', values: notArray },
  { path: 'tests.performance.checks', values: fc.constant([{ path: '/not-requested', expectedStatus: 200 }] as Json), alone: true },
  { path: 'maxAttempts', values: fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 11 }), notNumber) },
  { path: 'maxLeadDays', values: fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 15 }), fc.constant(2.5), notNumber) },
  { path: 'preflightRecheckAfterMinutes', values: fc.oneof(fc.integer({ max: -1 }), fc.integer({ min: 14 * 24 * 60 + 1 }), fc.constant(1.5), notNumber) },
];

// ---- applying breakages ----

function setPath(doc: Doc, path: string, value: Json | undefined): void {
  const keys = path.split('.');
  const last = keys.pop() as string;
  let node: Json = doc;
  for (const key of keys) {
    const next: Json | undefined = Array.isArray(node) ? node[Number(key)] : (node as Doc)[key];
    if (next === undefined || next === null || typeof next !== 'object') {
      const created: Doc = {};
      (node as Doc)[key] = created;
      node = created;
    } else {
      node = next;
    }
  }
  if (value === undefined) delete (node as Doc)[last];
  else if (Array.isArray(node)) node[Number(last)] = value;
  else (node as Doc)[last] = value;
}

/**
 * One breakage checked only on an otherwise well-formed document, or one to three plain ones on distinct paths, none
 * inside another (breaking a parent hides its children).
 */
const breakagesOf = (catalogue: Breakage[]) => {
  const plain = catalogue.filter((b) => !b.alone);
  const alone = catalogue.filter((b) => b.alone);
  const several = fc.uniqueArray(fc.nat({ max: plain.length - 1 }), { minLength: 1, maxLength: 3 })
    .map((indexes) => indexes.map((i) => plain[i] as Breakage))
    .filter((list) => list.every((a) => list.every((b) => a === b || (a.path !== b.path && !b.path.startsWith(`${a.path}.`) && !a.path.startsWith(`${b.path}.`)))));
  return fc.oneof({ arbitrary: several, weight: 4 }, { arbitrary: fc.constantFrom(...alone).map((b) => [b]), weight: 1 })
    .chain((list) => fc.tuple(...list.map((b) => b.values.map((value) => ({ breakage: b, value })))));
};

// ---- the router over a recording store ----

let store: MemoryChangeStore;
let writes: string[];
let executions: RecordingExecutions;
let profileText: string;
let api: ReturnType<typeof createApi>;
let cases: number;

beforeAll(() => {
  store = new MemoryChangeStore();
  writes = [];
  executions = new RecordingExecutions();
  cases = 0;
  const bus = new LocalEventBus({ log: silentLog });
  const alarms = new FakeAlarms(bus);
  const deps: Deps = {
    store: recordingStore(store, writes), hosts: new FakeHostCommands(bus), alarms, metrics: alarms,
    callbacks: { sendTaskSuccess: async () => true, sendTaskFailure: async () => true }, notifier: new RecordingNotifier(),
    clock: systemClock, parameters: new FakeParameters(), tester: new FakeTester(), executions, log: silentLog,
  };
  const ctx: ApiContext = {
    deps, engine: 'embedded',
    control: { stop: async () => ({ stopped: false }), history: async () => undefined },
    // As `runbook serve --profile FILE` and the AWS profile parameter do: the profile text is parsed and validated.
    profile: async () => parseProfile(profileText),
  };
  api = createApi(ctx, { log: silentLog });
});

afterAll(() => {
  // The corpus is the promise: at least 1,000 generated malformed documents went through the submit path.
  expect(cases).toBeGreaterThanOrEqual(1000);
});

async function post(doc: Doc, asYaml: boolean) {
  const req: ApiRequest = {
    method: 'POST', path: '/changes', query: {}, baseUrl: 'http://127.0.0.1:8787', identity: { id: 'ops-operator' },
    headers: { 'content-type': asYaml ? 'application/yaml' : 'application/json' },
    body: asYaml ? toYaml(doc) : JSON.stringify(doc),
  };
  const res = await api(req);
  return { status: res.statusCode, body: JSON.parse(res.body) as { error?: { code: string; message: string; fields?: { path: string; message: string }[] } } };
}

async function assertRefused(res: Awaited<ReturnType<typeof post>>, broken: Breakage[]): Promise<void> {
  expect(res.status).toBe(400);
  expect(res.body.error?.code).toBe('ValidationError');
  const fields = (res.body.error?.fields ?? []).map((f) => f.path);
  for (const b of broken) {
    const named = b.named ?? b.path;
    // The field itself, or a path inside it (a bad element of a list, a bad key of a map).
    const hit = fields.find((f) => f === named || f.startsWith(named.endsWith('.') ? named : `${named}.`) || f.startsWith(named));
    if (!hit) throw new Error(`no field named ${named}; fields: ${JSON.stringify(fields)}; message: ${res.body.error?.message}`);
    expect(res.body.error?.message).toContain(hit);
  }
  expect(writes).toEqual([]);
  expect(executions.started).toEqual([]);
  expect(await store.listChanges()).toEqual([]);
}

describe('malformed inputs through POST /changes (property-based)', () => {
  it('should accept the unbroken change request and profile the corpus starts from (so every refusal below is the breakage)', async () => {
    // Prepare
    profileText = JSON.stringify(baseProfile());
    const probe = new MemoryChangeStore();

    // Act: validated only (submitting would write): the same parsers the router uses
    const profile = parseProfile(profileText);
    const request = parseDocumentText(JSON.stringify(baseRequest()), 'change request');

    // Assess
    expect(profile.tests.auth?.credentials.password).toBe('/runbook/test-env/password');
    expect(request).toBeTruthy();
    expect(await probe.listChanges()).toEqual([]);
  });

  it('should refuse 600 generated malformed change requests, naming each broken field, writing nothing, starting nothing', async () => {
    // Prepare
    profileText = JSON.stringify(baseProfile());

    // Act + Assess
    await fc.assert(fc.asyncProperty(breakagesOf(REQUEST_BREAKAGES), fc.boolean(), async (broken, asYaml) => {
      cases += 1;
      const doc = baseRequest();
      for (const { breakage, value } of broken) setPath(doc, breakage.path, value);
      await assertRefused(await post(doc, asYaml), broken.map((b) => b.breakage));
    }), { numRuns: 600, seed: 20261201 });
  });

  it('should refuse a valid change against 400 generated malformed profiles, naming each broken profile field, writing nothing, starting nothing', async () => {
    // Act + Assess
    await fc.assert(fc.asyncProperty(breakagesOf(PROFILE_BREAKAGES), fc.boolean(), async (broken, asYaml) => {
      cases += 1;
      const doc = baseProfile();
      for (const { breakage, value } of broken) setPath(doc, breakage.path, value);
      profileText = asYaml ? toYaml(doc) : JSON.stringify(doc);
      await assertRefused(await post(baseRequest(), false), broken.map((b) => b.breakage));
    }), { numRuns: 400, seed: 20261202 });
  });
});
