// The post-deployment retrospective DRAFT (the seed's deployment-retrospective-template.yml shape), filled from what
// the attempt recorded: its stored report, its events and its approvals. Pure and deterministic. What only people
// can say (action owners, lessons) is left as clearly marked TODO placeholders.
import { Document } from 'yaml';
import { formatDuration, parseDuration } from './duration';
import { normalizeName } from './identity';
import type { Approval, ChangeEvent, ChangeRecord, StoredReport } from './records';
import type { DeploymentReport, ReportTest } from './report';

export const TODO = 'TODO';

export interface RetroInput {
  change: Pick<ChangeRecord, 'id' | 'request'>;
  stored: StoredReport;
  /** The change's events; only the report's attempt (and the submission) are read. */
  events: ChangeEvent[];
  /** The approvals of the report's attempt. */
  approvals: Approval[];
}

export interface ActionItem { id: string; description: string; assignee: string; due_date: string; priority: string }
export interface Comparison { planned: string; actual: string; variance: string }

export interface Retrospective {
  retrospective: { deployment_id: string; change_id: string; outcome: string; date: string; participants: string[] };
  what_went_well: string[];
  what_went_wrong: string[];
  action_items: ActionItem[];
  lessons_learned: string[];
  process_improvements: string[];
  metrics_analysis: {
    deployment_duration: Comparison;
    downtime: Comparison;
    test_coverage: { smoke_tests: string; regression_tests: string; performance_tests: string };
  };
  next_deployment_focus: string[];
}

/** "+25%", "-47%", "0%": the seed's variance notation, relative to the plan. */
export function variance(plannedMs: number, actualMs: number): string {
  if (!(plannedMs > 0)) return 'n/a';
  const pct = Math.round((100 * (actualMs - plannedMs)) / plannedMs);
  return `${pct > 0 ? '+' : ''}${pct}%`;
}

function coverage(tests: ReportTest[]): string {
  if (tests.length === 0) return 'not run';
  const passed = tests.filter((t) => t.status === 'PASS').length;
  return `${Math.round((100 * passed) / tests.length)}% (${passed}/${tests.length} passed)`;
}

const dataString = (e: ChangeEvent, key: string): string | undefined => (typeof e.data?.[key] === 'string' ? (e.data[key] as string) : undefined);

interface DowntimeMeasure { ms: number; blocks: number; stillBlocked: boolean }

/**
 * Traffic is down from each block-traffic command (TrafficControl, Mode maintenance) being sent until the next
 * restore-traffic command (Mode production) finished successfully; a block never restored counts until the end.
 */
export function measureDowntime(events: ChangeEvent[], endIso: string): DowntimeMeasure | undefined {
  const mode = new Map<string, string>();
  let openedAt: number | undefined;
  let ms = 0;
  let blocks = 0;
  for (const e of events) {
    const commandId = dataString(e, 'commandId');
    if (e.type === 'command.sent' && commandId && dataString(e, 'document') === 'runbook-TrafficControl') {
      const m = (e.data?.parameters as Record<string, string> | undefined)?.Mode ?? '';
      mode.set(commandId, m);
      if (m === 'maintenance' && openedAt === undefined) {
        openedAt = Date.parse(e.at);
        blocks += 1;
      }
    } else if (e.type === 'command.finished' && commandId && mode.get(commandId) === 'production' && dataString(e, 'status') === 'Success' && openedAt !== undefined) {
      ms += Date.parse(e.at) - openedAt;
      openedAt = undefined;
    }
  }
  if (blocks === 0) return undefined;
  const stillBlocked = openedAt !== undefined;
  if (openedAt !== undefined) ms += Date.parse(endIso) - openedAt;
  return { ms: Math.max(0, ms), blocks, stillBlocked };
}

function participants(input: RetroInput, report: DeploymentReport, events: ChangeEvent[]): string[] {
  const people = new Map<string, { name: string; roles: string[] }>();
  const add = (name: string | undefined, role: string): void => {
    if (!name || !name.trim()) return;
    const key = normalizeName(name);
    const entry = people.get(key) ?? { name: name.trim(), roles: [] };
    if (!entry.roles.includes(role)) entry.roles.push(role);
    people.set(key, entry);
  };
  const requester = input.change.request.requester;
  add(requester.name, requester.role ? `requester, ${requester.role}` : 'requester');
  for (const a of input.approvals) add(a.approver, `${a.role} ${a.decision === 'approve' ? 'approver' : 'rejecter'}`);
  add(report.deployment.operator, 'operator');
  for (const e of events.filter((ev) => ev.type === 'cancel.requested')) add(e.actor, 'cancelled the change');
  return [...people.values()].map((p) => `${p.name} (${p.roles.join('; ')})`);
}

