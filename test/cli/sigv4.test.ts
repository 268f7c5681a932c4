// SigV4 signing of the CLI's --endpoint requests, checked against AWS's published Signature Version 4 test suite
// (get-vanilla: AKIDEXAMPLE, 20150830T123600Z, us-east-1, service "service"; the expected Authorization header is
// get-vanilla.authz of aws-sig-v4-test-suite, as vendored by botocore tests/unit/auth/aws4_testsuite and mhart/aws4).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from '../../bin/cli/client';
import { regionFromUrl, signRequest } from '../../bin/cli/sigv4';

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const VANILLA_DATE = new Date('2015-08-30T12:36:00Z');

describe('signRequest', () => {
  it('should reproduce the get-vanilla Authorization header of the AWS SigV4 test suite', async () => {
    // Act
    const headers = await signRequest(
      { method: 'GET', url: new URL('https://example.amazonaws.com/') },
      { credentials: CREDENTIALS, region: 'us-east-1', service: 'service', signingDate: VANILLA_DATE },
    );

    // Assess
    expect(headers['x-amz-date']).toBe('20150830T123600Z');
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, '
      + 'Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
  });

  it('should sign for execute-api by default and sign the body, so a changed body has another signature', async () => {
    // Prepare
    const sign = (body: string) => signRequest(
      { method: 'POST', url: new URL('https://abc123.execute-api.eu-west-1.amazonaws.com/v1/changes'), headers: { 'content-type': 'application/yaml' }, body },
      { credentials: CREDENTIALS, region: 'eu-west-1', signingDate: VANILLA_DATE },
    );

    // Act
    const a = await sign('change_request: {id: CR-2026-101}');
    const b = await sign('change_request: {id: CR-2026-102}');

    // Assess
    expect(a.authorization).toContain('Credential=AKIDEXAMPLE/20150830/eu-west-1/execute-api/aws4_request');
    expect(a.authorization).toContain('SignedHeaders=content-type;host;x-amz-date');
    expect(a.authorization).not.toBe(b.authorization);
  });

  it('should add the session token of temporary credentials', async () => {
    // Act
    const headers = await signRequest({ method: 'GET', url: new URL('https://example.amazonaws.com/') }, { credentials: { ...CREDENTIALS, sessionToken: 'session-token' }, region: 'us-east-1', signingDate: VANILLA_DATE });

    // Assess
    expect(headers['x-amz-security-token']).toBe('session-token');
  });
});

describe('regionFromUrl', () => {
  it.each([
    ['https://abc123.execute-api.eu-west-1.amazonaws.com/v1', 'eu-west-1'],
    ['https://abc123.execute-api.cn-north-1.amazonaws.com.cn/v1', 'cn-north-1'],
    ['https://runbook.example.com/ops', undefined],
  ])('should read the region of %s', (url, region) => {
    expect(regionFromUrl(new URL(url))).toBe(region);
  });
});

describe('connect --endpoint', () => {
  let server: Server;
  let seen: { method?: string; url?: string; headers: IncomingHttpHeaders; body: string }[];
  beforeEach(async () => {
    seen = [];
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => { body += c.toString(); });
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"items":[]}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  afterEach(async () => { await new Promise((r) => server.close(r)); });

  it('should send SigV4-signed requests for execute-api in the given region, the query included in what is signed', async () => {
    // Prepare
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    const api = await connect({ home: '/nonexistent', endpoint, region: 'eu-west-1', credentials: CREDENTIALS });

    // Act
    const res = await api.request('GET', '/changes', { query: { status: 'COMPLETED' } });

    // Assess
    expect(res.status).toBe(200);
    expect(seen[0]?.url).toBe('/v1/changes?status=COMPLETED');
    expect(seen[0]?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=accept;host;x-amz-date, Signature=[0-9a-f]{64}$/);
    expect(seen[0]?.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
  });

  it('should refuse an endpoint whose region it cannot tell, as bad usage', async () => {
    await expect(connect({ home: '/nonexistent', endpoint: 'https://runbook.example.com/ops', env: {}, credentials: CREDENTIALS }))
      .rejects.toMatchObject({ name: 'CliError', exitCode: 2 });
  });
});
