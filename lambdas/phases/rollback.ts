// ROLLBACK: the profile's rollback steps (ending with a health check); the report and the return to PLAN
// are in the report phase.
import type { Deps } from '../ports';
import { recordReleaseMetrics } from './act';
import { loadChange, recordEvent, resolveSteps, transition, type ResolvedStep } from './common';

export interface Failure { Error: string; Cause?: string }

const STILL_RUNNING = new Set(['Pending', 'InProgress']);

/**
 * Host commands of the attempt that are still running when the rollback begins (a step whose task timed out, an
 * execution that ended while its command ran) are cancelled first: the rollback must not race a deploy still going.
 */
export async function cancelRunningCommands(deps: Deps, changeId: string): Promise<string[]> {
  const change = await loadChange(deps, changeId);
  const running = (await deps.store.listCommands(change.id, change.attempt)).filter((c) => c.phase !== 'ROLLBACK' && STILL_RUNNING.has(c.status));
  const cancelled: string[] = [];
  for (const command of running) {
    const { cancelled: stopped } = await deps.hosts.cancel(command.commandId);
    await recordEvent(deps, change, {
      type: 'command.cancelled', phase: command.phase,
      message: `${command.stepName}: ${command.document} ${stopped ? 'cancelled before the rollback' : 'had already ended when the rollback began'} (${command.commandId})`,
      data: { commandId: command.commandId, step: command.stepName, cancelled: stopped },
    });
    if (stopped) cancelled.push(command.commandId);
  }
  return cancelled;
}

export async function beginRollback(deps: Deps, changeId: string, failure: Failure | undefined): Promise<{ steps: ResolvedStep[] }> {
  const reason = failure ? `${failure.Error}: ${failure.Cause ?? ''}`.trim() : 'unknown failure';
  await cancelRunningCommands(deps, changeId);
  const change = await transition(deps, changeId, {
    status: 'ROLLING_BACK', phase: 'ROLLBACK', reason, type: 'rollback.started',
    message: `rolling back: ${reason}`, data: { failure },
  });
  await deps.notifier.notify({
    kind: 'rollback', severity: 'warning', changeId, status: 'ROLLING_BACK',
    title: `Rollback started: ${changeId}`, text: reason,
  });
  // The release being rolled back, as it measured while live: the report's post-deployment metrics.
  await recordReleaseMetrics(deps, change, change.attempt);
  const steps = resolveSteps(change, 'ROLLBACK');
  await recordEvent(deps, change, { type: 'rollback.steps', phase: 'ROLLBACK', message: `rollback steps: ${steps.map((s) => s.name).join(', ')}` });
  return { steps };
}
