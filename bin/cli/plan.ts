// `runbook plan FILE`: the dry run of a change request — what submitting it would do (risk, approvals, window and
// freezes, every step with its resolved parameters, targets, rate control and timeouts, the rollback alarms, the tests,
// the longest time it can take), with the submission's own checks and nothing written or started. Against a profile
// file offline (--profile, or the local demo profile when no server runs), or the running server's profile
// (`POST /changes?dryRun=true`, also with --endpoint).
import { existsSync, readFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { formatDuration } from '../../lambdas/core/duration';
import { ChangeRequestSchema, EnvironmentProfileSchema, parseDocumentText, validateWithWarnings } from '../../lambdas/core/schemas';
import { documentsDirValidator } from '../../lambdas/adapters/documents-dir';
import { DOCUMENTS_DIR } from '../../lambdas/embedded/runtime';
import { dryRun, type DryRunPlan, type PlannedStep } from '../../lambdas/phases/dry-run';
import { CliError, connect, expectOk, EXIT, SERVE_FILE, type ConnectOptions } from './client';
import type { ClientFlags, Io } from './commands';
import { DEMO_PROFILE_PATH } from './embedded';
import { SAMPLE_PORT } from './validate';

export interface PlanFlags extends ClientFlags {
  profile?: string;
}

type Warning = { path: string; message: string };
interface Planned { plan: DryRunPlan; warnings: Warning[]; against: string }

function readText(file: string, what: string): string {
  try {
    return readFileSync(resolve(file), 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${what} ${file}: ${(err as Error).message}`, EXIT.USAGE);
  }
}

/** Offline: the profile file (its `{{port}}` placeholders filled as `runbook validate` does) and the project's documents. */
async function planOffline(body: string, file: string, profileFile: string, why: string): Promise<Planned> {
  const profileText = readText(profileFile, 'the profile').split('{{port}}').join(String(SAMPLE_PORT));
  const { value: profile } = validateWithWarnings(EnvironmentProfileSchema, parseDocumentText(profileText, profileFile), 'profile');
  const { value: request, warnings } = validateWithWarnings(ChangeRequestSchema, parseDocumentText(body, file), 'change request');
  const plan = await dryRun({ hosts: documentsDirValidator(DOCUMENTS_DIR), clock: { now: () => new Date() } }, { request, profile });
  return { plan, warnings, against: `the profile ${profile.name} (${profileFile}${profileText.includes(String(SAMPLE_PORT)) ? `; {{port}} filled with ${SAMPLE_PORT}` : ''}), ${why}` };
}

const CONTENT_TYPES: Record<string, string> = { '.json': 'application/json', '.yml': 'application/yaml', '.yaml': 'application/yaml' };

async function planOnServer(body: string, file: string, flags: PlanFlags): Promise<Planned> {
  const options: ConnectOptions = { home: flags.home };
  if (flags.endpoint) options.endpoint = flags.endpoint;
  if (flags.region) options.region = flags.region;
  if (flags.token) options.token = flags.token;
  const api = await connect(options);
  const contentType = CONTENT_TYPES[extname(file).toLowerCase()];
  const res = expectOk(await api.request('POST', '/changes', { body, query: { dryRun: 'true' }, ...(contentType ? { contentType } : {}) }), api.target, api.unauthorizedHint);
  const { warnings, ...plan } = res.json<DryRunPlan & { warnings?: Warning[] }>();
  return { plan: plan as DryRunPlan, warnings: warnings ?? [], against: `the profile served by ${api.target}` };
}

const secs = (s: number): string => `${formatDuration(s * 1000)} (${s} s)`;

function stepLines(title: string, steps: PlannedStep[]): string[] {
  const lines = [`${title}:`];
  steps.forEach((s, i) => {
    lines.push(`  ${i + 1}. ${s.name}  ${s.document}  timeout ${s.timeoutSeconds} s (longest ${s.longestSeconds} s)`);
    const params = Object.entries(s.parameters).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
    if (params) lines.push(`       ${params}`);
  });
  return lines;
}

/** The plan as an operator reads it. */
export function formatPlan(p: DryRunPlan, against: string): string[] {
  const lines = [
    `DRY RUN ${p.changeId} "${p.title}" (${p.type}) on ${p.environment}: nothing written, nothing started`,
    `  checked against ${against}`,
    `Risk: ${p.risk.level} (score ${p.risk.score})${p.risk.items.map((r) => `\n  ${r.id} ${r.description}: ${r.probability} × ${r.impact} = ${r.score} ${r.level}`).join('')}`,
    `Approvals required: ${p.requiredApprovals.map((r) => `${r} (${p.approvers[r]?.length ? p.approvers[r]?.join(', ') : 'nobody listed in the profile: it cannot be approved'})`).join('; ')}`,
    `Change window: ${p.window.start} – ${p.window.end} (planned_start ${p.window.plannedStart}, ${p.window.estimatedDuration}); ${p.window.waitSeconds > 0 ? `the run waits ${secs(p.window.waitSeconds)} for it` : 'already open: ACT follows the approvals'}`,
    p.freezes.length ? `Freezes met: ${p.freezes.map((f) => `"${f.name}" ${f.start} – ${f.end} (${f.reason})`).join('; ')}` : 'Freezes met: none',
    ...(p.refusal ? [`REFUSED: submitting it now would be refused: ${p.refusal}`] : []),
    ...(p.duplicateOf ? [`Already submitted with this body: it is ${p.duplicateOf.status}; submitting it again returns that change`] : []),
    `Targets: ${p.targets}`,
    `Rate control: ${p.rateControl}`,
    ...stepLines('PRE-FLIGHT', p.steps.preflight),
    ...stepLines('ACT', p.steps.act),
    ...stepLines('ROLLBACK', p.steps.rollback),
    `Health check: ${p.healthCheck.urls.join(', ')} — ${p.healthCheck.attempts} attempts, ${p.healthCheck.intervalSeconds} s apart`,
    `Monitoring window: ${secs(p.monitoringWindowSeconds)}; rollback alarms:`,
    ...p.rollbackAlarms.map((a) => `  ${a.name}: ${a.metric} > ${a.unit === 'fraction' ? `${Number((a.threshold * 100).toPrecision(6))} %` : `${a.threshold} ms`} (${a.basedOn}); period ${a.periodSeconds} s, ${a.datapointsToAlarm} of ${a.evaluationPeriods} periods, missing data ${a.missingData}, from ${a.source}`),
    `Tests against ${p.tests.baseUrl}:`,
    ...p.tests.smoke.map((t) => `  smoke ${t.suite}: ${t.name} — ${t.method} ${t.path} → ${t.expectedStatus}`),
    ...(p.tests.regression.length ? p.tests.regression.map((t) => `  regression: ${t.name} — ${t.method} ${t.path} → ${t.expectedStatus}`) : ['  regression: none declared']),
    `  performance: ${p.tests.performance.virtualUsers} virtual users for ${p.tests.performance.durationSeconds} s over ${p.tests.performance.paths.join(', ')}; p95 ≤ ${p.tests.performance.p95Ms} ms, errors ≤ ${Number((p.tests.performance.errorRate * 100).toPrecision(6))} %`,
    `Longest time: ${secs(p.longest.totalSeconds)} = until ACT ${secs(p.longest.untilActSeconds)} + from the window ${secs(p.longest.fromWindowSeconds)}`,
    ...p.longest.parts.map((x) => `  ${x.phase.padEnd(10)} ${String(x.seconds).padStart(7)} s  ${x.part}  [${x.source}]`),
    ...p.longest.notes.map((n) => `  note: ${n}`),
  ];
  return lines;
}

/** 0: the change would be accepted; 1: it would be refused (a freeze); 2: invalid (the fields are named, as submit names them). */
export async function planCommand(file: string, flags: PlanFlags, io: Io): Promise<number> {
  const body = readText(file, 'the change request');
  const serverRuns = existsSync(join(resolve(flags.home), SERVE_FILE));
  let planned: Planned;
  if (flags.profile) planned = await planOffline(body, file, flags.profile, 'offline');
  else if (flags.endpoint || serverRuns) planned = await planOnServer(body, file, flags);
  else planned = await planOffline(body, file, DEMO_PROFILE_PATH, `offline (no server in ${resolve(flags.home)}; pass --profile FILE for another)`);
  const code = planned.plan.refusal ? EXIT.REFUSED : EXIT.OK;
  if (flags.json) {
    io.out(JSON.stringify({ ...planned.plan, against: planned.against, warnings: planned.warnings }, null, 2));
    return code;
  }
  for (const line of formatPlan(planned.plan, planned.against)) io.out(line);
  for (const w of planned.warnings) io.err(`warning: ${w.path}: ${w.message}`);
  return code;
}
