// The API over an in-memory store without an engine: routes called in-process, executions and callbacks recorded
// rather than run, every other port failing loudly if a route reaches it. For the route tests that need a change in
// a given state (rolled back, reported) without driving one through the state machine.
import { MemoryChangeStore } from '../../lambdas/adapters/memory/change-store';
import type { ChangeRecord } from '../../lambdas/core/records';
import type { EnvironmentProfile } from '../../lambdas/core/schemas';
import type { ApiResponse, Identity } from '../../lambdas/api/http';
import { createApi } from '../../lambdas/api/router';
import { submitChange } from '../../lambdas/phases/submit';
import type { Deps, ExecutionControl } from '../../lambdas/ports';
import { RecordingNotifier, silentLog, systemClock } from './fakes';
import { testChange, testProfile } from './fixtures';

/** A port no route under test should reach: any call rejects, naming the port and the method. */
function unwired<T extends object>(port: string, wired: Partial<T> = {}): T {
  return new Proxy(wired as T, {
    get: (t, method) => (t as Record<string | symbol, unknown>)[method] ?? (() => Promise.reject(new Error(`memory-api: port ${port}.${String(method)} is not wired`))),
  });
}

/** A JSON body as JSON.parse gives it (the tests read fields off it), or the text of any other body. */
type Parsed = ReturnType<typeof JSON.parse>;

export interface MemoryApi {
  store: MemoryChangeStore;
  deps: Deps;
  /** Names passed to executions.start, in order. */
  started: string[];
  call(method: string, path: string, options?: { body?: unknown; query?: Record<string, string>; identity?: Identity | null }): Promise<{ res: ApiResponse; body: Parsed }>;
  /** Moves the change to `status` with `patch`, as the state machine would have. */
  setStatus(id: string, patch: Partial<ChangeRecord>): Promise<ChangeRecord>;
}

export function memoryApi(profile: EnvironmentProfile = testProfile()): MemoryApi {
  const store = new MemoryChangeStore();
  const started: string[] = [];
  const deps: Deps = {
    store, clock: systemClock, log: silentLog, notifier: new RecordingNotifier(),
    executions: { start: async (name) => { started.push(name); return { executionId: name, alreadyStarted: false }; } },
    callbacks: { sendTaskSuccess: async () => true, sendTaskFailure: async () => true },
    hosts: unwired<Deps['hosts']>('hosts', { validate: async (step) => ({ ...step.parameters }) }), alarms: unwired('alarms'), metrics: unwired('metrics'), parameters: unwired('parameters'), tester: unwired('tester'),
  };
  const control: ExecutionControl = { stop: async () => ({ stopped: false }), history: async () => undefined };
  const api = createApi({ deps, control, profile: async () => profile, engine: 'embedded' }, { log: silentLog });
  return {
    store, deps, started,
    async call(method, path, options = {}) {
      const identity = options.identity === undefined ? { id: 'ops' } : options.identity;
      const res = await api({
        method, path, query: options.query ?? {}, baseUrl: 'http://127.0.0.1:1',
        headers: options.body === undefined ? {} : { 'content-type': 'application/json' },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        ...(identity ? { identity } : {}),
      });
      const type = res.headers['content-type'] ?? '';
      return { res, body: type.startsWith('application/json') ? JSON.parse(res.body) : res.body };
    },
    async setStatus(id, patch) {
      const change = await store.getChange(id);
      if (!change) throw new Error(`memory-api: no change ${id}`);
      return store.updateChange(id, change.version, patch);
    },
  };
}

/** Submits the fixture change (CR-2026-900 unless `id`) as `olivia`, directly through the phase. */
export async function submitted(m: MemoryApi, id = 'CR-2026-900', profile: EnvironmentProfile = testProfile()): Promise<ChangeRecord> {
  const r = await submitChange(m.deps, { request: testChange(id), profile, submittedBy: 'olivia' });
  return r.change;
}
