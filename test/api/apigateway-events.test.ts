// API Gateway proxy events in and out without a Lambda: who the caller is (user ARN, else caller, else nobody), the
// base URL of the links (stage, custom domain, no domain), and the request's headers, query and body as sent.
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { baseUrlOf, identityOf, toApiRequest, toProxyResult } from '../../lambdas/api/apigateway';

function proxyEvent(patch: Partial<APIGatewayProxyEvent> = {}, context: Record<string, unknown> = {}): APIGatewayProxyEvent {
  return {
    httpMethod: 'GET', path: '/changes', headers: {}, multiValueHeaders: {}, queryStringParameters: null, multiValueQueryStringParameters: null,
    pathParameters: null, stageVariables: null, resource: '/{proxy+}', body: null, isBase64Encoded: false,
    requestContext: {
      stage: 'v1', domainName: 'abc.execute-api.eu-west-1.amazonaws.com', path: '/v1/changes',
      identity: { userArn: null, caller: null }, ...context,
    } as unknown as APIGatewayProxyEvent['requestContext'],
    ...patch,
  };
}

describe('identityOf', () => {
  it('should take the IAM user ARN, else the caller, else nobody', () => {
    // Arrange
    const user = proxyEvent({}, { identity: { userArn: 'arn:aws:iam::1:user/alice', caller: 'AIDA1' } });
    const caller = proxyEvent({}, { identity: { userArn: null, caller: 'AROA1:session' } });
    const nobody = proxyEvent({}, { identity: { userArn: null, caller: null } });
    const noIdentity = proxyEvent({}, { identity: undefined });

    // Act
    const ids = [user, caller, nobody, noIdentity].map((e) => identityOf(e));

    // Assess
    expect(ids).toEqual([{ id: 'arn:aws:iam::1:user/alice' }, { id: 'AROA1:session' }, undefined, undefined]);
  });

  it('should find nobody in an event without a request context identity or with an empty ARN', () => {
    // Arrange
    const bare = { requestContext: undefined } as unknown as APIGatewayProxyEvent;
    const empty = proxyEvent({}, { identity: { userArn: '', caller: null } });

    // Act
    const ids = [identityOf(bare), identityOf(empty)];

    // Assess
    expect(ids).toEqual([undefined, undefined]);
  });
});

describe('baseUrlOf', () => {
  it('should hang the routes under the stage on the execute-api host', () => {
    // Act
    const base = baseUrlOf(proxyEvent());

    // Assess
    expect(base).toBe('https://abc.execute-api.eu-west-1.amazonaws.com/v1');
  });

  it('should fall back to the stage when the full path does not end in the route, and to localhost without a domain', () => {
    // Arrange
    const e = proxyEvent({}, { domainName: undefined, path: undefined, stage: 'prod' });

    // Act
    const base = baseUrlOf(e);

    // Assess
    expect(base).toBe('https://localhost/prod');
  });

  it('should drop trailing slashes of the prefix, and give the bare host for a domain without a base path', () => {
    // Arrange
    const slashed = proxyEvent({ path: '/changes' }, { domainName: 'runbook.example.com', path: '/ops//changes' });
    const bare = proxyEvent({ path: '/changes' }, { domainName: 'runbook.example.com', path: '/changes' });

    // Act
    const bases = [baseUrlOf(slashed), baseUrlOf(bare)];

    // Assess
    expect(bases).toEqual(['https://runbook.example.com/ops', 'https://runbook.example.com']);
  });
});

describe('toApiRequest', () => {
  it('should give a request without body, headers, query or caller as just its method, path and base URL', () => {
    // Arrange
    const e = proxyEvent({ headers: null as unknown as APIGatewayProxyEvent['headers'] });

    // Act
    const req = toApiRequest(e);

    // Assess
    expect(req).toEqual({ method: 'GET', path: '/changes', query: {}, headers: {}, baseUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/v1' });
  });

  it('should keep a plain body as sent, the query parameters and lower-cased headers', () => {
    // Arrange
    const e = proxyEvent({
      httpMethod: 'POST', body: '{"a":1}', headers: { 'Content-Type': 'application/json', 'X-Empty': undefined },
      queryStringParameters: { dryRun: 'true', limit: undefined } as unknown as APIGatewayProxyEvent['queryStringParameters'],
    }, { identity: { userArn: 'arn:aws:iam::1:user/bob', caller: null } });

    // Act
    const req = toApiRequest(e);

    // Assess
    expect(req).toEqual({
      method: 'POST', path: '/changes', baseUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/v1',
      headers: { 'content-type': 'application/json', 'x-empty': undefined }, query: { dryRun: 'true', limit: undefined },
      body: '{"a":1}', identity: { id: 'arn:aws:iam::1:user/bob' },
    });
  });

  it('should read an empty body as a body, and decode a base64 one as UTF-8', () => {
    // Arrange
    const empty = proxyEvent({ body: '' });
    const encoded = proxyEvent({ body: Buffer.from('größe: 1', 'utf8').toString('base64'), isBase64Encoded: true });

    // Act
    const reqs = [toApiRequest(empty), toApiRequest(encoded)];

    // Assess
    expect(reqs[0]?.body).toBe('');
    expect(reqs[1]?.body).toBe('größe: 1');
  });
});

describe('toProxyResult', () => {
  it('should give API Gateway the status, headers and body as they are', () => {
    // Arrange
    const res = { statusCode: 418, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'teapot\n' };

    // Act
    const result = toProxyResult(res);

    // Assess
    expect(result).toEqual(res);
  });
});
