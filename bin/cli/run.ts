// `runbook run` (behind `npm start`): lays out the local demo host, starts the demo service on a free
// 127.0.0.1 port through the project's own documents, submits the example change, approves it through the
// same code path an approver uses, follows the execution phase by phase, and checks the outcome for real.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { ConflictError, ValidationError } from '../../lambdas/core/errors';
import type { AlarmStateChangeEvent } from '../../lambdas/core/events';
import { FINAL_STATUSES, type ApprovalRole, type ChangeRecord, type ChangeStatus } from '../../lambdas/core/records';
import { detectionOf, type Detection } from '../../lambdas/core/detection';
import { reportToMarkdown, type DeploymentReport } from '../../lambdas/core/report';
import { parseDocumentText, validate, ChangeRequestSchema, type ChangeRequest, type EnvironmentProfile } from '../../lambdas/core/schemas';
import type { HistoryEvent } from '../../lambdas/embedded/engine';
import { claimHome, HomeInUseError, type HomeLock } from '../../lambdas/embedded/home-lock';
import { startLocalRuntime, type LocalRuntime } from '../../lambdas/embedded/runtime';
import { recordApproval } from '../../lambdas/phases/approvals';
import { interruptChange } from '../../lambdas/phases/common';
import { recoverInterrupted, RECOVERY_HEADING } from '../../lambdas/phases/resume';
import { submitChange } from '../../lambdas/phases/submit';
import type { Logger } from '../../lambdas/ports';
import { bindProfile, DEMO_PROFILE_PATH, DemoEnvironment, DemoServiceError, EXAMPLES, PREVIOUS_RELEASE, supersedeUntouched, touchedTheHost, unfinishedChanges } from './embedded';

