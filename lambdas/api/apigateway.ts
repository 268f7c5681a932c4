// API Gateway (REST, Lambda proxy) events in and out of the API's own request and response shapes. The caller is
// the IAM principal API Gateway authenticated with SigV4: requestContext.identity.userArn (or caller), never a
// header or a body field.
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { ApiRequest, ApiResponse, Identity } from './http';

export function identityOf(event: Pick<APIGatewayProxyEvent, 'requestContext'>): Identity | undefined {
  const id = event.requestContext?.identity?.userArn ?? event.requestContext?.identity?.caller ?? undefined;
  return id ? { id } : undefined;
}

/**
 * The URL the routes hang under, as the caller used it: the stage (`/v1`) on the execute-api host, or a custom
 * domain's base path; requestContext.path is what the caller asked for, event.path the route within it.
 */
export function baseUrlOf(event: Pick<APIGatewayProxyEvent, 'path' | 'requestContext'>): string {
  const domain = event.requestContext.domainName ?? 'localhost';
  const full = event.requestContext.path ?? '';
  const prefix = full.endsWith(event.path) ? full.slice(0, full.length - event.path.length) : `/${event.requestContext.stage}`;
  return `https://${domain}${prefix.replace(/\/+$/, '')}`;
}

export function toApiRequest(event: APIGatewayProxyEvent): ApiRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value ?? undefined;
  const body = event.body == null ? undefined : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  const identity = identityOf(event);
  const query: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) query[name] = value ?? undefined;
  return {
    method: event.httpMethod, path: event.path, query, headers, baseUrl: baseUrlOf(event),
    ...(body !== undefined ? { body } : {}), ...(identity ? { identity } : {}),
  };
}

export function toProxyResult(res: ApiResponse): APIGatewayProxyResult {
  return { statusCode: res.statusCode, headers: res.headers, body: res.body };
}
