// The dry run (`runbook plan FILE`, `POST /changes?dryRun=true`): what a submission would do, computed from the change,
// the profile and the state machine's fixed timeouts, with the submission's own checks and nothing written or started.
// The fixed TimeoutSeconds of the state machine, generated from statemachines/runbook.asl.json by `npm run generate`
// (scripts/reference.ts; a stale copy fails test/scripts/reference.test.ts): the ~22 KB definition stays out of the
// api bundle, which only needs these numbers.
import timeouts from '../../statemachines/runbook.timeouts.json';
import { SSM_MAX_CONCURRENCY, SSM_MAX_ERRORS } from '../core/documents';
import { rollbackAlarmNames } from '../core/events';
import { changeWindow, type FreezeWindow } from '../core/freeze';
import { FINAL_STATUSES, type ApprovalRole } from '../core/records';
import { assessRisk, type RiskAssessment } from '../core/risk';
import type { ChangeRequest, CommandStep, EnvironmentProfile } from '../core/schemas';
import { rollbackLimits } from '../core/thresholds';
import type { ChangeStore, Clock } from '../ports';
import { backupStep, dependenciesStep, systemHealthStep } from './preflight';
import { approvalsFor, bodyHash, checkSubmission, freezeCheck, heldBy, type StepValidator } from './submit';


export interface PlannedStep {
  name: string;
  document: string;
  /** As they would be sent: the change's overrides applied, the document's defaults filled, executionTimeout set. */
  parameters: Record<string, string>;
  /** The profile's timeoutSeconds for the step (the agent's execution timeout). */
  timeoutSeconds: number;
  /** The longest the step can hold the run: its execution timeout per rate-control batch, capped by the ASL Task's. */
  longestSeconds: number;
}

export interface RollbackAlarm {
  name: string;
  metric: string;
  /** ALARM when a period's value is above this (rollbackFactor × the profile's threshold). */
  threshold: number;
  unit: 'ms' | 'fraction';
  basedOn: string;
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  missingData: 'breaching' | 'notBreaching';
  source: 'probe' | 'cloudwatch';
}

export interface DurationPart {
  part: string;
  phase: 'PRE-FLIGHT' | 'PLAN' | 'ACT' | 'MONITOR' | 'TEST' | 'ROLLBACK';
  seconds: number;
  /** Where the number comes from: `asl:<state>` (a fixed TimeoutSeconds), `profile:<field>`, `window` or `wait`. */
  source: string;
}

export interface LongestDuration {
  /** Every part of the sum, in the order the run meets them. */
  parts: DurationPart[];
  /** Submission to the change window: the wait, or pre-flight and approvals if they take longer (they run during it). */
  untilActSeconds: number;
  /** From the change window opening to the end, through every step, the whole monitoring window, TEST and a rollback. */
  fromWindowSeconds: number;
  totalSeconds: number;
  notes: string[];
}

export interface DryRunPlan {
  dryRun: true;
  /** What the dry run wrote and started: nothing, said for the reader of the JSON. */
  wrote: 'nothing';
  changeId: string;
  title: string;
  type: ChangeRequest['change_request']['type'];
  environment: string;
  risk: RiskAssessment;
  requiredApprovals: ApprovalRole[];
  /** Who the profile lets approve each required role. */
  approvers: Partial<Record<ApprovalRole, string[]>>;
  window: { plannedStart: string; start: string; end: string; waitSeconds: number; estimatedDuration: string };
  freezes: FreezeWindow[];
  /**
   * Set when the submission would be refused with a 409: a non-emergency change into a freeze; with the store, the
   * same id under another body, or the environment held by another change.
   */
  refusal?: string;
  /** With the store: this id was submitted before with this body, so a submission would return that change. */
  duplicateOf?: { status: string };
  targets: string;
  rateControl: string;
  steps: { preflight: PlannedStep[]; act: PlannedStep[]; rollback: PlannedStep[] };
  healthCheck: EnvironmentProfile['healthCheck'];
  rollbackAlarms: RollbackAlarm[];
  monitoringWindowSeconds: number;
  tests: {
    baseUrl: string;
    smoke: { name: string; method: string; path: string; expectedStatus: number; suite: string }[];
    regression: { name: string; method: string; path: string; expectedStatus: number; suite: string }[];
    performance: EnvironmentProfile['tests']['performance'];
  };
  longest: LongestDuration;
}