export const SCENARIOS = ['happy', 'bad-release', 'error-release', 'no-metrics'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export const EXIT = { OK: 0, UNEXPECTED_OUTCOME: 1, USAGE: 2, ENVIRONMENT: 3, INTERRUPTED: 130 } as const;

const NEW_RELEASE = 'v2.4.0';
const BAD_RELEASE = 'v2.4.0-bad';
const ERROR_RELEASE = 'v2.4.0-errors';

interface Expectation {
  /** The release the change deploys. */
  deploys: string;
  status: ChangeStatus;
  /** The release the service reports at the end. */
  release: string;
  rollbackExecuted: boolean;
  /** The rollback must start from one of these alarms (how fast is printed and measured, not part of the exit code). */
  alarms?: RegExp;
  /** The attempt must have stopped before ACT: no ACT step sent, and the reason must match. */
  stoppedBeforeAct?: RegExp;
}
const EXPECTED: Record<Scenario, Expectation> = {
  'happy': { deploys: NEW_RELEASE, status: 'COMPLETED', release: NEW_RELEASE, rollbackExecuted: false },
  'bad-release': { deploys: BAD_RELEASE, status: 'ROLLED_BACK', release: PREVIOUS_RELEASE, rollbackExecuted: true, alarms: /-(p95-latency|error-rate)$/ },
  'error-release': { deploys: ERROR_RELEASE, status: 'ROLLED_BACK', release: PREVIOUS_RELEASE, rollbackExecuted: true, alarms: /-error-rate$/ },
  'no-metrics': { deploys: NEW_RELEASE, status: 'BLOCKED', release: PREVIOUS_RELEASE, rollbackExecuted: false, stoppedBeforeAct: /^AlarmNoData: / },
};

/** The target for a rollback scenario: the rollback starts within this many seconds of the release going live. */
export const DETECTION_TARGET_SECONDS = 5;

export interface RunResult {
  exitCode: number;
  scenario: Scenario;
  changeId?: string;
  status?: ChangeStatus;
  releaseAfter?: string;
  reportPath?: string;
  markdownPath?: string;
  qcSummary?: string;
  /** Rollback scenarios: from the release going live to the alarm and to the rollback starting. */
  detection?: Detection;
  problems: string[];
}

export interface RunOptions {
  scenario: Scenario;
  home: string;
  json?: boolean;
  write?: (line: string) => void;
  /** Identity of the operator running the demo (default: the OS user). */
  operator?: string;
}

const PHASE_OF: [RegExp, string][] = [
  [/^(Start Attempt|PreFlight)/, 'PRE-FLIGHT'], [/^(Plan |Resume )/, 'PLAN'], [/^(Act |Monitor )/, 'ACT'], [/^Test /, 'TEST'],
  [/^Rollback |^Report Rollback|^Attempts Left|^Rolled Back/, 'ROLLBACK'], [/^Report |^Change |^How Plan|Failed$|Rejected$|Cancelled$|Alarm$|Required$|Exhausted$/, 'REPORT'],
];
const phaseOf = (state: string): string => PHASE_OF.find(([re]) => re.test(state))?.[1] ?? 'REPORT';

/** The demo profile with its `{{port}}` placeholders filled, validated. */
export function loadDemoProfile(port: number): EnvironmentProfile {
  return bindProfile(readFileSync(DEMO_PROFILE_PATH, 'utf8'), port, 'local-demo profile');
}

/** The example change with the next free id of this year, deploying the scenario's release. */
export function demoChangeRequest(id: string, scenario: Scenario): ChangeRequest {
  const raw = parseDocumentText(readFileSync(join(EXAMPLES, 'CR-2026-101.change.yml'), 'utf8'), 'example change') as Record<string, Record<string, unknown>>;
  const release = EXPECTED[scenario].deploys;
  raw.change_request = { ...raw.change_request, id };
  raw.deployment = { release, step_parameters: { deploy: { Release: release } } };
  return validate(ChangeRequestSchema, raw, 'example change');
}

export function nextChangeId(existing: string[], year: number): string {
  const prefix = `CR-${year}-`;
  const used = existing.filter((id) => id.startsWith(prefix)).map((id) => Number(id.slice(prefix.length))).filter(Number.isFinite);
  return `${prefix}${String(Math.max(100, ...used) + 1).padStart(3, '0')}`;
}

/**
 * Runs the scenario. With `json`, stdout gets exactly one JSON object, the outcome, whatever happens (an error is its
 * `error` field); otherwise progress lines, and each error once.
 */
export async function runDemo(options: RunOptions): Promise<RunResult> {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  let error: string | undefined;
  const fail = (message: string): void => {
    if (options.json) error = error ? `${error}\n${message}` : message;
    else write(`runbook: ${message}`);
  };
  const result = await runScenario({ ...options, write }, fail);
  const final = error ? { ...result, error } : result;
  if (options.json) write(JSON.stringify(final));
  return final;
}

async function runScenario(options: RunOptions & { write: (line: string) => void }, fail: (message: string) => void): Promise<RunResult> {
  const { write } = options;
  const say = options.json ? () => undefined : write;
  const home = resolve(options.home);
  const operator = options.operator ?? userInfo().username;
  const expected = EXPECTED[options.scenario];
  const result: RunResult = { exitCode: EXIT.ENVIRONMENT, scenario: options.scenario, problems: [] };
  const log: Logger = {
    info: () => undefined,
    warn: (m) => say(`  ! ${m}`),
    error: (m, d) => say(`  ✖ ${m}${d ? ` ${JSON.stringify(d)}` : ''}`),
  };

  // The home first: a second run must not lay out the host or stop the service a running one is using.
  let lock: HomeLock;
  try {
    lock = claimHome(home, `runbook run --scenario ${options.scenario}`);
  } catch (err) {
    if (!(err instanceof HomeInUseError)) throw err;
    fail(err.message);
    return result;
  }
  let demo: DemoEnvironment;
  try {
    // A change an earlier run left half-done after ACT began is rolled back on the host it changed: keep that host.
    const adopt = (await unfinishedChanges(home)).some(touchedTheHost);
    demo = await DemoEnvironment.prepare({ home, log, adopt });
  } catch (err) {
    lock.release();
    fail((err as Error).message);
    return { ...result, exitCode: EXIT.USAGE };
  }
  const { host, hostRoot, profile } = demo;

  let runtime: LocalRuntime | undefined;
  let currentExecution: string | undefined;
  let changeId: string | undefined;
  let interrupted = false;
  const onSignal = (): void => {
    interrupted = true;
    say('\n  ✖ interrupted: stopping the execution');
    if (runtime && currentExecution) runtime.engine.abort(currentExecution);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    say(`Runbook Control Plane — embedded engine, scenario "${options.scenario}"`);
    say(`  demo service estimator-service on ${host.baseUrl} (host files under ${hostRoot})`);
    try {
      if ((await demo.start()) === 'adopted') say(`  demo service adopted: pid ${demo.runningPid()} was left running by an earlier run`);
    } catch (err) {
      if (!(err instanceof DemoServiceError)) throw err;
      fail(err.message);
      return result;
    }
    say(`  demo service running release ${(await demo.release()) ?? '(not answering)'}`);

    let lastPhase = '';
    const enteredAt = new Map<string, number>();
    const failedKeys = new Set<string>();
    const onHistoryEvent = (_execution: string, e: HistoryEvent): void => {
      if (!e.stateName || e.stateType === 'Map' || e.stateType === 'Parallel') return;
      const label = e.step ? `${e.stateName}: ${e.step}` : e.stateName;
      const key = `${e.stateName}#${e.index ?? ''}`;
      if (e.type === 'StateEntered') {
        const phase = phaseOf(e.stateName);
        // Choices route (How To Start): the phase is the one they lead to.
        if (phase !== lastPhase && e.stateType !== 'Choice') { say(`\n━━ ${phase} ━━`); lastPhase = phase; }
        enteredAt.set(key, e.timestamp);
        failedKeys.delete(key);
        if (e.stateType === 'Wait') say(`  … ${label}`);
      } else if (e.type === 'StateExited' && e.stateType !== 'Wait' && e.stateType !== 'Choice' && !failedKeys.has(key)) {
        say(`  ✔ ${label} (${((e.timestamp - (enteredAt.get(key) ?? e.timestamp)) / 1000).toFixed(1)}s)`);
      } else if (e.type === 'StateFailed') {
        failedKeys.add(key);
        say(`  ✖ ${label}: ${e.error ?? 'failed'}${e.cause ? ` — ${e.cause.split('\n')[0]?.slice(0, 160)}` : ''}`);
      }
    };

    try {
      runtime = await startLocalRuntime({
        home, profile, hostRoot, log,
        trafficBlocked: () => existsSync(host.maintenanceFlag),
        // no-metrics: nobody publishes the alarms' metrics (as on AWS when the target does not).
        probeSilent: options.scenario === 'no-metrics',
        engine: { onHistoryEvent },
      });
    } catch (err) {
      fail(`cannot open the local store under ${join(home, 'data')} (is another runbook process using it?): ${(err as Error).message}`);
      return result;
    }
    const rt = runtime;
    rt.bus.route('CloudWatch Alarm State Change', async (event) => {
      const d = (event as AlarmStateChangeEvent).detail;
      if (d.state.value === 'ALARM') say(`  🚨 ${d.alarmName} → ALARM: ${d.state.reason}`);
    });
    rt.probe.start();

    // What an earlier run left unfinished, before this one submits: a change interrupted after ACT began is rolled
    // back first (its rollback awaited), then anything untouched it left is superseded by this run's change.
    for (const r of await recoverInterrupted(rt.engine.deps, profile.name, { actor: operator, say, heading: RECOVERY_HEADING, only: ['rollback', 'hold'] })) {
      if (!r.executionName) continue;
      currentExecution = r.executionName;
      const ended = await rt.engine.wait(r.executionName);
      if (interrupted) {
        await interruptChange(rt.engine.deps, r.change.id, operator, 'the operator stopped the run (signal)').catch(() => undefined);
        return { ...result, exitCode: EXIT.INTERRUPTED };
      }
      const after = await rt.store.getChange(r.change.id);
      say(`  ${r.change.id}: ${after?.status ?? 'unknown'} (execution ${ended.name} ${ended.status}); service on release ${(await demo.release()) ?? '(not answering)'}\n`);
    }
    await supersedeUntouched(rt.engine.deps, profile.name, { actor: operator, say });

    changeId = nextChangeId((await rt.store.listChanges()).map((c) => c.id), new Date().getUTCFullYear());
    const request = demoChangeRequest(changeId, options.scenario);
    const submitted = await submitChange(rt.engine.deps, { request, profile, submittedBy: operator });
    currentExecution = submitted.executionName;
    result.changeId = changeId;
    say(`\n${changeId} "${request.change_request.title}" submitted by ${operator}: deploys ${request.deployment?.release}, risk ${submitted.change.risk.level}`);
    say(`  approvals required: ${submitted.change.requiredApprovals.join(', ')} (the document's own approval block is a claim, not an approval)`);

    // The demo's approvers act through the same function the approvals route calls, with their own identities.
    const approvals = (async () => {
      for (;;) {
        const c = await rt.store.getChange(changeId as string);
        if (!c || c.status === 'AWAITING_APPROVAL') break;
        if ((FINAL_STATUSES as readonly string[]).includes(c.status)) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      for (const role of submitted.change.requiredApprovals as ApprovalRole[]) {
        const approver = `demo-${role}-approver`;
        const r = await recordApproval(rt.engine.deps, { changeId: changeId as string, role, decision: 'approve', approver, approvers: profile.approvers, comment: 'approved in the local demo' });
        say(`  ✔ ${role} approval by ${approver}${r.state === 'approved' ? ' — all approvals in' : ` (missing: ${r.missing.join(', ')})`}`);
      }
    })();

    const outcome = await rt.engine.wait(submitted.executionName);
    await approvals;
    await rt.bus.drain();
    if (interrupted) {
      await interruptChange(rt.engine.deps, changeId, operator, 'the operator stopped the run (signal)').catch(() => undefined);
      return { ...result, exitCode: EXIT.INTERRUPTED };
    }

    const change = (await rt.store.getChange(changeId)) as ChangeRecord;
    const stored = await rt.store.getReport(changeId);
    const releaseAfter = await demo.release();
    mkdirSync(join(home, 'reports'), { recursive: true });
    const reportPath = join(home, 'reports', `${change.executionName}.json`);
    const markdownPath = reportPath.replace(/\.json$/, '.md');
    if (stored) {
      writeFileSync(reportPath, `${JSON.stringify({ changeId, attempt: stored.attempt, outcome: stored.outcome, report: stored.report, qcSummary: stored.qcSummary }, null, 2)}\n`);
      writeFileSync(markdownPath, reportToMarkdown(stored.report as DeploymentReport, stored.qcSummary));
    }
    // The engine wrote the execution history to executions/<name>.json when the run ended.

    const problems: string[] = [];
    if (change.status !== expected.status) problems.push(`status is ${change.status}, expected ${expected.status}${change.reason ? ` (${change.reason})` : ''}`);
    if (releaseAfter !== expected.release) problems.push(`the service reports release ${releaseAfter ?? 'nothing'}, expected ${expected.release}`);
    const rollbackExecuted = (stored?.report as DeploymentReport | undefined)?.rollback.executed ?? false;
    if (rollbackExecuted !== expected.rollbackExecuted) problems.push(`report says rollback executed = ${rollbackExecuted}, expected ${expected.rollbackExecuted}`);
    if (!stored) problems.push('no report was stored');
    const events = await rt.store.listEvents(changeId);
    const commands = await rt.store.listCommands(changeId, change.attempt);
    const detection = expected.rollbackExecuted ? detectionOf(events, commands, change.profile.act.steps.length, change.attempt) : undefined;
    if (expected.alarms) {
      if (!detection) problems.push('no alarm was recorded between the release going live and the rollback');
      else {
        if (!expected.alarms.test(detection.alarmName ?? '')) problems.push(`the rollback was started by ${detection.alarmName ?? 'no alarm'}, expected an alarm matching ${expected.alarms}`);
      }
    }
    if (expected.stoppedBeforeAct) {
      const acted = commands.filter((c) => c.phase === 'ACT');
      if (acted.length > 0) problems.push(`ACT steps were sent (${acted.map((c) => c.stepName).join(', ')}), expected nothing touched`);
      if (!expected.stoppedBeforeAct.test(change.reason ?? '')) problems.push(`the change ended for "${change.reason ?? 'no reason'}", expected ${expected.stoppedBeforeAct}`);
    }

    say(`\n${stored?.qcSummary ?? '(no QC summary)'}`);
    say(`\n${changeId}: ${change.status}${change.status === 'ROLLED_BACK' ? ' — back in PLAN; a new approval starts attempt ' + (change.attempt + 1) : ''}; execution ${outcome.name} ${outcome.status}${outcome.error ? ` (${outcome.error})` : ''}`);
    say(`  service now reports release ${releaseAfter ?? 'nothing'}`);
    if (detection) {
      say(`  detection: ${detection.seconds.toFixed(2)} s from the release going live (${detection.releaseLiveAt}) to the rollback starting (${detection.rollbackStartedAt}); ${detection.alarmName ?? 'the alarm'} fired at ${detection.alarmAt}${detection.seconds > DETECTION_TARGET_SECONDS ? ` — slower than the ${DETECTION_TARGET_SECONDS} s target` : ''}`);
    }
    say(`  report: ${reportPath}`);
    if (stored) say(`  report (Markdown): ${markdownPath}`);
    say(`  events: ${events.length} recorded; execution history: ${join(home, 'executions', `${outcome.name}.json`)}`);
    const final: RunResult = {
      exitCode: problems.length === 0 ? EXIT.OK : EXIT.UNEXPECTED_OUTCOME, scenario: options.scenario, changeId, status: change.status,
      ...(releaseAfter ? { releaseAfter } : {}), reportPath, ...(stored ? { markdownPath, qcSummary: stored.qcSummary } : {}),
      ...(detection ? { detection } : {}), problems,
    };
    if (problems.length > 0) say(`\n✖ scenario "${options.scenario}" did not end as expected: ${problems.join('; ')}`);
    else say(`\n✔ scenario "${options.scenario}" ended as expected`);
    return final;
  } catch (err) {
    if (err instanceof ValidationError) {
      fail(err.message);
      return { ...result, exitCode: EXIT.USAGE };
    }
    // The environment is held (by a change in MANUAL_INTERVENTION, a held interruption…): the message names the
    // change, its status and the command that frees it.
    if (err instanceof ConflictError) {
      fail(err.message);
      return { ...result, exitCode: EXIT.UNEXPECTED_OUTCOME };
    }
    fail((err as Error).stack ?? String(err));
    return result;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    if (runtime) await runtime.probe.stop();
    await demo.stop();
    if (runtime) await runtime.close();
    lock.release();
  }
}
