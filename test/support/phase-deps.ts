// In-memory Deps for calling a phase function directly (no engine): the memory store, the fakes, a silent log.
import { MemoryChangeStore } from '../../lambdas/adapters/memory/change-store';
import type { ChangeRecord } from '../../lambdas/core/records';
import { LocalEventBus } from '../../lambdas/embedded/event-bus';
import { submitChange } from '../../lambdas/phases/submit';
import type { Deps } from '../../lambdas/ports';
import { FakeAlarms, FakeHostCommands, FakeParameters, FakeTester, RecordingNotifier, silentLog, systemClock } from './fakes';
import { testChange, testProfile } from './harness';

export interface MemoryDeps extends Deps {
  store: MemoryChangeStore;
  notifier: RecordingNotifier;
  hosts: FakeHostCommands;
}

export function memoryDeps(): MemoryDeps {
  const bus = new LocalEventBus({ log: silentLog, baseDelayMs: 2 });
  const alarms = new FakeAlarms(bus);
  return {
    store: new MemoryChangeStore(), hosts: new FakeHostCommands(bus), alarms, metrics: alarms,
    callbacks: { sendTaskSuccess: async () => true, sendTaskFailure: async () => true },
    notifier: new RecordingNotifier(), clock: systemClock, parameters: new FakeParameters(), tester: new FakeTester(),
    executions: { start: async () => ({ executionId: 'x', alreadyStarted: false }) }, log: silentLog,
  };
}

/** Submits the example change under `id` and returns its stored record. */
export async function submitted(deps: Deps, id: string): Promise<ChangeRecord> {
  await submitChange(deps, { request: testChange(id), profile: testProfile(), submittedBy: 'ops' });
  const change = await deps.store.getChange(id);
  if (!change) throw new Error(`${id} was not stored`);
  return change;
}

export interface SentCallback { token: string; outcome: 'success' | 'failure'; output?: unknown; error?: string; cause?: string }

/** Task-token callbacks that record what was sent (and say the token was live). */
export function recordingCallbacks(): Deps['callbacks'] & { sent: SentCallback[] } {
  const sent: SentCallback[] = [];
  return {
    sent,
    sendTaskSuccess: async (token: string, output: unknown) => { sent.push({ token, outcome: 'success', output }); return true; },
    sendTaskFailure: async (token: string, error: string, cause: string) => { sent.push({ token, outcome: 'failure', error, cause }); return true; },
  };
}
