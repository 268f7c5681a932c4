// The API's one route table and dispatcher, framework-free: match the path, check the method (405 with Allow),
// require an authenticated caller (only /health is public), run the route, and turn every error into the shared
// error body through the one error table. API Gateway (lambdas/aws/api.ts) and `runbook serve` both call this.
import { NotFoundError } from '../core/errors';
import type { Logger } from '../ports';
import { approve } from './approvals';
import { audit } from './audit';
import { assertBodySize, parseCancelBody } from './body';
import { requestCancel } from '../phases/cancel';
import { releaseEnvironment } from '../phases/release';
import { rollbackInterrupted } from '../phases/resume';
import { CHANGE_ID } from '../core/schemas';
import { get, list, submit } from './changes';
import type { ApiContext } from './context';
import { badField, errorResponse, json, MethodNotAllowedError, UnauthorizedError, type ApiRequest, type ApiResponse, type Identity } from './http';
import { history, listChecks, report, runCheck } from './reports';

type RouteHandler = (ctx: ApiContext, req: ApiRequest, id: string) => Promise<ApiResponse>;

interface Route {
  /** Path segments; `{id}` is a change id. */
  pattern: string;
  methods: Partial<Record<'GET' | 'POST', RouteHandler>>;
  public?: boolean;
}

export const ROUTES: Route[] = [
  {
    pattern: '/health',
    public: true,
    methods: { GET: async (ctx) => json(200, { status: 'ok', engine: ctx.engine, environment: (await ctx.profile()).name }) },
  },
  {
    // Who the caller is, as every other route sees them: the console shows it after signing in.
    pattern: '/whoami',
    methods: {
      GET: async (_ctx, req) => {
        const { id, roles } = req.identity as Identity;
        return json(200, { caller: id, ...(roles ? { roles } : {}) });
      },
    },
  },
  { pattern: '/changes', methods: { GET: list, POST: submit } },
  { pattern: '/changes/{id}', methods: { GET: get } },
  { pattern: '/changes/{id}/approvals', methods: { POST: approve } },
  {
    pattern: '/changes/{id}/cancel',
    methods: {
      POST: async (ctx, req, id) => {
        const { reason } = parseCancelBody(req);
        const outcome = await requestCancel(ctx.deps, ctx.control, { changeId: id, by: (req.identity as Identity).id, ...(reason ? { reason } : {}) });
        const { statusCode, ...body } = outcome;
        return json(statusCode, body);
      },
    },
  },
  {
    // After MANUAL_INTERVENTION: the operator who restored the service frees the environment.
    pattern: '/changes/{id}/release',
    methods: {
      POST: async (ctx, req, id) => {
        const { reason } = parseCancelBody(req);
        return json(200, await releaseEnvironment(ctx.deps, { changeId: id, by: (req.identity as Identity).id, ...(reason ? { reason } : {}) }));
      },
    },
  },
  {
    // A change interrupted after ACT began and held (onInterrupted: hold): roll it back now, as a rollback-only run.
    pattern: '/changes/{id}/rollback',
    methods: {
      POST: async (ctx, req, id) => json(202, await rollbackInterrupted(ctx.deps, { changeId: id, by: (req.identity as Identity).id })),
    },
  },
  { pattern: '/changes/{id}/report', methods: { GET: report } },
  { pattern: '/changes/{id}/history', methods: { GET: history } },
  { pattern: '/changes/{id}/audit', methods: { GET: audit } },
  { pattern: '/checks', methods: { GET: listChecks, POST: (ctx) => runCheck(ctx) } },
];

function match(path: string): { route: Route; id: string } | undefined {
  const segments = path.replace(/\/+$/, '').split('/').filter(Boolean);
  for (const route of ROUTES) {
    const parts = route.pattern.split('/').filter(Boolean);
    if (parts.length !== segments.length) continue;
    let id = '';
    const ok = parts.every((part, i) => {
      const segment = segments[i] ?? '';
      if (part === '{id}') {
        id = segment;
        return true;
      }
      return part === segment;
    });
    if (ok) return { route, id };
  }
  return undefined;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export interface ApiOptions {
  log: Logger;
  /** Called after each request (access log). */
  onRequest?: (req: ApiRequest, res: ApiResponse) => void;
}

export type Api = (req: ApiRequest) => Promise<ApiResponse>;

export function createApi(ctx: ApiContext, options: ApiOptions): Api {
  return async (req) => {
    let res: ApiResponse;
    try {
      res = await dispatch(ctx, req);
    } catch (err) {
      res = errorResponse(err, options.log, { method: req.method, path: req.path });
    }
    options.onRequest?.(req, res);
    return res;
  };
}

async function dispatch(ctx: ApiContext, req: ApiRequest): Promise<ApiResponse> {
  const found = match(req.path);
  if (!found) throw new NotFoundError(`no route ${req.path} (routes: ${ROUTES.map((r) => r.pattern).join(', ')})`);
  const method = req.method.toUpperCase();
  const handler = found.route.methods[method as 'GET' | 'POST'];
  if (!handler) {
    const allow = Object.keys(found.route.methods);
    throw new MethodNotAllowedError(`${method} is not allowed on ${found.route.pattern} (allowed: ${allow.join(', ')})`, allow);
  }
  if (!found.route.public && !req.identity) {
    throw new UnauthorizedError('authentication required: send "Authorization: Bearer <token>" (runbook serve) or a SigV4-signed request (AWS)');
  }
  assertBodySize(req.body);
  const id = decode(found.id);
  if (found.route.pattern.includes('{id}') && !CHANGE_ID.test(id)) throw badField('id', `"${id}" is not a change id (CR-YYYY-NNN)`);
  return handler(ctx, req, id);
}
