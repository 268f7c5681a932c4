// TEST phase over HTTP: the seed's smoke tests (one request per check, in order) and its k6 performance test,
// here with autocannon as the load generator. Used by both engines: it only needs to reach the target's URL.
import autocannon from 'autocannon';
import type { HttpCheck } from '../../core/schemas';
import type { LoadResult, LoadSpec, LoadTester, SmokeResult } from '../../ports';

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
   * Authentication" test feeds `getTestToken()` to "Estimate Creation"): a passing check whose JSON answer carries a
   * string `token` makes every later check send `Authorization: Bearer <token>`. A failing check never stops the
   * others: the report lists each result.
   */
  async smoke(baseUrl: string, checks: HttpCheck[]): Promise<SmokeResult[]> {
    const results: SmokeResult[] = [];
    let token: string | undefined;
    for (const check of checks) {
      const { result, issuedToken } = await this.runCheck(baseUrl, check, token);
      if (issuedToken) token = issuedToken;
      results.push(result);
    }
    return results;
  }

  private async runCheck(baseUrl: string, check: HttpCheck, token: string | undefined): Promise<{ result: SmokeResult; issuedToken?: string }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (check.body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.smokeTimeoutMs);
    const started = performance.now();
    const base = { name: check.name, suite: check.suite };
    try {
      const response = await this.fetchFn(targetUrl(baseUrl, check.path), {
        method: check.method,
        headers,
        body: check.body === undefined ? undefined : JSON.stringify(check.body),
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
      const issuedToken = tokenIn(text);
      const details = `HTTP ${response.status} in ${durationMs} ms${issuedToken ? ', token received' : ''}`;
      return { result: { ...base, status: 'PASS', durationMs, httpStatus: response.status, details }, issuedToken };
    } catch (err) {
      const durationMs = elapsed(started);
      const error = controller.signal.aborted ? `no answer within ${this.smokeTimeoutMs} ms` : describeError(err);
      return { result: { ...base, status: 'FAIL', durationMs, error } };
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * One autocannon run: `virtualUsers` connections for `durationSeconds`, each connection cycling over the paths
   * with GET. autocannon's latency summary has no p95 (p90 and p97.5 only), so every answer's latency is recorded
   * from its `response` events and the percentiles are computed here (nearest rank, 0.01 ms buckets rounded up).
   * Latency covers answered requests, as k6's http_req_duration does; requests without an answer (connection
   * errors, timeouts) count in the error rate. Errors are non-2xx answers plus autocannon's `errors`, which already
   * include its `timeouts`. A run that got no request through reports an error rate of 1: nothing measured is not
   * a pass.
   */
  async load(baseUrl: string, spec: LoadSpec): Promise<LoadResult> {
    if (spec.paths.length === 0) throw new RangeError('load test needs at least one path');
    const latencies = new LatencyHistogram();
    const instance = autocannon({
      url: baseUrl,
      connections: spec.virtualUsers,
      duration: spec.durationSeconds,
      timeout: this.loadTimeoutSeconds,
      requests: spec.paths.map((path) => {
        const url = targetUrl(baseUrl, path);
        return { method: 'GET', path: url.pathname + url.search };
      }),
    });
    instance.on('response', (_client, _status, _bytes, responseTimeMs) => latencies.record(responseTimeMs));
    const result = await instance;
    const requests = latencies.count + result.errors;
    const errors = result.non2xx + result.errors;
    return {
      requests,
      errors,
      errorRate: requests > 0 ? errors / requests : 1,
      avgMs: round2(latencies.mean()),
      p95Ms: round2(latencies.percentile(95)),
      p99Ms: round2(latencies.percentile(99)),
      durationSeconds: result.duration,
    };
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

function tokenIn(text: string): string | undefined {
  try {
    const body: unknown = JSON.parse(text);
    if (body && typeof body === 'object' && 'token' in body && typeof body.token === 'string' && body.token) return body.token;
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
