// The TEST function's bundle, built as `cdk synth` builds it, with autocannon's unused parts stood in for
// (lib/bundling.ts): loaded like Lambda loads it, its load tester, smoke tests and SDK client still run against a real server.
// Nothing here is timed: it counts answers, never speed.
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AwsRuntime } from '../../lambdas/aws/deps';
import { esbuildOptions } from '../../lib/bundling';

describe('TEST function bundle', () => {
  let dir: string;
  let server: Server;
  let baseUrl: string;
  let runtime: AwsRuntime;
  const sdkTargets: string[] = [];
  const saved = { ...process.env };

  beforeAll(async () => {
    // Prepare: the bundle on disk, a local target, the environment CDK gives the function.
    dir = mkdtempSync(join(tmpdir(), 'runbook-test-bundle-'));
    await build({ ...esbuildOptions('test'), write: true, outfile: join(dir, 'index.js') });
    // The target answers everything; a request signed for DynamoDB (X-Amz-Target) gets an empty GetItem answer.
    server = createServer((req, res) => {
      const target = req.headers['x-amz-target'];
      if (typeof target === 'string') {
        sdkTargets.push(target);
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end('{}');
        return;
      }
      res.end('ok');
    }).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    Object.assign(process.env, {
      AWS_REGION: 'eu-west-1', TABLE_NAME: 't', ENVIRONMENT_NAME: 'test', PROFILE_PARAMETER_NAME: '/runbook/test/profile',
      TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:t', COMMAND_LOG_GROUP: '/runbook/test/commands', POWERTOOLS_LOG_LEVEL: 'ERROR',
      // The bundled SDK's DynamoDB client sends to the local server, with the environment credentials Lambda gives.
      AWS_ENDPOINT_URL_DYNAMODB: baseUrl, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test',
    });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    runtime = (require(join(dir, 'index.js')) as { runtime: AwsRuntime }).runtime;
  }, 60_000);

  afterAll(async () => {
    process.env = saved;
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('should run a load test through the bundled autocannon', async () => {
    // Act
    const result = await runtime.deps.tester.load(baseUrl, { virtualUsers: 2, durationSeconds: 1, paths: ['/'] });

    // Assess
    expect(result.requests).toBeGreaterThan(0);
    expect(result.errors).toBe(0);
  });

  it('should send an SDK request and read its answer through the bundled client (credential and event-stream stand-ins in place)', async () => {
    // Act
    const change = await runtime.deps.store.getChange('CR-2026-001');

    // Assess
    expect(change).toBeUndefined();
    expect(sdkTargets).toEqual(['DynamoDB_20120810.GetItem']);
  });

  it('should run smoke checks through the bundled tester', async () => {
    // Act
    const results = await runtime.deps.tester.smoke(baseUrl, [{ name: 'health', method: 'GET', path: '/', expectedStatus: 200, suite: 'api-endpoint', login: false }]);

    // Assess
    expect(results.map((r) => r.status)).toEqual(['PASS']);
  });
});