const TIMEOUTS = new Map<string, number>(Object.entries(timeouts));

function asl(state: string): number {
  const t = TIMEOUTS.get(state);
  // The definition is the project's own file: a renamed state must fail here, not shorten the estimate silently.
  if (t === undefined) throw new Error(`statemachines/runbook.asl.json has no TimeoutSeconds for the state "${state}"`);
  return t;
}

/** How many rate-control batches a command needs: one on this machine, 100 / MaxConcurrency % on a fleet. */
function batches(profile: EnvironmentProfile): number {
  return profile.targets.kind === 'local' ? 1 : Math.ceil(100 / Number(SSM_MAX_CONCURRENCY.slice(0, -1)));
}

function describeTargets(profile: EnvironmentProfile): { targets: string; rateControl: string } {
  const t = profile.targets;
  if (t.kind === 'local') return { targets: 'this machine (embedded engine)', rateControl: 'one command at a time on this machine' };
  const rateControl = `SSM Run Command MaxConcurrency ${SSM_MAX_CONCURRENCY}, MaxErrors ${SSM_MAX_ERRORS} (the first failed instance stops the step): ${batches(profile)} batches`;
  return t.kind === 'tag'
    ? { targets: `managed instances tagged ${t.key}=${t.values.join('|')}`, rateControl }
    : { targets: `managed instances ${t.ids.join(', ')}`, rateControl };
}

/** The ASL state that runs a pre-flight step, by its name: the dependencies step is absent when there is nothing to check. */
function preflightState(name: string): string {
  return name === 'preflight-system-health' ? 'PreFlight System Health' : name === 'preflight-dependencies' ? 'PreFlight Dependencies' : 'PreFlight Backup';
}

async function planStep(hosts: StepValidator, profile: EnvironmentProfile, step: CommandStep, aslState: string): Promise<PlannedStep> {
  return {
    name: step.name, document: step.document, parameters: await hosts.validate(step), timeoutSeconds: step.timeoutSeconds,
    longestSeconds: Math.min(asl(aslState), step.timeoutSeconds * batches(profile)),
  };
}

function alarms(profile: EnvironmentProfile): RollbackAlarm[] {
  const m = profile.monitoring;
  const limits = rollbackLimits(m);
  const names = rollbackAlarmNames(profile.name);
  const common = { periodSeconds: m.periodSeconds, evaluationPeriods: m.evaluationPeriods, datapointsToAlarm: m.datapointsToAlarm, missingData: m.missingData, source: m.source };
  const cw = m.cloudwatch;
  return [
    {
      name: names.latency, metric: cw ? `${cw.latency.namespace} ${cw.latency.metricName} ${cw.latency.statistic}` : `p95 latency of ${m.probePaths.join(', ')}`,
      threshold: limits.p95Ms, unit: 'ms', basedOn: `monitoring.p95Ms ${m.p95Ms} × rollbackFactor ${m.rollbackFactor}`, ...common,
    },
    {
      name: names.errorRate, metric: cw ? `${cw.errors.metricName} / ${cw.requests.metricName}` : `error rate of ${m.probePaths.join(', ')}`,
      threshold: limits.errorRate, unit: 'fraction', basedOn: `monitoring.errorRate ${m.errorRate} × rollbackFactor ${m.rollbackFactor}`, ...common,
    },
  ];
}

const sum = (parts: DurationPart[]): number => parts.reduce((t, p) => t + p.seconds, 0);

