// Submission: validate, assess risk, take the environment lock, write the change once (same id and
// body = same change), and start the first attempt's execution named after the change id.
import { createHash } from 'node:crypto';
import { ConflictError, ValidationError, type FieldIssue } from '../core/errors';
import { changeWindow, describeFreeze, freezesBetween, type FreezeWindow } from '../core/freeze';
import { executionNameFor, type ChangeRecord } from '../core/records';
import { assessRisk, requiredApprovals } from '../core/risk';
import type { ChangeRequest, EnvironmentProfile } from '../core/schemas';
import type { Deps } from '../ports';
import { recordEvent, unknownOverrideSteps } from './common';

/** Key order must not change the hash: the same document re-submitted is the same change. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function bodyHash(request: ChangeRequest, profileName: string): string {
  return createHash('sha256').update(canonical({ request, profileName })).digest('hex');
}

/**
 * Every host command the change would send, checked against its document now: a bad value is refused at
 * submission, naming the field, instead of failing halfway through ACT after traffic was already blocked.
 */
async function validateSteps(deps: Deps, request: ChangeRequest, profile: EnvironmentProfile): Promise<void> {
  const overrides = request.deployment?.step_parameters ?? {};
  const issues: FieldIssue[] = [];
  const steps = [
    ...profile.act.steps.map((s, i) => ({ step: { ...s, parameters: { ...s.parameters, ...(overrides[s.name] ?? {}) } }, where: `act.steps.${i}`, overridden: overrides[s.name] ?? {} })),
    ...profile.rollback.steps.map((s, i) => ({ step: s, where: `rollback.steps.${i}`, overridden: {} as Record<string, string> })),
  ];
  for (const { step, where, overridden } of steps) {
    try {
      await deps.hosts.validate(step);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      for (const issue of err.issues) {
        const param = /^parameters\.(.+)$/.exec(issue.path)?.[1];
        // A value the change supplied is the change's fault; anything else is the profile's.
        const path = param !== undefined && Object.hasOwn(overridden, param) ? `deployment.step_parameters.${step.name}.${param}` : `profile.${where}.${issue.path}`;
        issues.push({ path, message: issue.message });
      }
    }
  }
  if (issues.length > 0) throw new ValidationError(`change request is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
}

/**
 * The freezes the change's window overlaps. A change that is not an emergency is refused (409 naming the freeze,
 * nothing written); an emergency goes ahead, and the caller records the override and requires the executive.
 */
function freezeOverride(request: ChangeRequest, profile: EnvironmentProfile, now: Date): FreezeWindow[] {
  if (profile.freezes.length === 0) return [];
  const window = changeWindow(request, now);
  const frozen = freezesBetween(profile.freezes, window.start, window.end);
  if (frozen.length > 0 && request.change_request.type !== 'emergency') {
    throw new ConflictError(`change ${request.change_request.id}: its window ${window.start.toISOString()} – ${window.end.toISOString()} overlaps the change freeze ${frozen.map(describeFreeze).join(', ')}; only an emergency change may be submitted into a freeze, and it needs executive approval`);
  }
  return frozen;
}

export interface SubmitResult {
  change: ChangeRecord;
  /** False when this exact change had been submitted before. */
  created: boolean;
  executionName: string;
}

export async function submitChange(deps: Deps, input: { request: ChangeRequest; profile: EnvironmentProfile; submittedBy: string }): Promise<SubmitResult> {
  const { request, profile } = input;
  const environment = request.change_request.environment ?? profile.name;
  if (environment !== profile.name) {
    throw new ValidationError(`change_request.environment: ${environment} does not match the profile ${profile.name}`, [{ path: 'change_request.environment', message: `expected ${profile.name}` }]);
  }
  const unknown = unknownOverrideSteps(profile, request.deployment?.step_parameters ?? {});
  if (unknown.length > 0) {
    throw new ValidationError(`deployment.step_parameters: no ACT step named ${unknown.join(', ')} in profile ${profile.name}`, unknown.map((u) => ({ path: `deployment.step_parameters.${u}`, message: 'no such ACT step' })));
  }
  const id = request.change_request.id;
  const hash = bodyHash(request, profile.name);
  const existing = await deps.store.getChange(id);
  if (existing) {
    if (existing.bodyHash !== hash) throw new ConflictError(`change ${id} already exists with a different body`);
    // Idempotent by name: if the first submission's start was lost, this one makes it.
    if (existing.status === 'SUBMITTED') await deps.executions.start(existing.executionName, { changeId: id, attempt: existing.attempt });
    return { change: existing, created: false, executionName: existing.executionName };
  }
  await validateSteps(deps, request, profile);
  const frozen = freezeOverride(request, profile, deps.clock.now());

  // Lock first: a change record never exists without its environment lock (nothing half-written).
  const lock = await deps.store.acquireLock(environment, id);
  if (!lock.acquired) throw new ConflictError(`environment ${environment} already has an active change: ${lock.holder}`);

  const risk = assessRisk(request);
  const now = deps.clock.now().toISOString();
  const change: ChangeRecord = {
    id, environment, title: request.change_request.title, requester: request.requester.name, submittedBy: input.submittedBy,
    status: 'SUBMITTED', phase: 'SUBMIT', attempt: 1, maxAttempts: profile.maxAttempts, version: 1,
    request, profile, risk, bodyHash: hash,
    // An emergency inside a freeze needs the executive whatever its risk.
    requiredApprovals: frozen.length > 0 && !requiredApprovals(risk).includes('executive') ? [...requiredApprovals(risk), 'executive'] : requiredApprovals(risk),
    executionName: executionNameFor(id, 1), createdAt: now, updatedAt: now,
  };
  const created = await deps.store.createChange(change);
  if (!created.created) {
    // Lost a race with an identical submission: that one holds the lock and started the run.
    if (created.existing.bodyHash !== hash) {
      throw new ConflictError(`change ${id} already exists with a different body`);
    }
    return { change: created.existing, created: false, executionName: created.existing.executionName };
  }
  await recordEvent(deps, change, {
    type: 'change.submitted', phase: 'SUBMIT', status: 'SUBMITTED', actor: input.submittedBy,
    message: `submitted by ${input.submittedBy}: risk ${risk.level}, approvals required: ${change.requiredApprovals.join(', ')}`,
    data: { risk, claimedApprovals: request.approval ?? null },
  });
  if (frozen.length > 0) {
    await recordEvent(deps, change, {
      type: 'freeze.override', phase: 'SUBMIT', actor: input.submittedBy,
      message: `emergency change submitted into freeze ${frozen.map(describeFreeze).join(', ')} by ${input.submittedBy}: executive approval required`,
      data: { freezes: frozen },
    });
  }
  await deps.notifier.notify({ kind: 'submitted', severity: 'info', changeId: id, status: 'SUBMITTED', title: `Change submitted: ${id} ${change.title}`, text: `Risk ${risk.level}; approvals required: ${change.requiredApprovals.join(', ')}` });
  await deps.executions.start(change.executionName, { changeId: id, attempt: 1 });
  return { change, created: true, executionName: change.executionName };
}
