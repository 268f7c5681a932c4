// The change routes: submit (validate, risk, conditional write, environment lock, start; `?dryRun=true` plans it
// without writing or starting anything), list (filtered,
// paginated with an opaque token) and one change's status with its approvals and timeline.
import { ValidationError } from '../core/errors';
import { evaluateApprovals } from '../core/approvals';
import { STATUSES, executionNameFor, type Approval, type ChangeEvent, type ChangeRecord, type ChangeStatus } from '../core/records';
import { ChangeRequestSchema, validateWithWarnings } from '../core/schemas';
import { rollbackLimits } from '../core/thresholds';
import type { MetricsPeriod, MetricsSnapshot } from '../ports';
import { loadChange } from '../phases/common';
import { dryRun } from '../phases/dry-run';
import { submitChange } from '../phases/submit';
import { parseBody } from './body';
import type { ApiContext } from './context';
import { badField, json, type ApiRequest, type ApiResponse } from './http';
import type { ChangeCursor } from '../ports';

const ENVIRONMENT = /^[a-z0-9][a-z0-9-]{0,39}$/;
export const DEFAULT_PAGE = 25;
export const MAX_PAGE = 100;

export function watchLinks(ctx: ApiContext, req: ApiRequest, change: Pick<ChangeRecord, 'id' | 'executionName'>): Record<string, string> {
  const base = `${req.baseUrl}/changes/${encodeURIComponent(change.id)}`;
  const consoleUrl = ctx.consoleUrl?.(change.executionName);
  return {
    status: base,
    history: `${base}/history`,
    ...(consoleUrl ? { console: consoleUrl } : {}),
    cli: `runbook status ${change.id} --watch`,
  };
}

export function summary(change: ChangeRecord): Record<string, unknown> {
  return {
    changeId: change.id, title: change.title, environment: change.environment, requester: change.requester,
    status: change.status, phase: change.phase, attempt: change.attempt, maxAttempts: change.maxAttempts,
    riskLevel: change.risk.level, riskScore: change.risk.score, executionName: change.executionName,
    createdAt: change.createdAt, updatedAt: change.updatedAt, ...(change.reason ? { reason: change.reason } : {}),
  };
}

/** `?dryRun=true` plans the change instead of submitting it; anything but true/false is a mistake worth naming. */
function dryRunRequested(value: string | undefined): boolean {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw badField('dryRun', 'must be true or false');
}

export async function submit(ctx: ApiContext, req: ApiRequest): Promise<ApiResponse> {
  const raw = parseBody(req, 'change request');
  if (raw === undefined) throw new ValidationError('the request body is empty: send a change request document (YAML or JSON)', [{ path: '', message: 'the request body is empty' }]);
  // Unknown keys are kept in the stored document and named back to the caller, never dropped silently.
  const { value: request, warnings } = validateWithWarnings(ChangeRequestSchema, raw, 'change request');
  if (dryRunRequested(req.query.dryRun)) {
    // The same checks and errors as the submission; nothing written, nothing started.
    const plan = await dryRun(ctx.deps, { request, profile: await ctx.profile() });
    return json(200, { ...plan, warnings });
  }
  const result = await submitChange(ctx.deps, { request, profile: await ctx.profile(), submittedBy: (req.identity as { id: string }).id });
  const c = result.change;
  return json(result.created ? 202 : 200, {
    changeId: c.id, status: c.status, riskLevel: c.risk.level, riskScore: c.risk.score, requiredApprovals: c.requiredApprovals,
    executionName: result.executionName, duplicate: !result.created, warnings, watch: watchLinks(ctx, req, c),
  }, { location: `${req.baseUrl}/changes/${encodeURIComponent(c.id)}` });
}

type Cursor = ChangeCursor;

export function encodeToken(cursor: Cursor): string {
  return Buffer.from(JSON.stringify({ v: 1, c: cursor.createdAt, i: cursor.id })).toString('base64url');
}

export function decodeToken(token: string): Cursor {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v?: unknown; c?: unknown; i?: unknown };
    if (parsed.v === 1 && typeof parsed.c === 'string' && typeof parsed.i === 'string') return { createdAt: parsed.c, id: parsed.i };
  } catch {
    // fall through: any unreadable token is the same mistake
  }
  throw badField('nextToken', 'not a token this API issued (pass nextToken from the previous page as it is)');
}

function positiveInt(value: string | undefined, field: string, max: number): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) throw badField(field, `must be a whole number from 1 to ${max}`);
  return Number(value);
}

export function parseAttempt(value: string | undefined): number | undefined {
  return positiveInt(value, 'attempt', 10);
}