export function buildRetrospective(input: RetroInput): Retrospective {
  const report = input.stored.report as DeploymentReport;
  const attempt = input.stored.attempt;
  const events = input.events.filter((e) => e.attempt === attempt || e.type === 'change.submitted');
  const has = (type: string): boolean => events.some((e) => e.type === type);
  const tests = [...report.tests.smoke_tests, ...report.tests.regression_tests, ...report.tests.performance_tests];
  const smoke = report.tests.smoke_tests;
  const perf = report.tests.performance_tests;

  const estimated = input.change.request.timeline.estimated_duration;
  const actualMs = Date.parse(report.deployment.endTime) - Date.parse(report.deployment.startTime);
  let plannedMs: number | undefined;
  try {
    plannedMs = parseDuration(estimated, 'timeline.estimated_duration');
  } catch {
    plannedMs = undefined;
  }
  const durationVariance = plannedMs !== undefined ? variance(plannedMs, actualMs) : `n/a (cannot read "${estimated}")`;
  const downtime = measureDowntime(events, report.deployment.endTime);

  const well: string[] = [];
  if (has('preflight.passed')) well.push('Pre-flight checks passed (system health, dependencies, backup) before anything was touched');
  if (input.approvals.some((a) => a.decision === 'approve')) well.push(`Approvals recorded through the approvals route by ${new Set(input.approvals.map((a) => normalizeName(a.approver))).size} approver(s)`);
  if (smoke.length > 0 && smoke.every((t) => t.status === 'PASS')) well.push(`All ${smoke.length} smoke tests passed`);
  for (const t of perf.filter((p) => p.status === 'PASS')) well.push(`Performance test passed: ${t.details ?? t.name}`);
  if (has('monitor.quiet')) well.push('The monitoring window passed quietly: no rollback alarm');
  if (has('alarm.triggered') && has('rollback.started')) well.push('A rollback alarm caught the problem and the rollback started automatically');
  if (report.deployment.status === 'ROLLED_BACK') well.push('The rollback completed and its health check passed: the service is back on the previous release');
  if (plannedMs !== undefined && actualMs <= plannedMs) well.push(`Finished within the planned ${estimated} (${formatDuration(actualMs)})`);

  const wrong: string[] = [];
  const note = (line: string): void => { if (!wrong.includes(line)) wrong.push(line); };
  for (const t of tests.filter((x) => x.status === 'FAIL')) note(`${t.type} test "${t.name}" failed${t.error ?? t.details ? `: ${t.error ?? t.details}` : ''}`);
  for (const e of events.filter((ev) => ev.type === 'alarm.triggered')) note(`Alarm: ${e.message}`);
  for (const e of events.filter((ev) => ev.type === 'command.finished' && dataString(ev, 'status') !== 'Success')) note(`Host command failed: ${e.message}`);
  for (const e of events.filter((ev) => ev.type === 'rollback.started')) note(`Rolled back: ${e.message.replace(/^rolling back: /, '')}`);
  for (const e of events.filter((ev) => ev.type === 'cancel.requested')) note(`Cancelled: ${e.message}`);
  for (const i of report.issues) {
    if (!wrong.some((w) => w.includes(i.message))) note(`${i.severity} issue in ${i.phase}: ${i.message}`);
  }
  if (plannedMs !== undefined && actualMs > plannedMs * 1.2) note(`Took ${durationVariance.replace(/^\+/, '')} longer than the planned ${estimated} (${formatDuration(actualMs)})`);
  if (downtime?.stillBlocked) note('Traffic was still blocked when the attempt ended');

  const actionItems: ActionItem[] = report.recommendations.map((r, i) => ({
    id: `AI-${String(i + 1).padStart(3, '0')}`, description: r.description, assignee: TODO, due_date: TODO, priority: r.priority,
  }));
  actionItems.push({
    id: `AI-${String(actionItems.length + 1).padStart(3, '0')}`,
    description: `${TODO}: add the actions the team agrees on for what went wrong`, assignee: TODO, due_date: TODO, priority: TODO,
  });

  return {
    retrospective: {
      deployment_id: report.deployment.id,
      change_id: input.change.id,
      outcome: report.deployment.status,
      date: report.deployment.endTime.slice(0, 10),
      participants: participants(input, report, events),
    },
    what_went_well: well.length > 0 ? well : [`${TODO}: nothing recorded went well; add what the team saw`],
    what_went_wrong: wrong.length > 0 ? wrong : ['Nothing recorded went wrong (no failed test, alarm, failed command or rollback)'],
    action_items: actionItems,
    lessons_learned: [`${TODO}: what did this change teach the team?`],
    process_improvements: [`${TODO}: what should change in the runbook, the profile or the checklist?`],
    metrics_analysis: {
      deployment_duration: { planned: estimated, actual: formatDuration(actualMs), variance: durationVariance },
      downtime: {
        planned: `${TODO}: not stated in the change request`,
        actual: downtime ? `${formatDuration(downtime.ms)}${downtime.blocks > 1 ? ` (traffic blocked ${downtime.blocks} times)` : ''}` : 'no traffic block recorded',
        variance: 'n/a (no planned downtime)',
      },
      test_coverage: { smoke_tests: coverage(smoke), regression_tests: coverage(report.tests.regression_tests), performance_tests: coverage(perf) },
    },
    next_deployment_focus: [`${TODO}: what to watch next time`],
  };
}

/** YAML for `--format retro`, headed by a comment saying it is a draft. */
export function retrospectiveToYaml(retro: Retrospective): string {
  const doc = new Document(retro);
  doc.commentBefore = ` deployment-retrospective ${retro.retrospective.deployment_id}: a DRAFT generated from the stored report and events.\n Fields marked ${TODO} are for the team to fill in.`;
  return doc.toString({ lineWidth: 0 });
}
