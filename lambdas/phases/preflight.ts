// PRE-FLIGHT: system health, dependencies and backup, each a host command from the project's
// documents; a failed check stops the change before anything is touched.
import { MIN_AGENT_VERSION, agentProblems } from '../core/agent-version';
import { PreflightCheckFailed } from '../core/errors';
import type { ChangeEvent, ChangeRecord, CommandRecord } from '../core/records';
import type { CommandStep, EnvironmentProfile, PreflightSeverity } from '../core/schemas';
import type { Deps } from '../ports';
import { loadChange, recordEvent, sendCommandForTask, transition } from './common';
import { testCredentialNames } from './test-phase';

/** What the state machine needs from the profile and the request for this attempt. */
export interface RunSettings {
  environment: string;
  /** RFC 3339 UTC: the Wait state's TimestampPath. */
  plannedStart: string;
  monitorWindowSeconds: number;
}

export function runSettings(change: ChangeRecord): RunSettings {
  const { profile, request } = change;
  return {
    environment: change.environment,
    plannedStart: new Date(request.timeline.planned_start).toISOString(),
    monitorWindowSeconds: profile.monitoring.windowSeconds,
  };
}

export async function startAttempt(deps: Deps, changeId: string, attempt: number): Promise<RunSettings> {
  const change = await transition(deps, changeId, {
    status: 'PREFLIGHT', phase: 'PREFLIGHT', type: 'attempt.started',
    message: `attempt ${attempt} started: pre-flight checks`,
    patch: { attempt },
  });
  return runSettings(change);
}

export function systemHealthStep(p: EnvironmentProfile): CommandStep {
  return {
    name: 'preflight-system-health', document: 'runbook-SystemHealth', timeoutSeconds: 300,
    parameters: {
      ServiceManager: p.serviceManager,
      Services: p.services.join(','),
      MaxCpuPercent: String(Math.round(p.thresholds.cpuPercent)),
      MaxMemoryPercent: String(Math.round(p.thresholds.memoryPercent)),
      MaxDiskPercent: String(Math.round(p.thresholds.diskPercent)),
      ServiceSeverity: p.preflightSeverity.services,
      ResourceSeverity: p.preflightSeverity.resources,
    },
  };
}

const DEPENDENCY_CHECK: Record<EnvironmentProfile['dependencies'][number]['kind'], keyof PreflightSeverity> = {
  postgres: 'database', redis: 'cache', http: 'externalApis', tcp: 'connectivity',
};

/**
 * Every endpoint with the severity of its check: the profile's endpoints are connectivity; a dependency takes its
 * kind's (database, cache, external API, connectivity), or warning when it is not required. An endpoint listed
 * twice is fatal if either listing is.
 */
export function endpointSeverities(p: EnvironmentProfile): { fatal: string[]; warning: string[] } {
  const severity = new Map<string, 'fatal' | 'warning'>();
  const add = (url: string, s: 'fatal' | 'warning'): void => { if (severity.get(url) !== 'fatal') severity.set(url, s); };
  for (const url of p.endpoints) add(url, p.preflightSeverity.connectivity);
  for (const d of p.dependencies) add(d.url, d.required ? p.preflightSeverity[DEPENDENCY_CHECK[d.kind]] : 'warning');
  const of = (s: 'fatal' | 'warning'): string[] => [...severity].filter(([, v]) => v === s).map(([url]) => url);
  return { fatal: of('fatal'), warning: of('warning') };
}

export function dependenciesStep(p: EnvironmentProfile): CommandStep | undefined {
  const { fatal, warning } = endpointSeverities(p);
  if (fatal.length + warning.length === 0) return undefined;
  return {
    name: 'preflight-dependencies', document: 'runbook-Dependencies', timeoutSeconds: 300,
    parameters: { Endpoints: fatal.join(','), ...(warning.length > 0 ? { WarnEndpoints: warning.join(',') } : {}) },
  };
}

