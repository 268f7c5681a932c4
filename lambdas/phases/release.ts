// After MANUAL_INTERVENTION: the environment stays locked until an operator, having restored the service by hand,
// says so. This frees it for the next change, with who and why on the record; the change itself stays as it ended.
import { ConflictError } from '../core/errors';
import type { Deps } from '../ports';
import { loadChange, recordEvent } from './common';

export interface ReleaseOutcome {
  changeId: string;
  environment: string;
  releasedBy: string;
  reason: string | null;
  /** True when it had been released before: nothing new was written. */
  alreadyReleased?: boolean;
}

/** Idempotent: releasing again answers the first release (who, why) and writes nothing. */
export async function releaseEnvironment(deps: Pick<Deps, 'store' | 'clock' | 'notifier'>, input: { changeId: string; by: string; reason?: string }): Promise<ReleaseOutcome> {
  const change = await loadChange(deps, input.changeId);
  if (change.status !== 'MANUAL_INTERVENTION') {
    throw new ConflictError(`change ${change.id} is ${change.status}: only a change in MANUAL_INTERVENTION holds its environment after it ended`);
  }
  const before = (await deps.store.listEvents(change.id)).find((e) => e.type === 'environment.released');
  if (before) {
    return { changeId: change.id, environment: change.environment, releasedBy: before.actor, reason: (before.data?.reason as string | null | undefined) ?? null, alreadyReleased: true };
  }
  const reason = input.reason ?? null;
  await deps.store.releaseLock(change.environment, change.id);
  await recordEvent(deps, change, {
    type: 'environment.released', phase: change.phase, actor: input.by,
    message: `environment ${change.environment} released by ${input.by} after manual intervention${reason ? `: ${reason}` : ''}`,
    data: { reason },
  });
  await deps.notifier.notify({
    kind: 'ended', severity: 'info', changeId: change.id, status: change.status, operator: input.by,
    title: `Environment ${change.environment} released: ${change.id}`,
    text: `${input.by} released ${change.environment} after manual intervention${reason ? `: ${reason}` : ''}. New changes may start.`,
  });
  return { changeId: change.id, environment: change.environment, releasedBy: input.by, reason };
}