function longest(profile: EnvironmentProfile, steps: DryRunPlan['steps'], waitSeconds: number): LongestDuration {
  const lambda = (phase: DurationPart['phase'], state: string): DurationPart => ({ part: state, phase, seconds: asl(state), source: `asl:${state}` });
  const step = (phase: DurationPart['phase'], s: PlannedStep, state: string): DurationPart => ({
    part: `${s.name} (${s.document})`, phase, seconds: s.longestSeconds,
    source: s.longestSeconds === asl(state) ? `asl:${state}` : `profile:timeoutSeconds ${s.timeoutSeconds}${batches(profile) > 1 ? ` × ${batches(profile)} batches` : ''}`,
  });
  const beforeWindow: DurationPart[] = [
    lambda('PRE-FLIGHT', 'Start Attempt'),
    ...steps.preflight.map((s) => step('PRE-FLIGHT', s, preflightState(s.name))),
    lambda('PRE-FLIGHT', 'PreFlight Passed'),
    lambda('PLAN', 'Plan Assess Risk'),
    { part: 'approvals (the longest the run waits for them)', phase: 'PLAN', seconds: asl('Plan Await Approvals'), source: 'asl:Plan Await Approvals' },
    lambda('PLAN', 'Plan Schedule'),
  ];
  const wait: DurationPart = { part: 'wait for the change window (timeline.planned_start)', phase: 'PLAN', seconds: waitSeconds, source: 'wait' };
  const recheck = steps.preflight[0] as PlannedStep;
  const fromWindow: DurationPart[] = [
    { part: 'system health re-check before ACT (when pre-flight is older than preflightRecheckAfterMinutes)', phase: 'PLAN', seconds: Math.min(asl('Plan Recheck System Health'), recheck.longestSeconds), source: `profile:preflightRecheckAfterMinutes ${profile.preflightRecheckAfterMinutes}` },
    lambda('PLAN', 'Plan Check Alarms'),
    lambda('ACT', 'Act Begin'),
    ...steps.act.map((s) => step('ACT', s, 'Act Run Step')),
    { part: 'monitoring window', phase: 'MONITOR', seconds: profile.monitoring.windowSeconds, source: 'profile:monitoring.windowSeconds' },
    lambda('MONITOR', 'Monitor Close Window'),
    lambda('TEST', 'Test Smoke'),
    lambda('TEST', 'Test Performance'),
    lambda('ROLLBACK', 'Rollback Begin'),
    ...steps.rollback.map((s) => step('ROLLBACK', s, 'Rollback Run Step')),
    lambda('ROLLBACK', 'Report Rollback'),
  ];
  const untilActSeconds = Math.max(waitSeconds, sum(beforeWindow));
  const fromWindowSeconds = sum(fromWindow);
  return {
    parts: [...beforeWindow, wait, ...fromWindow],
    untilActSeconds,
    fromWindowSeconds,
    totalSeconds: untilActSeconds + fromWindowSeconds,
    notes: [
      'pre-flight and the approvals run while the run waits for the change window: until ACT is the longer of the two, not their sum',
      'from the window on, the longest path runs every ACT step to its timeout, the whole monitoring window and TEST, then rolls back',
      `one attempt; a rolled-back change may try again up to maxAttempts ${profile.maxAttempts}, each a new run needing fresh approvals`,
      'Lambda service retries (a few seconds each) are not counted',
    ],
  };
}

/**
 * What submitting the change would do, without writing or starting anything. Refuses exactly as the submission does
 * (checkSubmission: one ValidationError naming every field); a freeze the submission would refuse is reported as
 * `refusal` so the plan can still be read.
 */
/**
 * What the store says now about this id and the environment (reads only): the same id with the same body is a
 * duplicate (a submission returns it), with another body a 409; an environment held by another change is a 409.
 */
