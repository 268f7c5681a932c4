// Submission: validate, assess risk, take the environment lock, write the change once (same id and
// body = same change), and start the first attempt's execution named after the change id.
import { createHash } from 'node:crypto';
import { ConflictError, ValidationError, type FieldIssue } from '../core/errors';
import { changeWindow, describeFreeze, freezesBetween, type FreezeWindow } from '../core/freeze';
import { AFTER_ACT_BEGAN, executionNameFor, type ChangeRecord } from '../core/records';
import { assessRisk, requiredApprovals } from '../core/risk';
import type { ChangeRequest, EnvironmentProfile } from '../core/schemas';
import type { Deps, HostCommands } from '../ports';
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

/** What the submission checks need of the host commands: the documents' parameter checks, nothing sent. */
export type StepValidator = Pick<HostCommands, 'validate'>;

/**
 * Every host command a profile (and a change on it) would send, checked against its document now: a bad value
 * is refused at submission, naming the field, instead of failing halfway through ACT after traffic was blocked.
 * With a change, a value the change supplied is named by its deployment path and the profile's by `profile.…`.
 */
async function stepIssues(hosts: StepValidator, profile: EnvironmentProfile, overrides: Record<string, Record<string, string>>, profilePrefix: string): Promise<FieldIssue[]> {
  const issues: FieldIssue[] = [];
  const steps = [
    ...profile.act.steps.map((s, i) => ({ step: { ...s, parameters: { ...s.parameters, ...(overrides[s.name] ?? {}) } }, where: `act.steps.${i}`, overridden: overrides[s.name] ?? {} })),
    ...profile.rollback.steps.map((s, i) => ({ step: s, where: `rollback.steps.${i}`, overridden: {} as Record<string, string> })),
  ];
  for (const { step, where, overridden } of steps) {
    try {
      await hosts.validate(step);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      for (const issue of err.issues) {
        const param = /^parameters\.(.+)$/.exec(issue.path)?.[1];
        // A value the change supplied is the change's fault; anything else is the profile's.
        const path = param !== undefined && Object.hasOwn(overridden, param) ? `deployment.step_parameters.${step.name}.${param}` : `${profilePrefix}${where}.${issue.path}`;
        issues.push({ path, message: issue.message });
      }
    }
  }
  return issues;
}

/**
 * The checks beyond the schemas, shared by the server's submission and `runbook validate`: without a request, the
 * profile's steps against their documents; with one, also the environment it names, the ACT steps it overrides
 * and its override values against the documents. Empty when the server would accept it.
 */
export async function submissionIssues(hosts: StepValidator, profile: EnvironmentProfile, request?: ChangeRequest): Promise<FieldIssue[]> {
  if (!request) return stepIssues(hosts, profile, {}, '');
  const issues: FieldIssue[] = [];
  const environment = request.change_request.environment ?? profile.name;
  if (environment !== profile.name) issues.push({ path: 'change_request.environment', message: `${environment} does not match the profile ${profile.name}` });
  const overrides = request.deployment?.step_parameters ?? {};
  for (const u of unknownOverrideSteps(profile, overrides)) issues.push({ path: `deployment.step_parameters.${u}`, message: `no ACT step named ${u} in profile ${profile.name}` });
  issues.push(...await stepIssues(hosts, profile, overrides, 'profile.'));
  return issues;
}

/**
 * The change window may be at most `maxLeadDays` ahead: the execution starts now and waits for it, and a wait longer
 * than the execution's timeout would end the change by timing out instead of running it.
 */
export function leadTimeIssue(request: ChangeRequest, profile: EnvironmentProfile, now: Date): FieldIssue | undefined {
  const start = Date.parse(request.timeline.planned_start);
  const latest = now.getTime() + profile.maxLeadDays * 86_400_000;
  if (start <= latest) return undefined;
  return {
    path: 'timeline.planned_start',
    message: `${request.timeline.planned_start} is more than ${profile.maxLeadDays} days ahead (profile maxLeadDays; latest ${new Date(latest).toISOString()}): submit the change closer to its window`,
  };
}

/** Names the change holding the environment, its status, and the command that frees or ends it. */
export function heldBy(environment: string, holderId: string, holder: ChangeRecord | undefined): string {
  const status = holder ? `${holder.status}${holder.status === 'INTERRUPTED' && holder.interruptedFrom ? ` while ${holder.interruptedFrom}` : ''}` : 'not found';
  return `environment ${environment} already has an active change: ${holderId} (${status}) — ${wayOut(holderId, holder)}`;
}