export function backupStep(p: EnvironmentProfile): CommandStep {
  const b = p.backup;
  return {
    name: 'preflight-backup', document: 'runbook-Backup', timeoutSeconds: 3000,
    parameters: {
      BackupRoot: b.directory,
      DatabaseUrl: b.database ?? '',
      ConfigFiles: b.configFiles.join(','),
      Environment: p.name,
      BackupType: 'pre-flight',
      ServiceManager: p.serviceManager,
      Services: p.services.join(','),
      StateSnapshot: String(b.stateSnapshot),
    },
  };
}

export async function runPreflightCheck(deps: Deps, input: { changeId: string; attempt: number; taskToken: string; check: 'system-health' | 'dependencies' | 'backup' }): Promise<{ commandId?: string; skipped?: boolean }> {
  const change = await loadChange(deps, input.changeId);
  if (input.check === 'dependencies') {
    // TEST's login credentials too: a change must not be deployed only to fail its tests for want of a password.
    const missing = await deps.parameters.missing([...new Set([...change.profile.requiredParameters, ...testCredentialNames(change.profile)])]);
    if (missing.length > 0) {
      const severity = change.profile.preflightSeverity.parameters;
      await recordEvent(deps, change, {
        type: 'preflight.parameters-missing', phase: 'PREFLIGHT',
        message: `required parameters not set: ${missing.join(', ')}${severity === 'warning' ? ' (a warning: profile preflightSeverity.parameters)' : ''}`,
        data: { missing, severity },
      }, input.attempt);
      if (severity === 'fatal') throw new PreflightCheckFailed(`required parameters not set: ${missing.join(', ')}`);
    }
  }
  if (input.check === 'system-health') await checkAgents(deps, change);
  const p = change.profile;
  const step = input.check === 'system-health' ? systemHealthStep(p) : input.check === 'backup' ? backupStep(p) : dependenciesStep(p);
  if (!step) {
    await recordEvent(deps, change, { type: 'preflight.skipped', phase: 'PREFLIGHT', message: `${input.check}: nothing to check in this profile` });
    await deps.callbacks.sendTaskSuccess(input.taskToken, { skipped: true, check: input.check });
    return { skipped: true };
  }
  return sendCommandForTask(deps, { changeId: change.id, attempt: input.attempt, taskToken: input.taskToken, phase: 'PREFLIGHT', step, slot: input.check });
}

/**
 * Every target's SSM Agent must pass document parameters as environment variables (core/agent-version.ts); an older
 * agent would run the scripts with empty parameters, so the change stops here. Recorded either way, and as not
 * applicable on the embedded engine.
 */
async function checkAgents(deps: Deps, change: ChangeRecord): Promise<void> {
  const inventory = await deps.hosts.agents(change.profile.targets);
  if (!inventory.applicable) {
    await recordEvent(deps, change, { type: 'preflight.agents', phase: 'PREFLIGHT', message: `SSM Agent version check ${inventory.reason}`, data: { applicable: false } });
    return;
  }
  const problems = agentProblems(inventory);
  if (problems.length > 0) {
    const listed = listBounded(problems);
    await recordEvent(deps, change, { type: 'preflight.agents-outdated', phase: 'PREFLIGHT', message: `SSM Agent check failed: ${listed}`, data: { problems: problems.slice(0, AGENT_RECORD_LIMIT), problemCount: problems.length, minimum: MIN_AGENT_VERSION } });
    throw new PreflightCheckFailed(`SSM Agent check failed (${MIN_AGENT_VERSION} or later required for ENV_VAR parameters): ${listed}`);
  }
  const versions: Record<string, number> = {};
  for (const { agentVersion = 'unknown' } of inventory.instances) versions[agentVersion] = (versions[agentVersion] ?? 0) + 1;
  await recordEvent(deps, change, {
    type: 'preflight.agents', phase: 'PREFLIGHT', message: `SSM Agent ${MIN_AGENT_VERSION} or later on all ${inventory.instances.length} target instance(s)`,
    data: {
      applicable: true, instanceCount: inventory.instances.length, versions,
      instances: inventory.instances.slice(0, AGENT_RECORD_LIMIT).map((i) => ({ instanceId: i.instanceId, agentVersion: i.agentVersion })),
    },
  });
}

