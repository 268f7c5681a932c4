// The api function's bundle as `cdk synth` builds it (lib/bundling.ts options and the same afterBundling commands:
// documents copied as JSON, the yaml package written as yaml.js), loaded like Lambda loads it, answering API Gateway
// events with its SDK clients pointed at a local server. It shows that the YAML library is loaded on the first YAML the
// function meets, never for JSON (the profile parameter, the bundled documents, JSON bodies), and that YAML bodies
// still parse and are refused with the same messages. Nothing here is timed.
// SSM GetParameter answer shape: https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameter.html
// (Parameter { Name, Type, Value }); DynamoDB GetItem/Query: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_GetItem.html
// (no Item when absent), https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html (Items, Count).
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { build } from 'esbuild';
import { execSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyDocumentsCommands, esbuildOptions, YAML_CHUNK, yamlChunkCommands } from '../../lib/bundling';
import { REPO_ROOT } from '../../lib/paths';
import { parseDocumentText } from '../../lambdas/core/schemas';
import { apiGatewayEvent as event } from '../support/apigateway';

type Handler = (e: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;


describe('api function bundle (YAML loaded on first use)', () => {
  let dir: string;
  let server: Server;
  let handler: Handler;
  const targets: string[] = [];
  const saved = { ...process.env };
  const profile = parseDocumentText(readFileSync(join(REPO_ROOT, 'examples', 'kis-core-v3.profile.yml'), 'utf8'), 'profile');
  const changeYaml = readFileSync(join(REPO_ROOT, 'examples', 'CR-2025-001.change.yml'), 'utf8');
  const yamlLoaded = (): boolean => Object.keys(require.cache).includes(join(dir, YAML_CHUNK));

  beforeAll(async () => {
    // Prepare: the asset directory as the CDK bundling leaves it, a local AWS, the environment CDK gives the function.
    dir = mkdtempSync(join(tmpdir(), 'runbook-api-bundle-'));
    await build({ ...esbuildOptions('api'), write: true, outfile: join(dir, 'index.js') });
    for (const command of [...copyDocumentsCommands(REPO_ROOT, dir), ...yamlChunkCommands('api', REPO_ROOT, dir)]) execSync(command, { stdio: 'pipe' });
    server = createServer((req, res) => {
      const target = String(req.headers['x-amz-target'] ?? '');
      targets.push(target);
      const answer = target === 'AmazonSSM.GetParameter'
        ? { Parameter: { Name: '/runbook/kis-core-v3/profile', Type: 'String', Value: JSON.stringify(profile) } }
        : target.endsWith('.Query') ? { Items: [], Count: 0, ScannedCount: 0 } : {};
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(answer));
    }).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    Object.assign(process.env, {
      AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_ENDPOINT_URL: endpoint,
      TABLE_NAME: 'runbook-table', ENVIRONMENT_NAME: 'kis-core-v3', PROFILE_PARAMETER_NAME: '/runbook/kis-core-v3/profile',
      TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:runbook', COMMAND_LOG_GROUP: '/runbook/kis-core-v3/commands', POWERTOOLS_LOG_LEVEL: 'ERROR',
      STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:runbook',
    });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    handler = (require(join(dir, 'index.js')) as { handler: Handler }).handler;
  }, 120_000);

  afterAll(async () => {
    process.env = saved;
    for (const key of Object.keys(require.cache).filter((k) => k.startsWith(dir))) Reflect.deleteProperty(require.cache, key);
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('should load with its documents (JSON) and answer from the JSON profile without loading the YAML library', async () => {
    // Act
    const loadedAtStart = yamlLoaded();
    const health = await handler(event('GET', '/health'));

    // Assess
    expect(loadedAtStart).toBe(false);
    expect(health.statusCode).toBe(200);
    expect(targets).toContain('AmazonSSM.GetParameter');
    expect(yamlLoaded()).toBe(false);
  });

  it('should plan a JSON change request without the YAML library', async () => {
    // Prepare
    const body = JSON.stringify(parseDocumentText(changeYaml, 'change request'));

    // Act
    const res = await handler(event('POST', '/changes', { body, query: { dryRun: 'true' }, headers: { 'content-type': 'application/json' } }));

    // Assess
    expect({ status: res.statusCode, id: (JSON.parse(res.body) as { changeId?: string }).changeId }).toEqual({ status: 200, id: 'CR-2025-001' });
    expect(yamlLoaded()).toBe(false);
  });

  it('should refuse a JSON-looking YAML body with a repeated key as the yaml package does (the library is loaded for it)', async () => {
    // Act
    const res = await handler(event('POST', '/changes', { body: '{"id": "CR-2026-101", "id": "CR-2026-102"}', query: { dryRun: 'true' }, headers: { 'content-type': 'application/yaml' } }));

    // Assess
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/not valid YAML or JSON: Map keys must be unique/);
    expect(yamlLoaded()).toBe(true);
  });

  it('should plan a YAML change request with the library loaded from yaml.js', async () => {
    // Act
    const res = await handler(event('POST', '/changes', { body: changeYaml, query: { dryRun: 'true' }, headers: { 'content-type': 'application/yaml' } }));

    // Assess
    expect(res.statusCode).toBe(200);
    expect((JSON.parse(res.body) as { changeId?: string }).changeId).toBe('CR-2025-001');
    expect(yamlLoaded()).toBe(true);
  });
});