function wayOut(id: string, holder: ChangeRecord | undefined): string {
  const watch = `npx runbook status ${id} --watch`;
  const cancel = `npx runbook cancel ${id}`;
  switch (holder?.status) {
    case 'MANUAL_INTERVENTION': return `restore the service by hand, then free the environment: npx runbook release ${id}`;
    case 'INTERRUPTED':
      return holder.interruptedFrom && (AFTER_ACT_BEGAN as readonly string[]).includes(holder.interruptedFrom)
        ? `roll it back: npx runbook rollback ${id}`
        : `it resumes when \`npx runbook serve\` starts, or end it: ${cancel}`;
    case 'ROLLED_BACK': return `approve its next attempt, or close it: ${cancel}`;
    case 'SUBMITTED': case 'PREFLIGHT': case 'AWAITING_APPROVAL': case 'SCHEDULED': return `wait for it (${watch}) or end it: ${cancel}`;
    case 'ACTING': case 'MONITORING': return `wait for it (${watch}) or roll it back: ${cancel}`;
    case 'TESTING': case 'REPORTING': case 'ROLLING_BACK': return `wait for it to end: ${watch}`;
    case undefined: return `the lock names a change that does not exist: npx runbook release ${id}`;
    // Stryker disable next-line OptionalChaining: only a holder gets here (`case undefined` takes a missing one); the ?. is for the type
    default: return `it has ended ${holder?.status}; free the environment: npx runbook release ${id}`;
  }
}

/**
 * The freezes the change's window overlaps (freezeCheck says, the submission acts). A change that is not an emergency is refused (409 naming the freeze,
 * nothing written); an emergency goes ahead, and the caller records the override and requires the executive.
 */
export function freezeCheck(request: ChangeRequest, profile: EnvironmentProfile, now: Date): { frozen: FreezeWindow[]; refusal?: string } {
  if (profile.freezes.length === 0) return { frozen: [] };
  const window = changeWindow(request, now);
  const frozen = freezesBetween(profile.freezes, window.start, window.end);
  if (frozen.length > 0 && request.change_request.type !== 'emergency') {
    return { frozen, refusal: `change ${request.change_request.id}: its window ${window.start.toISOString()} – ${window.end.toISOString()} overlaps the change freeze ${frozen.map(describeFreeze).join(', ')}; only an emergency change may be submitted into a freeze, and it needs executive approval` };
  }
  return { frozen };
}

function freezeOverride(request: ChangeRequest, profile: EnvironmentProfile, now: Date): FreezeWindow[] {
  const { frozen, refusal } = freezeCheck(request, profile, now);
  if (refusal) throw new ConflictError(refusal);
  return frozen;
}

/** The roles a change needs: by its risk, plus the executive for an emergency inside a freeze. */
export function approvalsFor(risk: ReturnType<typeof assessRisk>, frozen: readonly FreezeWindow[]): ReturnType<typeof requiredApprovals> {
  const byRisk = requiredApprovals(risk);
  return frozen.length > 0 && !byRisk.includes('executive') ? [...byRisk, 'executive'] : byRisk;
}

export interface SubmitResult {
  change: ChangeRecord;
  /** False when this exact change had been submitted before. */
  created: boolean;
  executionName: string;
}

/**
 * Everything a submission refuses before it writes anything (the documents' checks, the environment, the lead
 * time), as one ValidationError naming each field: the submission and the dry run (plan.ts) both call it, so a dry
 * run fails exactly as the submission would.
 */
export async function checkSubmission(hosts: StepValidator, request: ChangeRequest, profile: EnvironmentProfile, now: Date): Promise<void> {
  const issues = await submissionIssues(hosts, profile, request);
  const lead = leadTimeIssue(request, profile, now);
  if (lead) issues.push(lead);
  if (issues.length > 0) throw new ValidationError(`change request is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
}

export async function submitChange(deps: Deps, input: { request: ChangeRequest; profile: EnvironmentProfile; submittedBy: string }): Promise<SubmitResult> {
  const { request, profile } = input;
  await checkSubmission(deps.hosts, request, profile, deps.clock.now());
  const environment = profile.name;
  const id = request.change_request.id;
  const hash = bodyHash(request, profile.name);
  const existing = await deps.store.getChange(id);
  if (existing) {
    if (existing.bodyHash !== hash) throw new ConflictError(`change ${id} already exists with a different body`);
    // Idempotent by name: if the first submission's start was lost, this one makes it.
    if (existing.status === 'SUBMITTED') await deps.executions.start(existing.executionName, { changeId: id, attempt: existing.attempt });
    return { change: existing, created: false, executionName: existing.executionName };
  }
  const frozen = freezeOverride(request, profile, deps.clock.now());

  // Lock first: a change record never exists without its environment lock (nothing half-written).
  const lock = await deps.store.acquireLock(environment, id);
  if (!lock.acquired) throw new ConflictError(heldBy(environment, lock.holder, await deps.store.getChange(lock.holder)));

  const risk = assessRisk(request);
  const now = deps.clock.now().toISOString();
  const change: ChangeRecord = {
    id, environment, title: request.change_request.title, requester: request.requester.name, submittedBy: input.submittedBy,
    status: 'SUBMITTED', phase: 'SUBMIT', attempt: 1, maxAttempts: profile.maxAttempts, version: 1,
    request, profile, risk, bodyHash: hash,
    // An emergency inside a freeze needs the executive whatever its risk.
    requiredApprovals: approvalsFor(risk, frozen),
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
