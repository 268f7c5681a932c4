// An execution's event history turned into what `runbook inspect` shows: each state run in the order it was
// entered, with its duration, how it ended and the error it ended with. Pure; works for both engines' events.
import type { ExecutionHistory, ExecutionHistoryEvent } from '../ports';

export type StateRunStatus = 'succeeded' | 'failed' | 'caught' | 'running' | 'stopped';

export interface StateRun {
  name: string;
  type?: string;
  /** The Map or Parallel state it ran inside. */
  parent?: string;
  /** The Map iteration. */
  index?: number;
  /** The host-command step that iteration ran. */
  step?: string;
  enteredAt: string;
  exitedAt?: string;
  durationMs?: number;
  status: StateRunStatus;
  retries: number;
  error?: string;
  cause?: string;
}

const keyOf = (e: ExecutionHistoryEvent): string => `${e.parentState ?? ''}|${e.stateName ?? ''}|${e.index ?? ''}`;

/**
 * Pairs each StateEntered with the StateExited or StateFailed of the same state (and iteration). A failure that a
 * Catch handled shows as `caught`. States still open are `running` while the execution runs, `stopped` after.
 */
export function stateRuns(history: Pick<ExecutionHistory, 'status' | 'events' | 'stoppedAt'>): StateRun[] {
  const runs: StateRun[] = [];
  const open = new Map<string, StateRun>();
  const last = new Map<string, StateRun>();
  const iso = (ms: number): string => new Date(ms).toISOString();
  for (const e of [...history.events].sort((a, b) => a.timestamp - b.timestamp)) {
    if (!e.stateName) continue;
    const key = keyOf(e);
    const current = open.get(key);
    switch (e.type) {
      case 'StateEntered': {
        const run: StateRun = {
          name: e.stateName, enteredAt: iso(e.timestamp), status: 'running', retries: 0,
          ...(e.stateType ? { type: e.stateType } : {}), ...(e.parentState ? { parent: e.parentState } : {}),
          ...(e.index !== undefined ? { index: e.index } : {}), ...(e.step ? { step: e.step } : {}),
        };
        runs.push(run);
        open.set(key, run);
        last.set(key, run);
        break;
      }
      case 'StateExited': {
        // Step Functions exits a state whose failure a Catch handled; the local engine says StateCaught instead.
        const run = current ?? last.get(key);
        if (run && (current || run.status === 'failed')) {
          run.exitedAt = iso(e.timestamp);
          run.durationMs = e.timestamp - Date.parse(run.enteredAt);
          run.status = run.status === 'running' ? 'succeeded' : 'caught';
          open.delete(key);
        }
        break;
      }
      case 'StateFailed': {
        // Fail states and failed Tasks alike; a Catch that handles it follows as StateCaught.
        const run = current ?? last.get(key);
        if (run) {
          run.status = 'failed';
          run.exitedAt = iso(e.timestamp);
          run.durationMs = e.timestamp - Date.parse(run.enteredAt);
          if (e.error) run.error = e.error;
          if (e.cause) run.cause = e.cause;
          open.delete(key);
        }
        break;
      }
      case 'StateCaught': {
        const run = last.get(key);
        if (run && run.status === 'failed') run.status = 'caught';
        break;
      }
      case 'StateRetried': {
        // A retry runs the same state again: a failure before it is not how the state ended.
        const run = current ?? last.get(key);
        if (run) {
          run.retries += 1;
          if (run.status === 'failed') {
            run.status = 'running';
            delete run.exitedAt;
            delete run.durationMs;
            delete run.error;
            delete run.cause;
            open.set(key, run);
          }
        }
        break;
      }
      default:
        break;
    }
  }
  if (history.status !== 'RUNNING') {
    for (const run of open.values()) {
      run.status = 'stopped';
      if (history.stoppedAt) {
        run.exitedAt = history.stoppedAt;
        run.durationMs = Date.parse(history.stoppedAt) - Date.parse(run.enteredAt);
      }
    }
  }
  return runs;
}
