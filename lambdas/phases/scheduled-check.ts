// The scheduled check: the pre-flight checks alone (system health, dependencies, required parameters) on a
// schedule, outside any change. The result is kept with its history, published as a metric an alarm
// watches, and a failure is notified. The backup is left out: it belongs to a change, not to a health check.
import { randomUUID } from 'node:crypto';
import { freezesBetween } from '../core/freeze';
import { AFTER_ACT_BEGAN, checkChangeId, type CheckResult, type CheckSkipped } from '../core/records';
import type { CommandStep, EnvironmentProfile } from '../core/schemas';
import type { Deps, MetricsPublisher } from '../ports';
import { lastLineJson } from './events';
import { dependenciesStep, systemHealthStep } from './preflight';

export type CheckDeps = Pick<Deps, 'store' | 'hosts' | 'parameters' | 'notifier' | 'clock' | 'log'> & { metrics: MetricsPublisher };

export interface CheckOptions {
  /** How often the command's outcome is read while it runs. */
  pollIntervalMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** How far ahead the scheduled check reports change freezes. */
export const UPCOMING_FREEZE_DAYS = 7;

export const CHECK_FAILED_METRIC = 'ScheduledCheckFailed';
export const CHECK_DURATION_METRIC = 'ScheduledCheckDuration';

type Check = CheckResult['checks'][number];

async function runCommand(deps: CheckDeps, profile: EnvironmentProfile, step: CommandStep, options: Required<CheckOptions>): Promise<Check> {
  const changeId = checkChangeId(profile.name);
  const { commandId } = await deps.hosts.send({ changeId, attempt: 1, step, targets: profile.targets, comment: `scheduled check ${profile.name} ${step.name}` });
  // Recorded like a change's commands (without a token) so the command-status handler knows it and does not
  // ask for redelivery of its status events; it then keeps the command's output with the record.
  await deps.store.putCommand({
    commandId, changeId, attempt: 1, phase: 'PREFLIGHT', stepName: step.name, document: step.document,
    parameters: step.parameters, status: 'InProgress', requestedAt: deps.clock.now().toISOString(),
  });
  // The command's own executionTimeout bounds this wait; the status event is not needed by a check that waits anyway.
  const deadline = deps.clock.now().getTime() + (step.timeoutSeconds + 60) * 1000;
  for (;;) {
    const outcome = await deps.hosts.outcome(commandId);
    if (outcome.status !== 'InProgress') {
      const result = lastLineJson(outcome.stdout);
      const tail = (outcome.stderr.trim() || outcome.stdout.trim()).split('\n').slice(-2).join(' | ');
      return { name: step.name, status: outcome.status === 'Success' ? 'PASS' : 'FAIL', details: `${step.document} ${outcome.status}${outcome.status === 'Success' ? '' : `: ${tail}`}`, ...(result ? { result } : {}) };
    }
    if (deps.clock.now().getTime() > deadline) return { name: step.name, status: 'FAIL', details: `${step.document}: no result within ${step.timeoutSeconds + 60}s (command ${commandId})` };
    await options.sleep(options.pollIntervalMs);
  }
}

/**
 * The change working on the environment's hosts, if any: the lock holder (one key read) once ACT has begun and until
 * its report is written. Its own steps, health checks and monitoring window watch the hosts then; a check's commands
 * would compete with them and report a deployment in progress as an unhealthy environment.
 */
async function changeOnHosts(deps: CheckDeps, environment: string): Promise<{ id: string; status: CheckSkipped['changeStatus'] } | undefined> {
  const holder = await deps.store.lockHolder(environment);
  const change = holder === undefined ? undefined : await deps.store.getChange(holder);
  return change && AFTER_ACT_BEGAN.includes(change.status) ? { id: change.id, status: change.status } : undefined;
}

export async function runScheduledCheck(deps: CheckDeps, profile: EnvironmentProfile, options: CheckOptions = {}): Promise<CheckResult | CheckSkipped> {
  const busy = await changeOnHosts(deps, profile.name);
  if (busy) {
    const reason = `skipped: change ${busy.id} is ${busy.status} on ${profile.name} (between ACT and REPORT)`;
    deps.log.info('scheduled check skipped', { environment: profile.name, changeId: busy.id, status: busy.status });
    // Nothing is stored or published: the failed-check alarm treats a period without a datapoint as missing, not failed.
    return { environment: profile.name, at: deps.clock.now().toISOString(), skipped: true, changeId: busy.id, changeStatus: busy.status, reason };
  }
  const opts: Required<CheckOptions> = { pollIntervalMs: options.pollIntervalMs ?? 1000, sleep: options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))) };
  const started = deps.clock.now();
  const checks: Check[] = [];

  const missing = await deps.parameters.missing(profile.requiredParameters);
  checks.push({ name: 'required-parameters', status: missing.length === 0 ? 'PASS' : 'FAIL', details: missing.length === 0 ? `${profile.requiredParameters.length} set` : `not set: ${missing.join(', ')}` });

  const steps = [systemHealthStep(profile), dependenciesStep(profile)].filter((s): s is CommandStep => s !== undefined);
  for (const step of steps) {
    try {
      checks.push(await runCommand(deps, profile, step, opts));
    } catch (err) {
      // A check that cannot even be sent is a failed check, not a crashed scheduler.
      checks.push({ name: step.name, status: 'FAIL', details: `${step.document}: ${(err as Error).message}` });
    }
  }

  const ended = deps.clock.now();
  const upcomingFreezes = freezesBetween(profile.freezes, ended, new Date(ended.getTime() + UPCOMING_FREEZE_DAYS * 24 * 3600 * 1000));
  const result: CheckResult = {
    environment: profile.name, id: randomUUID(), at: ended.toISOString(),
    passed: checks.every((c) => c.status === 'PASS'), durationMs: ended.getTime() - started.getTime(), checks, upcomingFreezes,
  };
  await deps.store.putCheckResult(result);
  await deps.metrics.publish(CHECK_FAILED_METRIC, result.passed ? 0 : 1, 'Count', { Environment: profile.name });
  await deps.metrics.publish(CHECK_DURATION_METRIC, result.durationMs, 'Milliseconds', { Environment: profile.name });
  if (!result.passed) {
    await deps.notifier.notify({
      kind: 'ended', severity: 'warning', changeId: checkChangeId(profile.name),
      title: `Scheduled pre-flight check failed: ${profile.name}`,
      text: checks.filter((c) => c.status === 'FAIL').map((c) => `${c.name}: ${c.details}`).join('\n'),
    });
  }
  deps.log.info('scheduled check finished', { environment: profile.name, passed: result.passed, durationMs: result.durationMs });
  return result;
}
