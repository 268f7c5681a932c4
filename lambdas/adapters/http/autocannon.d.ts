// Types for the part of autocannon 9 the load tester uses (the package ships none; checked against lib/run.js,
// lib/aggregateResult.js and its README). Result fields not read here are left out on purpose.
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  namespace autocannon {
    interface Request {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string;
      /** Called with each answer to this request, just before the client's `response` event for it. */
      onResponse?: (status: number, body: string, context: Record<string, unknown>, headers: Record<string, unknown>) => void;
    }

    /** One connection (README "Client API"). */
    interface Client extends EventEmitter {
      setRequests(requests: Request[]): void;
      on(event: 'response', listener: (statusCode: number, resBytes: number, responseTimeMs: number) => void): this;
      on(event: string, listener: (...args: unknown[]) => void): this;
    }

    interface Options {
      url: string;
      connections?: number;
      /** Seconds. */
      duration?: number;
      /** Seconds without an answer before a request counts as a timeout (and an error). */
      timeout?: number;
      headers?: Record<string, string>;
      requests?: Request[];
      /** Requests per second from each connection (at most; a fractional rate rounds up). */
      connectionRate?: number;
      /** Called once per connection as it is created, before its first request. */
      setupClient?: (client: Client) => void;
    }

    /** hdr-histogram-percentiles-obj: note there is no p95 (p90, p97_5 and p99 are the neighbours). */
    interface Histogram {
      average: number;
      mean: number;
      stddev: number;
      min: number;
      max: number;
      total?: number;
      p50: number;
      p90: number;
      p97_5: number;
      p99: number;
    }

    interface Result {
      /** Seconds. */
      duration: number;
      /** Connection errors, timeouts included. */
      errors: number;
      timeouts: number;
      /** Answers with a status outside 200–299. */
      non2xx: number;
      latency: Histogram;
      /** Per-second request counts; `total` is every completed request. */
      requests: Histogram & { sent: number };
    }

    interface Instance extends EventEmitter, PromiseLike<Result> {
      stop(): void;
      on(event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTimeMs: number) => void): this;
      on(event: string, listener: (...args: unknown[]) => void): this;
    }
  }

  function autocannon(options: autocannon.Options): autocannon.Instance;
  export = autocannon;
}
