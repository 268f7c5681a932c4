// TEST phase over HTTP: the seed's smoke tests (one request per check, in order) and its k6 performance test,
// here with autocannon as the load generator. Used by both engines: it only needs to reach the target's URL.
import autocannon from 'autocannon';
import type { HttpCheck, LoadCheck } from '../../core/schemas';
import type { LoadResult, LoadSpec, LoadTester, LoginSpec, SmokeResult } from '../../ports';

export interface HttpLoadTesterOptions {
  /** Injected so unit tests can answer without a server. */
  fetch?: typeof fetch;
  /** Per smoke check. */
  smokeTimeoutMs?: number;
  /** The seed's performance-baseline check: a `performance-baseline` smoke check slower than this fails. */
  performanceBaselineMs?: number;
  /** Per load-test request; a request without an answer by then is an error. */
  loadTimeoutSeconds?: number;
}

export class HttpLoadTester implements LoadTester {
  private readonly fetchFn: typeof fetch;
  private readonly smokeTimeoutMs: number;
  private readonly baselineMs: number;
  private readonly loadTimeoutSeconds: number;

  constructor(options: HttpLoadTesterOptions = {}) {
    this.fetchFn = options.fetch ?? fetch;
    this.smokeTimeoutMs = options.smokeTimeoutMs ?? 10_000;
    this.baselineMs = options.performanceBaselineMs ?? 2100;
    this.loadTimeoutSeconds = options.loadTimeoutSeconds ?? 10;
  }

  /**
   * Runs the checks one after another, in the order given. Login hand-off, as in the seed (its "User
   * Authentication" test feeds `getTestToken()` to "Estimate Creation"): a `login` check POSTs the resolved
   * credentials, and a passing check whose JSON answer carries the token field makes every later check send
   * `Authorization: Bearer <token>`. A failing check never stops the others: the report lists each result.
   */
  async smoke(baseUrl: string, checks: HttpCheck[], login?: LoginSpec): Promise<SmokeResult[]> {
    const results: SmokeResult[] = [];
    let token: string | undefined;
    for (const check of checks) {
      const { result, issuedToken } = await this.runCheck(baseUrl, check, token, login);
      if (issuedToken) token = issuedToken;
      results.push(result);
    }
    return results;
  }