export async function list(ctx: ApiContext, req: ApiRequest): Promise<ApiResponse> {
  const { status, environment, nextToken } = req.query;
  if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) throw badField('status', `must be one of ${STATUSES.join(', ')}`);
  // Stryker disable next-line ConditionalExpression: RegExp.test(undefined) tests "undefined", which the pattern accepts, so dropping the undefined check changes nothing
  if (environment !== undefined && !ENVIRONMENT.test(environment)) throw badField('environment', 'lower-case letters, digits and hyphens');
  const limit = positiveInt(req.query.limit, 'limit', MAX_PAGE) ?? DEFAULT_PAGE;
  const after = nextToken ? decodeToken(nextToken) : undefined;
  // One bounded read on both engines (ChangeStore.listChangesPage): the store's newest-first order, never the whole table.
  const { changes, next } = await ctx.deps.store.listChangesPage({
    ...(status ? { status: status as ChangeStatus } : {}), ...(environment ? { environment } : {}),
  }, { limit, ...(after ? { after } : {}) });
  return json(200, {
    items: changes.map(summary),
    ...(next ? { nextToken: encodeToken(next) } : {}),
  });
}

function approvalView(a: Approval): Record<string, unknown> {
  return { role: a.role, decision: a.decision, approver: a.approver, at: a.at, ...(a.comment ? { comment: a.comment } : {}) };
}

export function timelineView(events: ChangeEvent[]): Record<string, unknown>[] {
  return events.map((e) => ({
    at: e.at, attempt: e.attempt, type: e.type, actor: e.actor, message: e.message,
    ...(e.phase ? { phase: e.phase } : {}), ...(e.status ? { status: e.status } : {}),
  }));
}

/**
 * The monitoring window as the console charts it: the limits the rollback alarms compare with, and the periods the
 * latest window recorded (its `metrics.release` event: per period where the metrics could tell, else one snapshot).
 */
export function monitoringView(change: Pick<ChangeRecord, 'profile'>, events: ChangeEvent[]): Record<string, unknown> {
  const mon = change.profile.monitoring;
  const limits = rollbackLimits(mon);
  const latest = [...events].reverse().find((e) => e.type === 'metrics.release');
  const series = latest?.data?.series as MetricsPeriod[] | undefined;
  const snapshot = latest?.data?.metrics as MetricsSnapshot | undefined;
  const periods = series ?? (snapshot ? [{
    at: snapshot.at, requests: snapshot.requests,
    ...(snapshot.p95Ms !== undefined ? { p95Ms: snapshot.p95Ms } : {}), ...(snapshot.errorRate !== undefined ? { errorRate: snapshot.errorRate } : {}),
  }] : []);
  return {
    windowSeconds: mon.windowSeconds, periodSeconds: mon.periodSeconds, p95Ms: mon.p95Ms, errorRate: mon.errorRate,
    rollbackFactor: mon.rollbackFactor, rollbackP95Ms: limits.p95Ms, rollbackErrorRate: limits.errorRate,
    ...(latest ? { attempt: latest.attempt, releaseLiveAt: latest.data?.releaseLiveAt } : {}),
    periods,
  };
}

export async function get(ctx: ApiContext, req: ApiRequest, id: string): Promise<ApiResponse> {
  const change = await loadChange(ctx.deps, id);
  const [events, approvals] = await Promise.all([ctx.deps.store.listEvents(id), ctx.deps.store.listApprovals(id, change.attempt)]);
  const verdict = evaluateApprovals({ required: change.requiredApprovals, approvals, requester: change.requester });
  let nextAttempt: Record<string, unknown> | undefined;
  if (change.status === 'ROLLED_BACK') {
    // Back in PLAN: approvals now count towards the next attempt, which they start once complete.
    const next = change.attempt + 1;
    const nextApprovals = await ctx.deps.store.listApprovals(id, next);
    const v = evaluateApprovals({ required: change.requiredApprovals, approvals: nextApprovals, requester: change.requester });
    nextAttempt = { attempt: next, executionName: executionNameFor(id, next), items: nextApprovals.map(approvalView), state: v.state, missing: v.missing };
  }
  return json(200, {
    ...summary(change),
    risk: change.risk,
    requiredApprovals: change.requiredApprovals,
    approvals: { attempt: change.attempt, items: approvals.map(approvalView), state: verdict.state, missing: verdict.missing },
    ...(nextAttempt ? { nextAttempt } : {}),
    ...(change.cancelRequest ? { cancelRequest: change.cancelRequest } : {}),
    timeline: timelineView(events),
    monitoring: monitoringView(change, events),
    watch: watchLinks(ctx, req, change),
  });
}
