// The API on node:http for `runbook serve`: 127.0.0.1 only, bearer-token identity, the body size limit enforced
// while reading (so an oversized body is never buffered), then the same router API Gateway calls.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../ports';
import { consoleResponse, EventStreams, hostAllowed, type EventStreamOptions } from './console';
import { errorResponse, json, MAX_BODY_BYTES, PayloadTooLargeError, UnauthorizedError, type ApiResponse, type Identity } from './http';
import type { Api } from './router';

export interface NodeServerOptions {
  api: Api;
  authenticate: (authorization: string | undefined) => Identity | undefined;
  port: number;
  /** Only loopback is supported: the bearer tokens travel in clear text. */
  host?: '127.0.0.1';
  maxBodyBytes?: number;
  log: Logger;
  /** The web console (`GET /`, `/console/*`) and its live feed (`GET /events`); without it those paths are the API's 404. */
  console?: EventStreamOptions;
}

export interface NodeServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

function send(res: ServerResponse, out: ApiResponse, extra: Record<string, string> = {}): void {
  res.writeHead(out.statusCode, { ...out.headers, ...extra, 'content-length': String(Buffer.byteLength(out.body)) });
  res.end(out.body);
}

/** Reads the body up to `limit` bytes; past it, the rest is drained unread and undefined is returned. */
function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      if (!over) chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A refused stream's page tries again after this long (the `Retry-After` it is sent). */
export const STREAM_RETRY_AFTER_SECONDS = 5;

/** The console's page and assets, and `GET /events`; false when the path is the API's. */
async function serveConsole(req: IncomingMessage, res: ServerResponse, streams: EventStreams, options: NodeServerOptions): Promise<boolean> {
  const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
  if (path === '/events') {
    req.resume();
    // A bearer header, like every route: EventSource cannot send one, so the page reads this with fetch().
    const identity = options.authenticate(req.headers.authorization);
    if (!identity) {
      send(res, errorResponse(new UnauthorizedError('authentication required: send "Authorization: Bearer <token>" (the page reads /events with fetch, never with the token in the URL)'), options.log));
    } else {
      const refused = streams.accept(res, identity.id);
      if (refused) send(res, json(503, { error: refused }), { 'retry-after': String(STREAM_RETRY_AFTER_SECONDS) });
    }
    return true;
  }
  const page = consoleResponse(path);
  if (!page) return false;
  req.resume();
  send(res, page);
  return true;
}

export async function listen(options: NodeServerOptions): Promise<NodeServer> {
  const host = options.host ?? '127.0.0.1';
  const limit = options.maxBodyBytes ?? MAX_BODY_BYTES;
  let baseUrl = '';
  let port = 0;
  const streams = options.console ? new EventStreams(options.console) : undefined;
  const server = createServer((req, res) => {
    void (async () => {
      try {
        // DNS rebinding: a page served under another name that resolves to 127.0.0.1 must not reach the API.
        if (!hostAllowed(req.headers.host, port)) {
          req.resume();
          send(res, json(421, { error: { code: 'MisdirectedRequest', message: `Host "${req.headers.host ?? ''}" is not this server: use http://127.0.0.1:${port}` } }), { connection: 'close' });
          return;
        }
        if (streams && req.method === 'GET' && (await serveConsole(req, res, streams, options))) return;
        const declared = Number(req.headers['content-length'] ?? '0');
        if (declared > limit) {
          // Refused on the header alone; the connection closes so the client stops sending.
          req.resume();
          send(res, errorResponse(new PayloadTooLargeError(`request body is larger than ${limit} bytes`), options.log), { connection: 'close' });
          return;
        }
        const body = await readBody(req, limit);
        if (body === undefined) {
          send(res, errorResponse(new PayloadTooLargeError(`request body is larger than ${limit} bytes`), options.log), { connection: 'close' });
          return;
        }
        const url = new URL(req.url ?? '/', baseUrl);
        const headers: Record<string, string | undefined> = {};
        for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
        const identity = options.authenticate(headers.authorization);
        const out = await options.api({
          method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers,
          ...(body ? { body } : {}), ...(identity ? { identity } : {}), baseUrl,
        });
        send(res, out);
      } catch (err) {
        if (!res.headersSent) send(res, errorResponse(err, options.log));
        else res.destroy();
      }
    })();
  });
  server.requestTimeout = 60_000;
  server.headersTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  baseUrl = `http://${host}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url: baseUrl,
    port,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Event streams never go idle on their own.
        streams?.closeAll();
        server.closeIdleConnections();
        // Requests still running get a moment to answer; a client that keeps a connection open does not hold the exit.
        setTimeout(() => server.closeAllConnections(), 2_000).unref();
      });
      return closing;
    },
  };
}
