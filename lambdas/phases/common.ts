// Shared phase logic: loading a change, moving it to a new status with an event, resolving the
// host-command steps of an attempt, and sending one of them with its task token parked in the store.
import { ConflictError, NotFoundError } from '../core/errors';
import { rollbackAlarmNames } from '../core/events';
import { callbackKey, FINAL_STATUSES, type ChangeEvent, type ChangeRecord, type ChangeStatus, type Phase } from '../core/records';
import type { CommandStep, EnvironmentProfile } from '../core/schemas';
import type { Deps } from '../ports';

export const SYSTEM_ACTOR = 'runbook-control-plane';

export async function loadChange(deps: Pick<Deps, 'store'>, changeId: string): Promise<ChangeRecord> {
  const change = await deps.store.getChange(changeId);
  if (!change) throw new NotFoundError(`change ${changeId} not found`);
  return change;
}

export interface EventInput {
  type: string;
  message: string;
  phase?: Phase;
  status?: ChangeStatus;
  actor?: string;
  data?: Record<string, unknown>;
}

export async function recordEvent(deps: Pick<Deps, 'store' | 'clock'>, change: Pick<ChangeRecord, 'id' | 'attempt'>, input: EventInput, attempt = change.attempt): Promise<ChangeEvent> {
  return deps.store.appendEvent({
    changeId: change.id,
    attempt,
    at: deps.clock.now().toISOString(),
    actor: input.actor ?? SYSTEM_ACTOR,
    type: input.type,
    message: input.message,
    ...(input.phase ? { phase: input.phase } : {}),
    ...(input.status ? { status: input.status } : {}),
    ...(input.data ? { data: input.data } : {}),
  });
}

/**
 * Moves the change to `status` and appends the matching event. Conditional on the version it read;
 * on a lost race it re-reads and re-applies (the patch is absolute, so re-applying is safe).
 * `known`: the change as the caller has just read it, so the first try reads nothing (one GetItem less per move on
 * AWS); a stale one only costs the lost race, after which the change is read again.
 */
export async function transition(
  deps: Pick<Deps, 'store' | 'clock'>,
  changeId: string,
  update: {
    status: ChangeStatus; phase: Phase; message: string; type?: string; reason?: string; actor?: string; data?: Record<string, unknown>; patch?: Partial<ChangeRecord>;
    /** Only from these statuses (ConflictError otherwise): for moves that two callers may race to make. */
    from?: ChangeStatus[];
  },
  known?: ChangeRecord,
): Promise<ChangeRecord> {
  for (let tries = 0; ; tries += 1) {
    const current = tries === 0 && known?.id === changeId ? known : await loadChange(deps, changeId);
    // An ended change stays ended: a late writer (a step that read the change before a cancel, a second report)
    // must not bring it back to life or take its freed environment.
    if ((FINAL_STATUSES as readonly string[]).includes(current.status)) {
      throw new ConflictError(`change ${changeId} is already ${current.status}; not moving it to ${update.status}`);
    }
    if (update.from && !update.from.includes(current.status)) {
      throw new ConflictError(`change ${changeId} is ${current.status}, not ${update.from.join(' or ')}; not moving it to ${update.status}`);
    }
    try {
      const updated = await deps.store.updateChange(changeId, current.version, {
        ...update.patch,
        status: update.status,
        phase: update.phase,
        updatedAt: deps.clock.now().toISOString(),
        ...(update.reason !== undefined ? { reason: update.reason } : {}),
      });
      await recordEvent(deps, updated, {
        type: update.type ?? `status.${update.status.toLowerCase()}`,
        message: update.message,
        phase: update.phase,
        status: update.status,
        ...(update.actor ? { actor: update.actor } : {}),
        ...(update.data ? { data: update.data } : {}),
      });
      return updated;
    } catch (err) {
      if (err instanceof ConflictError && tries < 3) continue;
      throw err;
    }
  }
}

/**
 * An embedded run that will not finish (a signal, a stopped server): the change is marked INTERRUPTED with the status
 * it was in, and keeps its environment. The next embedded start resumes it from there (a wait is waited again, a
 * change past Act Begin is rolled back or held: lambdas/phases/resume.ts). Ended and already-interrupted changes are
 * left alone.
 */
export async function interruptChange(deps: Pick<Deps, 'store' | 'clock'>, changeId: string, actor: string, why: string): Promise<ChangeRecord | undefined> {
  const change = await loadChange(deps, changeId);
  if ((FINAL_STATUSES as readonly string[]).includes(change.status) || change.status === 'INTERRUPTED' || change.status === 'ROLLED_BACK') return undefined;
  return transition(deps, changeId, {
    status: 'INTERRUPTED', phase: change.phase, actor,
    message: `interrupted: ${why} while the change was ${change.status}; it keeps environment ${change.environment} and resumes on the next start`,
    patch: { interruptedFrom: change.status },
    data: { from: change.status },
  }, change);
}