  private async runCheck(baseUrl: string, check: HttpCheck, token: string | undefined, login: LoginSpec | undefined): Promise<{ result: SmokeResult; issuedToken?: string }> {
    const base = { name: check.name, suite: check.suite };
    if (check.login && !login) return { result: { ...base, status: 'FAIL', durationMs: 0, error: 'login check without credentials: the profile has no tests.auth' } };
    const body = check.login ? login?.body : check.body;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token && !check.login) headers.authorization = `Bearer ${token}`;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.smokeTimeoutMs);
    const started = performance.now();
    try {
      const response = await this.fetchFn(targetUrl(baseUrl, check.path), {
        method: check.method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: controller.signal,
      });
      const text = await response.text();
      const durationMs = elapsed(started);
      if (response.status !== check.expectedStatus) {
        return { result: { ...base, status: 'FAIL', durationMs, httpStatus: response.status, error: `expected HTTP ${check.expectedStatus}, got ${response.status}${snippet(text)}` } };
      }
      if (check.suite === 'performance-baseline' && durationMs > this.baselineMs) {
        return { result: { ...base, status: 'FAIL', durationMs, httpStatus: response.status, error: `response time ${durationMs} ms is over the ${this.baselineMs} ms baseline` } };
      }
      const issuedToken = tokenIn(text, login?.tokenField ?? 'token');
      if (check.login && !issuedToken) {
        return { result: { ...base, status: 'FAIL', durationMs, httpStatus: response.status, error: `login answered HTTP ${response.status} without a "${login?.tokenField ?? 'token'}" field` } };
      }
      const details = `HTTP ${response.status} in ${durationMs} ms${issuedToken ? ', token received' : ''}`;
      return { result: { ...base, status: 'PASS', durationMs, httpStatus: response.status, details }, ...(issuedToken ? { issuedToken } : {}) };
    } catch (err) {
      const durationMs = elapsed(started);
      const error = controller.signal.aborted ? `no answer within ${this.smokeTimeoutMs} ms` : describeError(err);
      return { result: { ...base, status: 'FAIL', durationMs, error } };
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The seed's k6 script on autocannon: `virtualUsers` connections for `durationSeconds`, each one a virtual user
   * cycling over the paths with GET.
   * - Login: each virtual user first POSTs the credentials to the login path and sends the token it got as a
   *   Bearer header on every request (one token per connection, set with autocannon's `setupClient`); a login
   *   without a token counts as a failed request and that user goes on without one, as a k6 script would.
   * - Think time: k6's `sleep(thinkTime)` after each round of the paths becomes autocannon's `connectionRate`:
   *   each connection sends at most ceil(paths ÷ thinkTime) requests per second (the schema keeps that ≥ 1).
   * - Failures as k6's http_req_failed counts them: status ≥ 400, or no answer (connection error, timeout), plus a
   *   failed declared check (status, response time); a 3xx is an answer like any other (not followed, not failed).
   * - Latency as k6's http_req_duration: every answered request, failed or not, logins included. autocannon's
   *   summary has no p95, so each answer's time is recorded from the connection's `response` events and the
   *   percentiles are computed here (nearest rank, 0.01 ms buckets rounded up). A request with no answer has no
   *   latency; it counts in the error rate. A run that got no request through reports an error rate of 1.
   */
  async load(baseUrl: string, spec: LoadSpec, signal?: AbortSignal): Promise<LoadResult> {
    if (spec.paths.length === 0) throw new RangeError('load test needs at least one path');
    const stats = new LoadStats();
    const tokens: (string | undefined)[] = spec.login ? await this.logins(baseUrl, spec.login, spec.virtualUsers, stats) : [];
    // Aborted during the logins: no load at all.
    if (signal?.aborted) return { ...emptyResult(stats, tokens), aborted: true };
    const checks = new Map((spec.checks ?? []).map((c) => [c.path, c]));
    const paths = spec.paths.map((path) => {
      const url = targetUrl(baseUrl, path);
      return { path, wire: url.pathname + url.search };
    });
    const think = spec.thinkTimeSeconds ?? 0;
    let connection = 0;
    const instance = autocannon({
      url: baseUrl,
      connections: spec.virtualUsers,
      duration: spec.durationSeconds,
      timeout: this.loadTimeoutSeconds,
      ...(think > 0 ? { connectionRate: Math.ceil(paths.length / think) } : {}),
      requests: paths.map((p) => ({ method: 'GET', path: p.wire })),
      setupClient: (client) => {
        // Connection i is virtual user i: its own token, or none when its login failed.
        const token = tokens[connection % Math.max(1, tokens.length)];
        connection += 1;
        // Which path the answer belongs to: autocannon calls a request's onResponse just before the client's
        // `response` event for that same answer.
        const vu = { answering: 0 };
        const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
        client.setRequests(paths.map((p, index) => ({
          method: 'GET',
          path: p.wire,
          headers,
          onResponse: () => { vu.answering = index; },
        })));
        client.on('response', (status: number, _bytes: number, responseTimeMs: number) => {
          stats.answer(status, responseTimeMs, checks.get(paths[vu.answering]?.path ?? ''));
        });
      },
    });
    // autocannon's stop() ends the run at its next tick (every second at most) and resolves with what it measured.
    const stop = (): void => instance.stop();
    signal?.addEventListener('abort', stop, { once: true });
    let result: Awaited<typeof instance>;
    try {
      result = await instance;
    } finally {
      signal?.removeEventListener('abort', stop);
    }
    const requests = stats.answered + stats.unanswered + result.errors;
    const errors = stats.failed + stats.unanswered + result.errors;
    return {
      requests,
      errors,
      errorRate: requests > 0 ? errors / requests : 1,
      avgMs: round2(stats.latencies.mean()),
      p95Ms: round2(stats.latencies.percentile(95)),
      p99Ms: round2(stats.latencies.percentile(99)),
      durationSeconds: result.duration,
      checksFailed: stats.checksFailed,
      loginsFailed: tokens.filter((t) => t === undefined).length,
      thinkTimeSeconds: think,
      ...(signal?.aborted ? { aborted: true } : {}),
    };
  }

  /** One login per virtual user, all at once as k6 starts its VUs; each user's token, undefined where its login failed. */
  private async logins(baseUrl: string, login: LoginSpec, users: number, stats: LoadStats): Promise<(string | undefined)[]> {
    const one = async (): Promise<string | undefined> => {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), this.loadTimeoutSeconds * 1000);
      const started = performance.now();
      try {
        const response = await this.fetchFn(targetUrl(baseUrl, login.path), {
          method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify(login.body), signal: controller.signal, redirect: 'manual',
        });
        const text = await response.text();
        const token = response.status < 400 ? tokenIn(text, login.tokenField) : undefined;
        stats.answer(response.status, performance.now() - started, undefined, token === undefined);
        return token;
      } catch {
        stats.unanswered += 1;
        return undefined;
      } finally {
        clearTimeout(timer);
      }
    };
    return Promise.all(Array.from({ length: users }, one));
  }
}