/**
 * How many instances (or problems) an agent-check event and its message name: the event is one store item and the
 * reason travels in the state payload, so at fleet scale they carry the count, the versions seen and the first ones.
 */
export const AGENT_RECORD_LIMIT = 50;

function listBounded(items: string[]): string {
  const shown = items.slice(0, AGENT_RECORD_LIMIT).join('; ');
  return items.length > AGENT_RECORD_LIMIT ? `${shown}; and ${items.length - AGENT_RECORD_LIMIT} more (${items.length} in all)` : shown;
}

/**
 * The system-health check again, right before ACT, when the change waited long after PRE-FLIGHT (approvals, the
 * change window): a host that degraded meanwhile stops the change as a failed pre-flight, before anything is touched.
 * Its own slot and step name, so it never passes for the first check's command.
 */
export async function recheckSystemHealth(deps: Deps, input: { changeId: string; attempt: number; taskToken: string }): Promise<{ commandId: string }> {
  const change = await loadChange(deps, input.changeId);
  await recordEvent(deps, change, { type: 'plan.health-recheck', phase: 'PLAN', message: 'system health checked again before ACT: the pre-flight result is older than the profile allows (preflightRecheckAfterMinutes)' }, input.attempt);
  const step = { ...systemHealthStep(change.profile), name: 'preflight-system-health-recheck' };
  return sendCommandForTask(deps, { changeId: change.id, attempt: input.attempt, taskToken: input.taskToken, phase: 'PLAN', step, slot: 'system-health-recheck' });
}

/**
 * The pre-flight findings that were warnings, not failures (profile preflightSeverity: the seed warns on high resource
 * usage and an external API that does not answer): the system-health and dependencies results' `warnings`, and
 * required parameters not set when those only warn. Each is a MEDIUM issue of the report.
 */
export function preflightWarnings(events: ChangeEvent[], commands: CommandRecord[]): string[] {
  const out: string[] = [];
  for (const c of commands.filter((x) => x.phase === 'PREFLIGHT' || x.phase === 'PLAN')) {
    const warnings = Array.isArray(c.result?.warnings) ? (c.result.warnings as unknown[]).map(String) : [];
    if (c.document === 'runbook-SystemHealth') out.push(...warnings.map((w) => `pre-flight warning (${c.stepName}): ${w}`));
    if (c.document === 'runbook-Dependencies') {
      const checks = (c.result?.checks ?? {}) as Record<string, string>;
      out.push(...warnings.map((url) => `pre-flight warning (${c.stepName}): ${url} UNREACHABLE${checks[url] ? ` (${checks[url]} check)` : ''}`));
    }
  }
  for (const e of events.filter((ev) => ev.type === 'preflight.parameters-missing' && ev.data?.severity === 'warning')) out.push(`pre-flight warning: ${e.message}`);
  return out;
}

export async function preflightPassed(deps: Deps, changeId: string, attempt: number, results: unknown): Promise<void> {
  const change = await loadChange(deps, changeId);
  const warnings = preflightWarnings(await deps.store.listEvents(changeId).then((es) => es.filter((e) => e.attempt === attempt)), await deps.store.listCommands(changeId, attempt));
  await recordEvent(deps, change, {
    type: 'preflight.passed', phase: 'PREFLIGHT',
    message: `pre-flight checks passed: system health, dependencies, backup${warnings.length > 0 ? ` — ${warnings.length} warning${warnings.length === 1 ? '' : 's'}: ${warnings.join('; ')}` : ''}`,
    data: { results, ...(warnings.length > 0 ? { warnings } : {}) },
  }, attempt);
}
