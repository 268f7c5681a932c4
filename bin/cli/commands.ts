// The client commands of the `runbook` CLI: each talks HTTP to the API (local server or --endpoint), prints what
// an operator needs (or the API's JSON with --json) and returns its exit code; failures are CliErrors.
import { readFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { addOperator, OPERATORS_FILE, removeOperator, rotateOperator } from '../../lambdas/api/local-auth';
import type { StateRun } from '../../lambdas/api/history';
import { ConflictError, NotFoundError, ValidationError } from '../../lambdas/core/errors';
import { releaseEnvironment } from '../../lambdas/phases/release';
import { formatDuration } from '../../lambdas/core/duration';
import { FINAL_STATUSES, type ApprovalRole } from '../../lambdas/core/records';
import type { ExecutionHistoryEvent } from '../../lambdas/ports';
import type { AuditFailure } from '../../lambdas/core/audit';
import { describeFailure } from '../../lambdas/phases/audit';
import { CliError, connect, expectOk, EXIT, type ApiClient, type ConnectOptions } from './client';
import { withLocalStore } from './offline';

export interface Io {
  out(line: string): void;
  err(line: string): void;
}

export interface ClientFlags {
  home: string;
  endpoint?: string;
  region?: string;
  token?: string;
  json?: boolean;
}

/** Lets tests follow a change without waiting out real pauses. */
export interface Timing { intervalMs: number; sleep: (ms: number) => Promise<void> }
const realTiming: Timing = { intervalMs: 1000, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

function client(flags: ClientFlags): Promise<ApiClient> {
  const options: ConnectOptions = { home: flags.home };
  if (flags.endpoint) options.endpoint = flags.endpoint;
  if (flags.region) options.region = flags.region;
  if (flags.token) options.token = flags.token;
  return connect(options);
}

async function call(api: ApiClient, method: string, path: string, options: Parameters<ApiClient['request']>[2] = {}): Promise<Record<string, unknown>> {
  return expectOk(await api.request(method, path, options), api.target, api.unauthorizedHint).json();
}

const idPath = (id: string, rest = ''): string => `/changes/${encodeURIComponent(id)}${rest}`;
const time = (iso: unknown): string => (typeof iso === 'string' ? iso.replace('T', ' ').slice(0, 19) : '');
const pad = (value: unknown, width: number): string => String(value ?? '').padEnd(width);

// ── submit ────────────────────────────────────────────────────────────────────────────────────────────────────────

const CONTENT_TYPES: Record<string, string> = { '.json': 'application/json', '.yml': 'application/yaml', '.yaml': 'application/yaml' };

export async function submit(file: string, flags: ClientFlags, io: Io): Promise<number> {
  let body: string;
  try {
    body = readFileSync(resolve(file), 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`, EXIT.USAGE);
  }
  const api = await client(flags);
  const contentType = CONTENT_TYPES[extname(file).toLowerCase()];
  const r = await call(api, 'POST', '/changes', { body, ...(contentType ? { contentType } : {}) });
  if (flags.json) {
    io.out(JSON.stringify(r, null, 2));
    return EXIT.OK;
  }
  const watch = (r.watch ?? {}) as Record<string, string>;
  io.out(r.duplicate
    ? `${r.changeId} was already submitted with this exact body: it is ${r.status} (nothing new was written)`
    : `${r.changeId} submitted: risk ${r.riskLevel} (score ${r.riskScore}); approvals required: ${(r.requiredApprovals as string[]).join(', ')}`);
  io.out(`  execution ${r.executionName}${watch.console ? `\n  console   ${watch.console}` : ''}`);
  io.out(`  status    ${watch.status ?? ''}`);
  io.out(`  follow    npx runbook status ${r.changeId} --watch`);
  for (const w of (r.warnings ?? []) as Array<{ path: string; message: string }>) io.err(`warning: ${w.path}: ${w.message}`);
  return EXIT.OK;
}

// ── approve ───────────────────────────────────────────────────────────────────────────────────────────────────────

export async function approve(id: string, opts: { role: ApprovalRole; reject?: boolean; comment?: string }, flags: ClientFlags, io: Io): Promise<number> {
  const api = await client(flags);
  const decision = opts.reject ? 'reject' : 'approve';
  const r = await call(api, 'POST', idPath(id, '/approvals'), {
    contentType: 'application/json',
    body: JSON.stringify({ role: opts.role, decision, ...(opts.comment ? { comment: opts.comment } : {}) }),
  });
  if (flags.json) {
    io.out(JSON.stringify(r, null, 2));
    return EXIT.OK;
  }
  const missing = (r.missing as string[] | undefined) ?? [];
  const head = `${r.duplicate ? 'already recorded' : 'recorded'}: ${r.role} ${r.decision === 'approve' ? 'approval' : 'REJECTION'} of ${id} (attempt ${r.attempt}) by ${r.approver}`;
  io.out(`${r.decision === 'approve' ? '✔' : '✖'} ${head}`);
  if (r.state === 'rejected') io.out('  the change is rejected: it ends REJECTED without touching anything');
  else if (r.state === 'approved') io.out(r.startedExecution ? `  all approvals in: attempt ${r.attempt} starts as execution ${r.startedExecution}` : '  all approvals in: the change goes on to the change window and ACT');
  else io.out(`  still missing: ${missing.join(', ')}`);
  return EXIT.OK;
}

// ── status ────────────────────────────────────────────────────────────────────────────────────────────────────────

interface TimelineEntry { at: string; attempt: number; type: string; actor: string; message: string; phase?: string; status?: string }

const timelineLine = (e: TimelineEntry): string => `  ${time(e.at)}  ${pad(e.phase ?? '', 9)} ${pad(e.type, 22)} ${e.actor}: ${e.message}`;

function describeApprovals(view: Record<string, unknown>, label: string): string {
  const a = view as { attempt: number; items: { role: string; decision: string; approver: string }[]; state: string; missing: string[] };
  const given = a.items.map((i) => `${i.role} ${i.decision === 'approve' ? '✔' : '✖'} ${i.approver}`).join(' · ') || 'none yet';
  return `  ${pad(label, 10)} attempt ${a.attempt}: ${given}${a.missing.length ? ` (missing: ${a.missing.join(', ')})` : ''} — ${a.state}`;
}

function printStatus(c: Record<string, unknown>, io: Io): void {
  io.out(`${c.changeId}  ${c.title}`);
  io.out(`  ${pad('status', 10)} ${c.status} (phase ${c.phase}, attempt ${c.attempt}/${c.maxAttempts}, environment ${c.environment})`);
  io.out(`  ${pad('risk', 10)} ${c.riskLevel} (score ${c.riskScore}); requires ${(c.requiredApprovals as string[]).join(', ')}`);
  io.out(describeApprovals(c.approvals as Record<string, unknown>, 'approvals'));
  if (c.nextAttempt) io.out(describeApprovals(c.nextAttempt as Record<string, unknown>, 'next'));
  if (c.reason) io.out(`  ${pad('reason', 10)} ${c.reason}`);
  const cancel = c.cancelRequest as { by: string; reason: string | null } | undefined;
  if (cancel) io.out(`  ${pad('cancel', 10)} requested by ${cancel.by}${cancel.reason ? `: ${cancel.reason}` : ''}`);
  const watch = (c.watch ?? {}) as Record<string, string>;
  io.out(`  ${pad('execution', 10)} ${c.executionName}${watch.console ? ` — ${watch.console}` : ''}`);
}

/**
 * `status --watch` exit codes: 0 only when the change COMPLETED; one code for each other status the watch stops on
 * (1, 2, 3 keep their meaning for every command: refused, bad usage, server unreachable).
 */
export const WATCH_EXIT_CODES = {
  COMPLETED: 0, AWAITING_APPROVAL: 10, ROLLED_BACK: 11, PREFLIGHT_FAILED: 12, REJECTED: 13, BLOCKED: 14,
  CANCELLED: 15, FAILED: 16, MANUAL_INTERVENTION: 17, INTERRUPTED: 18,
} as const;

/**
 * Where following stops: the change ended, is back in PLAN, waits for approvals that are not all in, or was
 * interrupted and is held (nothing moves it until `runbook rollback`).
 */
function resting(c: Record<string, unknown>): boolean {
  const s = String(c.status);
  // The status and its event are two writes (no transactions): a read between them has the status without the
  // event. Resting means the timeline has caught up too, so the last lines printed are the ones that got it there.
  if (!(c.timeline as TimelineEntry[]).some((e) => e.status === s)) return false;
  if ((FINAL_STATUSES as readonly string[]).includes(s) || s === 'ROLLED_BACK' || s === 'INTERRUPTED') return true;
  return s === 'AWAITING_APPROVAL' && (c.approvals as { state?: string } | undefined)?.state === 'pending';
}

export async function status(id: string, opts: { watch?: boolean }, flags: ClientFlags, io: Io, timing: Timing = realTiming): Promise<number> {
  const api = await client(flags);
  let c = await call(api, 'GET', idPath(id));
  if (flags.json && !opts.watch) {
    io.out(JSON.stringify(c, null, 2));
    return EXIT.OK;
  }
  if (!flags.json) {
    printStatus(c, io);
    io.out('Timeline');
    for (const e of c.timeline as TimelineEntry[]) io.out(timelineLine(e));
  }
  if (!opts.watch) return EXIT.OK;
  let seen = (c.timeline as TimelineEntry[]).length;
  while (!resting(c)) {
    await timing.sleep(timing.intervalMs);
    c = await call(api, 'GET', idPath(id));
    const timeline = c.timeline as TimelineEntry[];
    if (!flags.json) for (const e of timeline.slice(seen)) io.out(timelineLine(e));
    seen = timeline.length;
  }
  const exitCode = (WATCH_EXIT_CODES as Record<string, number>)[String(c.status)] ?? EXIT.REFUSED;
  if (flags.json) io.out(JSON.stringify(c, null, 2));
  else io.out(`${id} is ${c.status}${c.status === 'AWAITING_APPROVAL' ? ` — waiting for: ${((c.approvals as { missing: string[] }).missing).join(', ')}` : ''}${c.reason ? ` (${c.reason})` : ''} (exit ${exitCode})`);
  return exitCode;
}

// ── list ──────────────────────────────────────────────────────────────────────────────────────────────────────────

export async function list(opts: { status?: string; environment?: string; limit?: string; nextToken?: string; all?: boolean }, flags: ClientFlags, io: Io): Promise<number> {
  const api = await client(flags);
  const items: Record<string, unknown>[] = [];
  let token = opts.nextToken;
  let next: string | undefined;
  do {
    const page = await call(api, 'GET', '/changes', { query: { status: opts.status, environment: opts.environment, limit: opts.limit, nextToken: token } });
    items.push(...(page.items as Record<string, unknown>[]));
    next = page.nextToken as string | undefined;
    token = next;
  } while (opts.all && next);
  if (flags.json) {
    io.out(JSON.stringify({ items, ...(next ? { nextToken: next } : {}) }, null, 2));
    return EXIT.OK;
  }
  if (items.length === 0) {
    io.out('no changes');
    return EXIT.OK;
  }
  io.out(`${pad('ID', 14)}${pad('STATUS', 20)}${pad('ATTEMPT', 9)}${pad('RISK', 9)}${pad('ENVIRONMENT', 14)}${pad('UPDATED', 21)}TITLE`);
  for (const c of items) {
    io.out(`${pad(c.changeId, 14)}${pad(c.status, 20)}${pad(`${c.attempt}/${c.maxAttempts}`, 9)}${pad(c.riskLevel, 9)}${pad(c.environment, 14)}${pad(time(c.updatedAt), 21)}${c.title}`);
  }
  if (next) io.out(`more: npx runbook list --next-token ${next}`);
  return EXIT.OK;
}

// ── inspect ───────────────────────────────────────────────────────────────────────────────────────────────────────

const seconds = (ms: number | undefined): string => (ms === undefined ? '' : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`);

export async function inspect(id: string, opts: { attempt?: string; events?: boolean }, flags: ClientFlags, io: Io): Promise<number> {
  const api = await client(flags);
  const h = await call(api, 'GET', idPath(id, '/history'), { query: { attempt: opts.attempt } });
  if (flags.json) {
    io.out(JSON.stringify(h, null, 2));
    return EXIT.OK;
  }
  const start = Date.parse(h.startedAt as string);
  const total = h.stoppedAt ? Date.parse(h.stoppedAt as string) - start : undefined;
  io.out(`Execution ${h.executionName} (change ${id}, attempt ${h.attempt}): ${h.status}${total !== undefined ? ` after ${formatDuration(total)}` : ''}${h.error ? ` — ${h.error}${h.cause ? `: ${String(h.cause).split('\n')[0]?.slice(0, 160)}` : ''}` : ''}`);
  io.out(`  started ${time(h.startedAt)}${h.stoppedAt ? `, stopped ${time(h.stoppedAt)}` : ''}`);
  io.out(`  ${pad('#', 4)}${pad('STATE', 34)}${pad('STEP', 26)}${pad('AT', 10)}${pad('DURATION', 10)}RESULT`);
  (h.states as StateRun[]).forEach((s, i) => {
    const name = s.parent ? `  └ ${s.name}${s.index !== undefined ? ` [${s.index}]` : ''}` : s.name;
    const result = `${s.status}${s.retries ? ` (${s.retries} retries)` : ''}${s.error ? ` ${s.error}${s.cause ? `: ${s.cause.split('\n')[0]?.slice(0, 100)}` : ''}` : ''}`;
    io.out(`  ${pad(i + 1, 4)}${pad(name, 34)}${pad(s.step ?? '', 26)}${pad(`+${seconds(Date.parse(s.enteredAt) - start)}`, 10)}${pad(seconds(s.durationMs), 10)}${result}`);
  });
  if (opts.events) {
    io.out('Events');
    for (const e of h.events as ExecutionHistoryEvent[]) {
      const where = e.stateName ? ` ${e.parentState && e.stateName !== e.parentState ? `${e.parentState} › ` : ''}${e.stateName}${e.index !== undefined ? ` [${e.index}]` : ''}${e.step ? ` (${e.step})` : ''}` : e.parentState ? ` ${e.parentState}${e.index !== undefined ? ` [${e.index}]` : ''}` : '';
      io.out(`  +${pad(seconds(e.timestamp - start), 9)}${pad(e.type, 22)}${where}${e.error ? ` — ${e.error}` : ''}`);
    }
  }
  return EXIT.OK;
}

// ── report ────────────────────────────────────────────────────────────────────────────────────────────────────────

export async function report(id: string, opts: { format?: string; attempt?: string }, flags: ClientFlags, io: Io): Promise<number> {
  const api = await client(flags);
  const res = expectOk(await api.request('GET', idPath(id, '/report'), { query: { format: opts.format ?? 'json', attempt: opts.attempt } }), api.target, api.unauthorizedHint);
  io.out(res.text.trimEnd());
  return EXIT.OK;
}

// ── cancel ────────────────────────────────────────────────────────────────────────────────────────────────────────

export async function cancel(id: string, opts: { reason?: string; wait?: boolean }, flags: ClientFlags, io: Io, timing: Timing = realTiming): Promise<number> {
  const api = await client(flags);
  const request = (): Promise<Record<string, unknown>> => call(api, 'POST', idPath(id, '/cancel'), { contentType: 'application/json', body: JSON.stringify(opts.reason ? { reason: opts.reason } : {}) });
  const r = await request();
  const say = flags.json ? () => undefined : (line: string) => io.out(line);
  say(`${r.status === 'CANCELLED' ? '✔' : '…'} ${r.message}`);
  if (r.status === 'CANCELLED' || opts.wait === false) {
    if (flags.json) io.out(JSON.stringify(r, null, 2));
    return EXIT.OK;
  }
  // The phases carry the cancel on by themselves (lambdas/phases/cancel.ts): this only follows it to the end.
  let last = String(r.status);
  for (;;) {
    await timing.sleep(timing.intervalMs);
    const c = await call(api, 'GET', idPath(id));
    const now = String(c.status);
    if (now !== last) say(`  … ${now}${c.reason ? ` (${c.reason})` : ''}`);
    last = now;
    if (now === 'CANCELLED') break;
    if ((FINAL_STATUSES as readonly string[]).includes(now)) {
      const ended = `${id} ended ${now} before the cancel could close it${c.reason ? ` (${c.reason})` : ''}`;
      if (flags.json) io.out(JSON.stringify({ ...c, cancelled: false }, null, 2));
      else io.err(ended);
      return EXIT.REFUSED;
    }
  }
  const final = await call(api, 'GET', idPath(id));
  say(`✔ ${id} is CANCELLED${final.reason ? ` (${final.reason})` : ''}`);
  if (flags.json) io.out(JSON.stringify(final, null, 2));
  return EXIT.OK;
}

// ── release ───────────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * After MANUAL_INTERVENTION, once the service is restored by hand: frees the environment for the next change.
 * Through the server when one runs (or --endpoint); with none running, on the home's store directly. Idempotent.
 */
export async function release(id: string, opts: { reason?: string }, flags: ClientFlags, io: Io): Promise<number> {
  let r: Record<string, unknown>;
  let api: ApiClient | undefined;
  try {
    api = await client(flags);
  } catch (err) {
    if (flags.endpoint || !(err instanceof CliError) || err.exitCode !== EXIT.UNREACHABLE) throw err;
  }
  if (api) {
    r = await call(api, 'POST', idPath(id, '/release'), { contentType: 'application/json', body: JSON.stringify(opts.reason ? { reason: opts.reason } : {}) });
  } else {
    r = { ...(await withLocalStore(flags.home, `runbook release ${id}`, async (deps) => {
      try {
        return await releaseEnvironment(deps, { changeId: id, by: deps.actor, ...(opts.reason ? { reason: opts.reason } : {}) });
      } catch (err) {
        if (err instanceof ConflictError || err instanceof NotFoundError) throw new CliError(err.message, EXIT.REFUSED, { status: err instanceof ConflictError ? 409 : 404, code: err.name.replace(/Error$/, ''), message: err.message });
        throw err;
      }
    })) };
  }
  if (flags.json) io.out(JSON.stringify(r, null, 2));
  else if (r.alreadyReleased) io.out(`✔ environment ${String(r.environment)} was already released by ${String(r.releasedBy)}: nothing new was written`);
  else io.out(`✔ environment ${String(r.environment)} released by ${String(r.releasedBy)}${api ? '' : ' (no server running: done on the store directly)'}: new changes may start`);
  return EXIT.OK;
}

// ── rollback ──────────────────────────────────────────────────────────────────────────────────────────────────────

/** A change interrupted after ACT began and held (onInterrupted: hold): starts its rollback-only run. */
export async function rollback(id: string, flags: ClientFlags, io: Io): Promise<number> {
  const api = await client(flags);
  const r = await call(api, 'POST', idPath(id, '/rollback'), { contentType: 'application/json', body: '{}' });
  if (flags.json) io.out(JSON.stringify(r, null, 2));
  else {
    io.out(`… ${id} (interrupted while ${String(r.from)}) is rolling back: execution ${String(r.executionName)}`);
    io.out(`  follow    npx runbook status ${id} --watch`);
  }
  return EXIT.OK;
}

// ── operator add ──────────────────────────────────────────────────────────────────────────────────────────────────

export function operatorAdd(name: string, opts: { role?: ApprovalRole[]; quiet?: boolean }, flags: ClientFlags, io: Io): number {
  if (flags.endpoint) throw new CliError('operators belong to the local server: on AWS the callers are IAM principals (grant execute-api:Invoke instead)', EXIT.USAGE);
  let added: ReturnType<typeof addOperator>;
  try {
    added = addOperator(resolve(flags.home), name, { ...(opts.role ? { roles: opts.role } : {}) });
  } catch (err) {
    if (err instanceof ConflictError) throw new CliError(`${err.message} (its token was shown once when it was added; runbook operator rotate ${name} issues a new one)`, EXIT.REFUSED);
    if (err instanceof ValidationError) throw new CliError(err.message, EXIT.USAGE);
    throw err;
  }
  const { token, operator } = added;
  if (flags.json) {
    io.out(JSON.stringify({ name: operator.name, roles: operator.roles ?? null, token }, null, 2));
  } else if (opts.quiet) {
    io.out(token);
  } else {
    io.out(`operator ${operator.name} added to ${join(flags.home, OPERATORS_FILE)}; may approve as ${operator.roles?.join(', ') ?? 'any role'} the profile's approvers list it for (none unless listed)`);
    io.out('token (shown once, keep it secret):');
    io.out(token);
    io.out(`use it: RUNBOOK_TOKEN=${token} npx runbook approve CR-YYYY-NNN --role ${operator.roles?.[0] ?? 'technical'}`);
  }
  return EXIT.OK;
}

// ── operator remove / rotate ──────────────────────────────────────────────────────────────────────────────────────

function localOperators<T>(flags: ClientFlags, fn: () => T): T {
  if (flags.endpoint) throw new CliError('operators belong to the local server: on AWS the callers are IAM principals (grant or revoke execute-api:Invoke instead)', EXIT.USAGE);
  try {
    return fn();
  } catch (err) {
    if (err instanceof NotFoundError) throw new CliError(`${err.message} in ${join(flags.home, OPERATORS_FILE)}`, EXIT.REFUSED, { status: 404, code: 'NotFound', message: err.message });
    if (err instanceof ValidationError) throw new CliError(err.message, EXIT.USAGE);
    throw err;
  }
}

/** Removes an operator; its token stops working at once (the server re-reads operators.json). */
export function operatorRemove(name: string, flags: ClientFlags, io: Io): number {
  const removed = localOperators(flags, () => removeOperator(resolve(flags.home), name));
  if (flags.json) io.out(JSON.stringify({ name: removed.name, removed: true }, null, 2));
  else io.out(`operator ${removed.name} removed from ${join(flags.home, OPERATORS_FILE)}: its token no longer works`);
  return EXIT.OK;
}

/** A new token for an operator, printed once; the old one stops working at once. */
export function operatorRotate(name: string, opts: { quiet?: boolean }, flags: ClientFlags, io: Io): number {
  const { token, operator } = localOperators(flags, () => rotateOperator(resolve(flags.home), name));
  if (flags.json) io.out(JSON.stringify({ name: operator.name, roles: operator.roles ?? null, token }, null, 2));
  else if (opts.quiet) io.out(token);
  else {
    io.out(`operator ${operator.name}: new token (shown once, keep it secret; the old one no longer works):`);
    io.out(token);
  }
  return EXIT.OK;
}

// ── check ─────────────────────────────────────────────────────────────────────────────────────────────────────────

interface CheckView { environment: string; at: string; passed: boolean; durationMs: number; checks: { name: string; status: string; details: string }[]; upcomingFreezes?: { name: string; reason: string; start: string; end: string }[] }

export async function check(opts: { history?: boolean }, flags: ClientFlags, io: Io): Promise<number> {
  const api = await client(flags);
  if (opts.history) {
    const r = await call(api, 'GET', '/checks');
    if (flags.json) io.out(JSON.stringify(r, null, 2));
    else for (const c of r.items as CheckView[]) io.out(`${time(c.at)}  ${c.passed ? 'PASS' : 'FAIL'}  ${formatDuration(c.durationMs)}  ${c.checks.filter((x) => x.status === 'FAIL').map((x) => x.name).join(', ')}`);
    return EXIT.OK;
  }
  const r = (await call(api, 'POST', '/checks')) as unknown as CheckView;
  if (flags.json) io.out(JSON.stringify(r, null, 2));
  else {
    io.out(`scheduled pre-flight check of ${r.environment}: ${r.passed ? 'PASS' : 'FAIL'} (${formatDuration(r.durationMs)})`);
    for (const c of r.checks) io.out(`  ${c.status === 'PASS' ? '✔' : '✖'} ${pad(c.name, 26)} ${c.details}`);
    const freezes = r.upcomingFreezes ?? [];
    io.out(freezes.length === 0 ? '  no change freeze in the next 7 days' : `  change freezes in the next 7 days (only emergency changes, with executive approval):`);
    for (const f of freezes) io.out(`    ❄ ${f.name}: ${time(f.start)} – ${time(f.end)} UTC — ${f.reason}`);
  }
  return r.passed ? EXIT.OK : EXIT.REFUSED;
}


// ── audit ─────────────────────────────────────────────────────────────────────────────────────────────────────────

/** Verifies the change's hash-chained record: 0 when every event verifies (and holds --expect), 1 naming the first that does not. */
export async function audit(id: string, opts: { expect?: string }, flags: ClientFlags, io: Io): Promise<number> {
  const api = await client(flags);
  const r = await call(api, 'GET', idPath(id, `/audit${opts.expect ? `?expect=${encodeURIComponent(opts.expect)}` : ''}`));
  const expected = r.expected as { hash: string; found: boolean; seq?: number } | undefined;
  const ok = r.verified === true && (expected === undefined || expected.found);
  if (flags.json) {
    io.out(JSON.stringify(r, null, 2));
    return ok ? EXIT.OK : EXIT.REFUSED;
  }
  if (r.verified !== true) {
    const f = r.failure as AuditFailure;
    io.out(`✖ ${id}: the record does not verify: ${describeFailure(f)}`);
    io.out(`  ${String(r.verifiedUpTo)} of ${String(r.count)} events verified before it`);
    return EXIT.REFUSED;
  }
  io.out(`✔ ${id}: the record verifies: ${String(r.count)} events chained from the submitted body (${String(r.bodyHash)})`);
  io.out(`  head sha256 ${String(r.headHash)} (event #${String(r.headSeq)})`);
  if (expected) {
    if (!expected.found) {
      io.out(`✖ the chain does not hold ${expected.hash}: the record was cut or rewritten since that hash was kept`);
      return EXIT.REFUSED;
    }
    io.out(`  holds ${expected.hash} at event #${String(expected.seq)}`);
  }
  return EXIT.OK;
}