/** The environment's two rollback alarms as the Alarms port sees them now. */
export async function rollbackAlarmStates(deps: Pick<Deps, 'alarms'>, environment: string): ReturnType<Deps['alarms']['states']> {
  const names = rollbackAlarmNames(environment);
  return deps.alarms.states([names.latency, names.errorRate]);
}

/** A host-command step as the Map state iterates it. */
export interface ResolvedStep extends CommandStep {
  index: number;
  phase: 'ACT' | 'ROLLBACK';
}

/** The profile's steps for a phase, with the change's per-step parameter overrides applied (ACT only). */
export function resolveSteps(change: ChangeRecord, phase: 'ACT' | 'ROLLBACK'): ResolvedStep[] {
  const steps = phase === 'ACT' ? change.profile.act.steps : change.profile.rollback.steps;
  const overrides = phase === 'ACT' ? (change.request.deployment?.step_parameters ?? {}) : {};
  return steps.map((step, index) => ({
    ...step,
    parameters: { ...step.parameters, ...(overrides[step.name] ?? {}) },
    index,
    phase,
  }));
}

/** The step names a change's overrides refer to must exist, or the override would silently do nothing. */
export function unknownOverrideSteps(profile: EnvironmentProfile, overrides: Record<string, unknown>): string[] {
  const names = new Set(profile.act.steps.map((s) => s.name));
  return Object.keys(overrides).filter((n) => !names.has(n));
}

/**
 * Sends one host command for a waiting task: the token is kept on the command record, and the
 * command-status event completes it (see the command-callback handler).
 *
 * Once per step and attempt: a Task retried after a transient failure (the send went out, a write after it
 * did not) must not deploy or migrate twice. The first send claims the step's slot; a retry finds the command
 * it sent and hands it the new token instead (or completes the token at once if the command already ended).
 */
export async function sendCommandForTask(
  deps: Deps,
  input: { changeId: string; attempt: number; taskToken: string; phase: Phase; step: CommandStep; slot: string },
): Promise<{ commandId: string }> {
  const change = await loadChange(deps, input.changeId);
  const now = deps.clock.now().toISOString();
  // A resumed run has slots of its own: what a dead process sent will never report back.
  const slotKey = callbackKey('command', change.id, input.attempt, `${input.phase}:${input.slot}${change.resumes ? `:r${change.resumes}` : ''}`);
  const claimed = await deps.store.createCallback({ key: slotKey, kind: 'command', changeId: change.id, attempt: input.attempt, token: input.taskToken, createdAt: now });
  if (!claimed) {
    const sentBefore = (await deps.store.getCallback(slotKey))?.data?.commandId;
    const command = typeof sentBefore === 'string' ? await deps.store.getCommand(sentBefore) : undefined;
    if (command) {
      await deps.store.putCommand({ ...command, taskToken: input.taskToken });
      await recordEvent(deps, change, { type: 'command.retried', phase: input.phase, message: `${input.step.name}: already sent (${command.commandId}); the retried task waits for it`, data: { commandId: command.commandId } }, input.attempt);
      // It may have ended while the token changed hands: its status event then went to the old token.
      const latest = await deps.store.getCommand(command.commandId);
      if (latest && ['Success', 'Failed', 'TimedOut', 'Cancelled'].includes(latest.status)) {
        if (latest.status === 'Success') await deps.callbacks.sendTaskSuccess(input.taskToken, { commandId: latest.commandId, step: latest.stepName, status: latest.status, ...(latest.result ? { result: latest.result } : {}) });
        else await deps.callbacks.sendTaskFailure(input.taskToken, 'HostCommandFailed', `${latest.stepName} (${latest.document}) ${latest.status}`);
      }
      return { commandId: command.commandId };
    }
    // The slot was claimed but the send never happened (the first try failed before it): send now.
  }
  const { commandId } = await deps.hosts.send({
    changeId: change.id,
    attempt: input.attempt,
    step: input.step,
    targets: change.profile.targets,
    comment: `${change.id} attempt ${input.attempt} ${input.step.name}`.slice(0, 100),
  });
  // The three records are written together (one batch on the embedded store) and all of them before the task returns.
  // The command record's write is issued at once, so a status event handled meanwhile finds it (or waits for it).
  await Promise.all([
    deps.store.putCallback({ key: slotKey, kind: 'command', changeId: change.id, attempt: input.attempt, token: input.taskToken, createdAt: now, data: { commandId } }),
    deps.store.putCommand({
      commandId,
      changeId: change.id,
      attempt: input.attempt,
      phase: input.phase,
      stepName: input.step.name,
      document: input.step.document,
      parameters: input.step.parameters,
      status: 'InProgress',
      taskToken: input.taskToken,
      requestedAt: now,
    }),
    recordEvent(deps, change, {
      type: 'command.sent',
      phase: input.phase,
      message: `${input.step.name}: ${input.step.document} sent (${commandId})`,
      data: { commandId, step: input.step.name, document: input.step.document, parameters: input.step.parameters },
    }, input.attempt),
  ]);
  return { commandId };
}
