// How CLI commands reach the API: the local `runbook serve` (URL from <home>/serve.json, bearer token from --token,
// RUNBOOK_TOKEN or <home>/operator-token) or a deployed API with `--endpoint` (SigV4 with the default AWS credential
// chain). Failures become a CliError carrying the documented exit code.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TOKEN_FILE } from '../../lambdas/api/local-auth';
import { isAlive } from '../../lambdas/embedded/dynalite';
import { regionFromUrl, signRequest } from './sigv4';

export const EXIT = { OK: 0, REFUSED: 1, USAGE: 2, UNREACHABLE: 3 } as const;
export const SERVE_FILE = 'serve.json';

/** What the API answered, kept on the error for `--json` (which prints it as `{ "error": … }`). */
export interface ApiErrorDetail { status: number; code?: string; message: string; fields?: { path: string; message: string }[] }

export class CliError extends Error {
  override name = 'CliError';
  constructor(message: string, readonly exitCode: number, readonly api?: ApiErrorDetail) { super(message); }
}

export interface ServeInfo { url: string; pid: number; environment?: string; startedAt?: string }

export interface ConnectOptions {
  home: string;
  endpoint?: string;
  region?: string;
  token?: string;
  env?: Record<string, string | undefined>;
  /** Tests: a fixed credential provider instead of the default chain. */
  credentials?: Parameters<typeof signRequest>[1]['credentials'];
}

export interface ApiResult {
  status: number;
  contentType: string;
  text: string;
  json<T = Record<string, unknown>>(): T;
}

export interface ApiClient {
  /** Where requests go, for messages. */
  target: string;
  /** What to do about a 401 from this target (which token it sent, where it came from). */
  unauthorizedHint?: string;
  request(method: string, path: string, options?: { body?: string; contentType?: string; query?: Record<string, string | undefined> }): Promise<ApiResult>;
}

export function readServeInfo(home: string): ServeInfo {
  const file = join(resolve(home), SERVE_FILE);
  if (!existsSync(file)) throw new CliError(`no local server: ${file} does not exist. Start one with \`npx runbook serve\` (or pass --endpoint URL for a deployed API)`, EXIT.UNREACHABLE);
  let info: ServeInfo;
  try {
    info = JSON.parse(readFileSync(file, 'utf8')) as ServeInfo;
  } catch (err) {
    throw new CliError(`${file} is not valid JSON: ${(err as Error).message}`, EXIT.UNREACHABLE);
  }
  if (typeof info.url !== 'string') throw new CliError(`${file} names no url`, EXIT.UNREACHABLE);
  if (Number.isInteger(info.pid) && !isAlive(info.pid)) {
    throw new CliError(`the local server (pid ${info.pid}, ${info.url}) is not running any more; start it with \`npx runbook serve\``, EXIT.UNREACHABLE);
  }
  return info;
}

function localToken(options: ConnectOptions): { token?: string; from: string } {
  if (options.token) return { token: options.token, from: '--token' };
  const fromEnv = (options.env ?? process.env).RUNBOOK_TOKEN;
  if (fromEnv) return { token: fromEnv, from: 'RUNBOOK_TOKEN' };
  const file = join(resolve(options.home), TOKEN_FILE);
  return existsSync(file) ? { token: readFileSync(file, 'utf8').trim(), from: file } : { from: `none (${file} does not exist)` };
}

async function send(url: URL, init: RequestInit, target: string): Promise<ApiResult> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(60_000) });
  } catch (err) {
    const cause = (err as Error & { cause?: Error }).cause;
    throw new CliError(`cannot reach ${target}: ${cause?.message ?? (err as Error).message}`, EXIT.UNREACHABLE);
  }
  const text = await res.text();
  return {
    status: res.status,
    contentType: res.headers.get('content-type') ?? '',
    text,
    json<T>(): T {
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new CliError(`${target} answered ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`, EXIT.UNREACHABLE);
      }
    },
  };
}

function urlFor(base: string, path: string, query: Record<string, string | undefined> = {}): URL {
  const url = new URL(base.replace(/\/+$/, '') + path);
  for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, value);
  return url;
}

