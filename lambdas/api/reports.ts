// Read routes over what an attempt left behind: its report (JSON, Markdown, the QC summary, the retrospective
// draft), its execution's history (states with durations), and the scheduled checks of the environment.
import { NotFoundError } from '../core/errors';
import { executionNameFor } from '../core/records';
import { reportToMarkdown, type DeploymentReport } from '../core/report';
import { buildRetrospective, retrospectiveToYaml } from '../core/retro';
import { loadChange } from '../phases/common';
import { parseAttempt } from './changes';
import type { ApiContext } from './context';
import { stateRuns } from './history';
import { badField, json, NotImplementedError, text, type ApiRequest, type ApiResponse } from './http';

export const REPORT_FORMATS = ['json', 'md', 'qc', 'retro'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export async function report(ctx: ApiContext, req: ApiRequest, id: string): Promise<ApiResponse> {
  const format = (req.query.format ?? 'json') as ReportFormat;
  if (!REPORT_FORMATS.includes(format)) throw badField('format', `must be one of ${REPORT_FORMATS.join(', ')}`);
  const attempt = parseAttempt(req.query.attempt);
  const change = await loadChange(ctx.deps, id);
  const stored = await ctx.deps.store.getReport(id, attempt);
  if (!stored) throw new NotFoundError(`change ${id} has no report${attempt ? ` for attempt ${attempt}` : ''} yet (it is ${change.status}; a report is written when an attempt ends)`);
  switch (format) {
    case 'json':
      return json(200, stored);
    case 'md':
      return text(200, reportToMarkdown(stored.report as DeploymentReport, stored.qcSummary), 'text/markdown');
    case 'qc':
      return text(200, stored.qcSummary, 'text/plain');
    case 'retro': {
      const [events, approvals] = await Promise.all([ctx.deps.store.listEvents(id), ctx.deps.store.listApprovals(id, stored.attempt)]);
      return text(200, retrospectiveToYaml(buildRetrospective({ change, stored, events, approvals })), 'application/yaml');
    }
  }
}

export async function history(ctx: ApiContext, req: ApiRequest, id: string): Promise<ApiResponse> {
  const change = await loadChange(ctx.deps, id);
  const attempt = parseAttempt(req.query.attempt) ?? change.attempt;
  if (attempt > change.attempt) throw new NotFoundError(`change ${id} has had ${change.attempt} attempt(s); there is no attempt ${attempt}`);
  // The current attempt's latest run: a run resumed after an interruption is `<id>-<attempt>-r<n>`.
  const name = attempt === change.attempt ? change.executionName : executionNameFor(id, attempt);
  const h = await ctx.control.history(name);
  if (!h) throw new NotFoundError(`no execution history for ${name}${ctx.engine === 'embedded' ? ' (it ran in a process that kept no history file)' : ''}`);
  return json(200, {
    changeId: id, attempt, executionName: name, status: h.status, startedAt: h.startedAt,
    ...(h.stoppedAt ? { stoppedAt: h.stoppedAt } : {}), ...(h.error ? { error: h.error } : {}), ...(h.cause ? { cause: h.cause } : {}),
    states: stateRuns(h),
    events: h.events,
  });
}

export async function listChecks(ctx: ApiContext, req: ApiRequest): Promise<ApiResponse> {
  const profile = await ctx.profile();
  const limit = req.query.limit === undefined ? 10 : Number(req.query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw badField('limit', 'must be a whole number from 1 to 100');
  return json(200, { environment: profile.name, items: await ctx.deps.store.listCheckResults(profile.name, limit) });
}

export async function runCheck(ctx: ApiContext): Promise<ApiResponse> {
  if (!ctx.runCheck) throw new NotImplementedError('the scheduled check runs on its schedule here; read its results with GET /checks');
  const result = await ctx.runCheck();
  return json(200, result);
}
