// The local web console's server side, for `runbook serve` only (node:http, never behind API Gateway): the page and
// its assets from the checked-in web/ folder (no build step, nothing from another origin), the state machine
// definition the page draws, and `GET /events` — Server-Sent Events of the store's writes for signed-in operators.
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { ChangeWrite } from '../adapters/dynamodb/change-store';
import { text, type ApiResponse } from './http';

export const WEB_DIR = join(__dirname, '..', '..', 'web');
export const ASL_FILE = join(__dirname, '..', '..', 'statemachines', 'runbook.asl.json');
/** Where the page's assets hang: `/console/<file>`. */
export const ASSET_PREFIX = '/console/';

/**
 * Everything the page loads comes from this origin; no inline script or style, no frames, no forms posted elsewhere.
 * Another site can neither script the page nor read what it fetches.
 */
export const CONSOLE_CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
  "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

const TYPES: Record<string, string> = {
  html: 'text/html', js: 'text/javascript', css: 'text/css', svg: 'image/svg+xml', json: 'application/json',
};

/** Flat names only: no directories, no dot-files, so a path can never leave web/. */
const ASSET_NAME = /^[a-z0-9][a-z0-9-]*\.(js|css|svg)$/;

function asset(file: string, type: string): ApiResponse {
  const body = readFileSync(file, 'utf8');
  const out = text(200, body, type);
  return { ...out, headers: { ...out.headers, ...SECURITY_HEADERS } };
}

/** The console's page or one of its assets for a GET of `path`; undefined when the path is not the console's. */
export function consoleResponse(path: string): ApiResponse | undefined {
  if (path === '/' || path === '/index.html') return asset(join(WEB_DIR, 'index.html'), TYPES.html as string);
  if (!path.startsWith(ASSET_PREFIX)) return undefined;
  const name = path.slice(ASSET_PREFIX.length);
  // The definition the graph is drawn from: the same file both engines run.
  if (name === 'runbook.asl.json') return asset(ASL_FILE, TYPES.json as string);
  if (!ASSET_NAME.test(name)) return undefined;
  try {
    return asset(join(WEB_DIR, name), TYPES[name.slice(name.lastIndexOf('.') + 1)] as string);
  } catch {
    return undefined;
  }
}

/** Only the loopback address and the port being served: a page on another name (DNS rebinding) is refused. */
export function hostAllowed(host: string | undefined, port: number): boolean {
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

export interface EventStreamOptions {
  subscribe: (listener: (write: ChangeWrite) => void) => () => void;
  /** Streams open at once, all pages together; one more is refused with 503. */
  maxStreams?: number;
  /** Streams open at once for one caller (their tabs), so one operator's pages cannot use up everyone's. */
  maxStreamsPerCaller?: number;
  /** A comment line this often keeps proxies and the page's reader from taking a quiet stream for a dead one. */
  heartbeatMs?: number;
}

export const DEFAULT_MAX_STREAMS = 64;
/** Above what one browser can hold anyway: Chromium opens at most 6 HTTP/1.1 connections to one host. */
export const DEFAULT_MAX_STREAMS_PER_CALLER = 8;
export const DEFAULT_HEARTBEAT_MS = 15_000;
/** Bytes written to a stream and not yet taken by its reader past which the stream is closed. */
const MAX_UNREAD_BYTES = 1024 * 1024;

/** Why a stream was refused: the page shows the message as it is. */
export interface StreamRefusal {
  code: 'TooManyStreams';
  message: string;
}

/** The open `GET /events` streams: each subscribed to the feed while its connection lasts. */
export class EventStreams {
  /** Each open stream and whose it is. */
  private readonly open = new Map<ServerResponse, string>();
  private readonly max: number;
  private readonly maxPerCaller: number;
  private readonly heartbeatMs: number;

  constructor(private readonly options: EventStreamOptions) {
    this.max = options.maxStreams ?? DEFAULT_MAX_STREAMS;
    this.maxPerCaller = options.maxStreamsPerCaller ?? DEFAULT_MAX_STREAMS_PER_CALLER;
    this.heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  }

  get size(): number {
    return this.open.size;
  }

  /** Streams open for `caller` now. */
  countOf(caller: string): number {
    let n = 0;
    for (const owner of this.open.values()) if (owner === caller) n += 1;
    return n;
  }

  /** Undefined when the stream was opened; otherwise why not (the caller answers 503 with it). */
  accept(res: ServerResponse, caller: string): StreamRefusal | undefined {
    const mine = this.countOf(caller);
    if (mine >= this.maxPerCaller) {
      return { code: 'TooManyStreams', message: `${caller} already has ${mine} event streams open (at most ${this.maxPerCaller} per operator): close a console tab and the page reconnects` };
    }
    if (this.open.size >= this.max) {
      return { code: 'TooManyStreams', message: `${this.open.size} event streams are open on this server (at most ${this.max}): close a console tab and the page reconnects` };
    }
    this.open.set(res, caller);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive',
      'x-accel-buffering': 'no', ...SECURITY_HEADERS,
    });
    res.write(`retry: 3000\nevent: hello\ndata: ${JSON.stringify({ caller, at: new Date().toISOString() })}\n\n`);
    const unsubscribe = this.options.subscribe((write) => {
      // A page that stopped reading is dropped rather than buffered for without end; it reconnects when it can.
      if (res.writableLength > MAX_UNREAD_BYTES) res.destroy();
      else res.write(`event: change\ndata: ${JSON.stringify(write)}\n\n`);
    });
    const heartbeat = setInterval(() => res.write(`: heartbeat ${new Date().toISOString()}\n\n`), this.heartbeatMs);
    heartbeat.unref();
    const socket = res.socket;
    let cleaned = false;
    const cleanup = (): void => {
      if (cleaned) return;
      cleaned = true;
      socket?.off('end', cleanup);
      clearInterval(heartbeat);
      unsubscribe();
      this.open.delete(res);
    };
    // Not the request's 'close': a request emits it as soon as its (empty) body has been read. The response's 'close'
    // comes only once the server's half of the socket has ended too, a few ms after the page went; the socket's 'end'
    // (the page closed its side: a closed tab, an aborted fetch) frees the slot at once, so a page that reloads or
    // signs in again is not refused for its own stream that is already gone.
    socket?.once('end', cleanup);
    res.on('close', cleanup);
    res.on('error', cleanup);
    return undefined;
  }

  /** Ends every stream (the server is stopping): pages see the end and reconnect to the next server. */
  closeAll(): void {
    for (const res of [...this.open.keys()]) res.end();
  }
}