export async function connect(options: ConnectOptions): Promise<ApiClient> {
  if (options.endpoint) return endpointClient(options.endpoint, options);
  const info = readServeInfo(options.home);
  const { token, from } = localToken(options);
  const tokenFile = join(resolve(options.home), TOKEN_FILE);
  return {
    target: info.url,
    unauthorizedHint: `the token sent came from ${from}; this home's operator token is ${tokenFile} (written by \`runbook serve\` for its OS user), or pass --token / set RUNBOOK_TOKEN to an operator's token`,
    request: (method, path, o = {}) => send(urlFor(info.url, path, o.query), {
      method,
      headers: {
        accept: 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(o.contentType ? { 'content-type': o.contentType } : {}),
      },
      ...(o.body !== undefined ? { body: o.body } : {}),
    }, info.url),
  };
}

async function endpointClient(endpoint: string, options: ConnectOptions): Promise<ApiClient> {
  let base: URL;
  try {
    base = new URL(endpoint);
  } catch {
    throw new CliError(`--endpoint ${endpoint} is not a URL`, EXIT.USAGE);
  }
  const env = options.env ?? process.env;
  const region = options.region ?? regionFromUrl(base) ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new CliError(`cannot tell the region of ${endpoint}: pass --region`, EXIT.USAGE);
  let credentials = options.credentials;
  if (!credentials) {
    // Loaded only for --endpoint: the local commands never need AWS configuration.
    const { fromNodeProviderChain } = await import('@aws-sdk/credential-providers');
    credentials = fromNodeProviderChain();
  }
  const provider = credentials;
  return {
    target: endpoint,
    async request(method, path, o = {}) {
      const url = urlFor(endpoint, path, o.query);
      const headers: Record<string, string> = { accept: 'application/json', ...(o.contentType ? { 'content-type': o.contentType } : {}) };
      let signed: Record<string, string>;
      try {
        signed = await signRequest({ method, url, headers, ...(o.body !== undefined ? { body: o.body } : {}) }, { credentials: provider, region });
      } catch (err) {
        throw new CliError(`cannot sign the request to ${endpoint} (no AWS credentials?): ${(err as Error).message}`, EXIT.UNREACHABLE);
      }
      // fetch sets Host itself from the URL; sending it again is refused by undici.
      delete signed.host;
      return send(url, { method, headers: signed, ...(o.body !== undefined ? { body: o.body } : {}) }, endpoint);
    },
  };
}

interface ErrorBody { error?: { code?: string; message?: string; fields?: { path: string; message: string }[] } }

/**
 * A validation message lists every field inline ("…: a: x; b: y"); the fields are printed one per line below it, so
 * the headline stops where the first field starts and a field already said in full is not said again.
 */
function headline(message: string, fields: { path: string; message: string }[]): { head: string; rest: { path: string; message: string }[] } {
  const first = fields[0];
  const cut = first?.path ? message.indexOf(`: ${first.path}: `) : -1;
  const head = cut > 0 ? message.slice(0, cut) : message;
  return { head, rest: fields.filter((f) => !head.includes(f.path ? `${f.path}: ${f.message}` : f.message)) };
}

/** 2xx passes; the API's error body becomes the CliError message (4xx → 1, anything else → 3). */
export function expectOk(res: ApiResult, target: string, unauthorizedHint?: string): ApiResult {
  if (res.status >= 200 && res.status < 300) return res;
  let body: ErrorBody = {};
  try {
    body = JSON.parse(res.text) as ErrorBody;
  } catch {
    // not the API's error shape (a proxy in between): shown as text below
  }
  const e = body.error;
  const { head, rest } = headline(e?.message ?? '', e?.fields ?? []);
  const fields = rest.length ? `\n${rest.map((f) => `  ${f.path || '(body)'}: ${f.message}`).join('\n')}` : '';
  const hint = res.status === 401 && unauthorizedHint ? `\n  (${unauthorizedHint})` : '';
  const message = e?.message ? `${res.status} ${e.code ?? ''}: ${head}${fields}${hint}` : `${target} answered ${res.status}: ${res.text.slice(0, 300)}`;
  const detail: ApiErrorDetail = e?.message
    ? { status: res.status, ...(e.code ? { code: e.code } : {}), message: e.message, ...(e.fields?.length ? { fields: e.fields } : {}) }
    : { status: res.status, message: res.text.slice(0, 300) };
  throw new CliError(message, res.status >= 400 && res.status < 500 ? EXIT.REFUSED : EXIT.UNREACHABLE, detail);
}
