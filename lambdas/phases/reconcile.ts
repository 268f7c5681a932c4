// The reconciler: a step whose SSM command-status event was lost (EventBridge gave up, or the handler failed until the
// event went to the dead-letter queue) would leave its waiting task hanging until the Task's timeout. Run on the
// existing schedule (the scheduled-check function), it asks SSM for the outcome of every command of the
// environment's active change that is still recorded as running, and completes or fails its task token through the
// same code the status event drives (onCommandStatus), so a late event afterwards finds the step already completed.
import { ssmCommandStatusEvent } from '../core/events';
import type { Deps } from '../ports';
import { onCommandStatus } from './events';

/** A status event normally arrives within seconds; a command older than this with no final status is asked about. */
export const RECONCILE_AFTER_MS = 5 * 60 * 1000;
const FINAL = new Set(['Success', 'Failed', 'TimedOut', 'Cancelled']);

export interface ReconcileResult {
  changeId?: string;
  /** Commands still recorded as running that were asked about. */
  checked: string[];
  /** Commands SSM reports as finished, whose task was completed or failed here. */
  reconciled: { commandId: string; step: string; status: string }[];
}

export async function reconcileLostCommands(deps: Deps, environment: string, olderThanMs = RECONCILE_AFTER_MS): Promise<ReconcileResult> {
  // The environment's active change is the lock holder: one key read, never a listing.
  const changeId = await deps.store.lockHolder(environment);
  if (changeId === undefined) return { checked: [], reconciled: [] };
  const change = await deps.store.getChange(changeId);
  if (!change) return { changeId, checked: [], reconciled: [] };
  const cutoff = deps.clock.now().getTime() - olderThanMs;
  const stale = (await deps.store.listCommands(change.id, change.attempt))
    .filter((c) => !FINAL.has(c.status) && c.taskToken !== undefined && Date.parse(c.requestedAt) <= cutoff);
  const result: ReconcileResult = { changeId, checked: stale.map((c) => c.commandId), reconciled: [] };
  for (const command of stale) {
    const outcome = await deps.hosts.outcome(command.commandId);
    if (outcome.status === 'InProgress') continue;
    // The event SSM would have sent, rebuilt from what SSM says now; the handler reads the outcome itself.
    const handled = await onCommandStatus(deps, ssmCommandStatusEvent({
      'command-id': command.commandId, 'document-name': command.document, 'expire-after': deps.clock.now().toISOString(),
      parameters: {}, 'requested-date-time': command.requestedAt, status: outcome.status,
    }, deps.clock.now()));
    if (handled.handled) {
      result.reconciled.push({ commandId: command.commandId, step: command.stepName, status: outcome.status });
      deps.log.warn('reconciled a step whose command-status event was lost', { changeId, commandId: command.commandId, step: command.stepName, status: outcome.status });
    }
  }
  return result;
}
