// ROLLBACK: the profile's rollback steps (ending with a health check); the report and the return to PLAN
// are in the report phase.
import type { Deps } from '../ports';
import { recordReleaseMetrics } from './act';
import { recordEvent, resolveSteps, transition, type ResolvedStep } from './common';

export interface Failure { Error: string; Cause?: string }

export async function beginRollback(deps: Deps, changeId: string, failure: Failure | undefined): Promise<{ steps: ResolvedStep[] }> {
  const reason = failure ? `${failure.Error}: ${failure.Cause ?? ''}`.trim() : 'unknown failure';
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