async function storeRefusal(store: DryRunStore, request: ChangeRequest, profile: EnvironmentProfile): Promise<{ refusal?: string; duplicateOf?: { status: string } }> {
  const id = request.change_request.id;
  const existing = await store.getChange(id);
  if (existing) {
    return existing.bodyHash === bodyHash(request, profile.name)
      ? { duplicateOf: { status: existing.status } }
      : { refusal: `change ${id} already exists with a different body` };
  }
  // Who holds the lock, read as the statuses that keep it (every non-final one, and MANUAL_INTERVENTION).
  const holder = (await store.listChanges({ environment: profile.name }))
    .find((c) => c.id !== id && (!(FINAL_STATUSES as readonly string[]).includes(c.status) || c.status === 'MANUAL_INTERVENTION'));
  return holder ? { refusal: heldBy(profile.name, holder.id, holder) } : {};
}

export type DryRunStore = Pick<ChangeStore, 'getChange' | 'listChanges'>;

export async function dryRun(deps: { hosts: StepValidator; clock: Clock; store?: DryRunStore }, input: { request: ChangeRequest; profile: EnvironmentProfile }): Promise<DryRunPlan> {
  const { request, profile } = input;
  const now = deps.clock.now();
  await checkSubmission(deps.hosts, request, profile, now);
  const stored = deps.store ? await storeRefusal(deps.store, request, profile) : {};
  const freeze = freezeCheck(request, profile, now);
  const frozen = freeze.frozen;
  const refusal = stored.refusal ?? freeze.refusal;
  const risk = assessRisk(request);
  const requiredApprovals = approvalsFor(risk, frozen);
  const window = changeWindow(request, now);
  const overrides = request.deployment?.step_parameters ?? {};
  const preflightSteps = [systemHealthStep(profile), dependenciesStep(profile), backupStep(profile)].filter((s): s is CommandStep => s !== undefined);
  const steps: DryRunPlan['steps'] = {
    preflight: await Promise.all(preflightSteps.map((s) => planStep(deps.hosts, profile, s, preflightState(s.name)))),
    act: await Promise.all(profile.act.steps.map((s) => planStep(deps.hosts, profile, { ...s, parameters: { ...s.parameters, ...(overrides[s.name] ?? {}) } }, 'Act Run Step'))),
    rollback: await Promise.all(profile.rollback.steps.map((s) => planStep(deps.hosts, profile, s, 'Rollback Run Step'))),
  };
  const waitSeconds = Math.max(0, Math.ceil((Date.parse(request.timeline.planned_start) - now.getTime()) / 1000));
  const check = (c: EnvironmentProfile['tests']['smoke'][number]) => ({ name: c.name, method: c.method, path: c.path, expectedStatus: c.expectedStatus, suite: c.suite });
  return {
    dryRun: true,
    wrote: 'nothing',
    changeId: request.change_request.id,
    title: request.change_request.title,
    type: request.change_request.type,
    environment: profile.name,
    risk,
    requiredApprovals,
    approvers: Object.fromEntries(requiredApprovals.map((r) => [r, [...(profile.approvers[r] ?? [])]])),
    window: { plannedStart: request.timeline.planned_start, start: window.start.toISOString(), end: window.end.toISOString(), waitSeconds, estimatedDuration: request.timeline.estimated_duration },
    freezes: frozen,
    ...(refusal ? { refusal } : {}),
    ...(stored.duplicateOf ? { duplicateOf: stored.duplicateOf } : {}),
    ...describeTargets(profile),
    steps,
    healthCheck: profile.healthCheck,
    rollbackAlarms: alarms(profile),
    monitoringWindowSeconds: profile.monitoring.windowSeconds,
    tests: { baseUrl: profile.tests.baseUrl, smoke: profile.tests.smoke.map(check), regression: profile.tests.regression.map(check), performance: profile.tests.performance },
    longest: longest(profile, steps, waitSeconds),
  };
}