/** A load test stopped before its first request: only the logins were sent. */
function emptyResult(stats: LoadStats, tokens: (string | undefined)[]): LoadResult {
  const requests = stats.answered + stats.unanswered;
  const errors = stats.failed + stats.unanswered;
  return {
    requests, errors, errorRate: requests > 0 ? errors / requests : 0, avgMs: 0, p95Ms: 0, p99Ms: 0, durationSeconds: 0,
    loginsFailed: tokens.filter((t) => t === undefined).length,
  };
}

/** What the load test counted itself (autocannon's own `errors` add the requests that got no answer). */
class LoadStats {
  readonly latencies = new LatencyHistogram();
  answered = 0;
  /** Answered, but failed: status ≥ 400, a failed check, or a login without a token. */
  failed = 0;
  checksFailed = 0;
  /** Logins that got no answer (autocannon counts its own). */
  unanswered = 0;

  answer(status: number, ms: number, check: LoadCheck | undefined, failedOtherwise = false): void {
    this.answered += 1;
    this.latencies.record(ms);
    const checkFailed = check !== undefined
      && ((check.expectedStatus !== undefined && status !== check.expectedStatus) || (check.maxResponseMs !== undefined && ms >= check.maxResponseMs));
    if (checkFailed) this.checksFailed += 1;
    if (status >= 400 || checkFailed || failedOtherwise) this.failed += 1;
  }
}

/**
 * Sparse histogram of latencies at 0.01 ms resolution: exact enough for thresholds in milliseconds, and memory
 * bounded by the spread of latencies rather than by the request count (a 50-user, 300-s run can exceed a million).
 */
class LatencyHistogram {
  private readonly buckets = new Map<number, number>();
  count = 0;
  private sum = 0;

  record(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    // Rounded up so a bucket never reports a request as faster than it was.
    const key = Math.ceil(ms * 100);
    this.buckets.set(key, (this.buckets.get(key) ?? 0) + 1);
    this.count += 1;
    this.sum += ms;
  }

  mean(): number {
    return this.count ? this.sum / this.count : 0;
  }

  /** Nearest rank, like the evaluator's `percentile`; 0 when nothing was answered. */
  percentile(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil((Math.min(100, Math.max(0, p)) / 100) * this.count));
    let seen = 0;
    for (const key of [...this.buckets.keys()].sort((a, b) => a - b)) {
      seen += this.buckets.get(key) ?? 0;
      if (seen >= rank) return key / 100;
    }
    return 0;
  }
}

/** Joins a check path onto the base URL, keeping a base path such as https://host/app. */
function targetUrl(baseUrl: string, path: string): URL {
  const base = new URL(baseUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  return new URL(`${prefix}${path}`, base.origin);
}

function tokenIn(text: string, field: string): string | undefined {
  try {
    const body: unknown = JSON.parse(text);
    const value = body && typeof body === 'object' ? (body as Record<string, unknown>)[field] : undefined;
    if (typeof value === 'string' && value) return value;
  } catch {
    // Not JSON: nothing to hand on.
  }
  return undefined;
}

function snippet(text: string): string {
  const trimmed = text.trim().replace(/\s+/g, ' ');
  return trimmed ? `: ${trimmed.slice(0, 200)}` : '';
}

function describeError(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  // undici reports "fetch failed" and hides the useful part (ECONNREFUSED…) in `cause`.
  const cause = e.cause?.code ?? e.cause?.message;
  return cause ? `${e.message} (${cause})` : String(e.message ?? err);
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
