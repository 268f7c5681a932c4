// An API Gateway REST proxy event (`{proxy+}` resource, stage v1) as the api function receives it, with the IAM
// identity API Gateway authenticated: https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
import type { APIGatewayProxyEvent } from 'aws-lambda';

/** The operator the events come from unless a test says otherwise. */
export const API_USER = 'arn:aws:sts::123456789012:assumed-role/Operators/alice';

export interface ApiEventOptions {
  body?: string;
  /** The caller's IAM ARN; null: no IAM identity (an unsigned request). Default API_USER. */
  user?: string | null;
  /** requestContext.identity.caller; default 'AROAEXAMPLE:alice' when there is a user. */
  caller?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
}

export function apiGatewayEvent(method: string, path: string, options: ApiEventOptions = {}): APIGatewayProxyEvent {
  const user = options.user === undefined ? API_USER : options.user;
  return {
    httpMethod: method, path, resource: '/{proxy+}', body: options.body ?? null, isBase64Encoded: false,
    headers: options.headers ?? {}, multiValueHeaders: {}, queryStringParameters: options.query ?? null, multiValueQueryStringParameters: null,
    pathParameters: null, stageVariables: null,
    requestContext: {
      accountId: '123456789012', apiId: 'abc123', stage: 'v1', path: `/v1${path}`, domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
      httpMethod: method, requestId: 'r-1', requestTimeEpoch: 0, resourceId: 'x', resourcePath: '/{proxy+}', protocol: 'HTTP/1.1', authorizer: null,
      identity: { userArn: user, caller: user ? (options.caller ?? 'AROAEXAMPLE:alice') : null } as APIGatewayProxyEvent['requestContext']['identity'],
    },
  } as APIGatewayProxyEvent;
}
