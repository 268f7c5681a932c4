// The API's Lambda entry (lambdas/aws/api.ts) with mocked AWS clients: the same router behind API Gateway, the caller
// taken from the IAM identity API Gateway authenticated (never from a header or the body), and the stage in links.
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { baseUrlOf, toApiRequest } from '../../lambdas/api/apigateway';
import { parseDocumentText } from '../../lambdas/core/schemas';
import { API_USER as USER, apiGatewayEvent as event } from '../support/apigateway';

const sfn = mockClient(SFNClient);
const ddb = mockClient(DynamoDBClient);
const ssm = mockClient(SSMClient);
const sns = mockClient(SNSClient);
const mocks = [sfn, ddb, ssm, sns, mockClient(SecretsManagerClient), mockClient(CloudWatchClient)];

const ENV = {
  AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test',
  TABLE_NAME: 'runbook-table', ENVIRONMENT_NAME: 'kis-core-v3', PROFILE_PARAMETER_NAME: '/runbook/kis-core-v3/profile',
  TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:runbook', COMMAND_LOG_GROUP: '/runbook/kis-core-v3/commands', POWERTOOLS_LOG_LEVEL: 'ERROR',
  STATE_MACHINE_ARN: 'arn:aws:states:eu-west-1:123456789012:stateMachine:runbook',
};

type Handler = (e: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
let handler: Handler;
let callsWhileLoading = -1;
const saved = { ...process.env };

beforeAll(async () => {
  Object.assign(process.env, ENV);
  // Loaded only once the environment is set: the entry parses it when the module loads, as on Lambda.
  const entry = '../../lambdas/aws/api';
  handler = ((await import(entry)) as { handler: Handler }).handler;
  callsWhileLoading = mocks.reduce((n, m) => n + m.calls().length, 0);
});

afterAll(() => {
  process.env = saved;
});

afterEach(() => {
  for (const m of mocks) m.reset();
});

describe('API Lambda entry', () => {
  it('should call no AWS API while loading and answer /health from the profile in Parameter Store', async () => {
    // Prepare
    const profile = parseDocumentText(readFileSync(join(__dirname, '..', '..', 'examples', 'kis-core-v3.profile.yml'), 'utf8'), 'profile');
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: JSON.stringify(profile) } });

    // Act
    const res = await handler(event('GET', '/health', { user: null }));

    // Assess
    expect(callsWhileLoading).toBe(0);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ status: 'ok', engine: 'aws' });
  });

  it('should answer 401 when API Gateway passed no IAM identity', async () => {
    // Act
    const res = await handler(event('GET', '/changes', { user: null }));

    // Assess
    expect(res.statusCode).toBe(401);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('should answer 404 for an unknown change with the error shape of every route', async () => {
    // Prepare
    ddb.on(GetItemCommand).resolves({});

    // Act
    const res = await handler(event('GET', '/changes/CR-2026-101'));

    // Assess
    expect(res.statusCode).toBe(404);
    expect(JSON.parse(res.body)).toEqual({ error: { code: 'NotFound', message: 'change CR-2026-101 not found' } });
  });

  it('should submit as the IAM caller and give the stage URL and the console link to watch', async () => {
    // Prepare
    const profile = parseDocumentText(readFileSync(join(__dirname, '..', '..', 'examples', 'kis-core-v3.profile.yml'), 'utf8'), 'profile');
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: JSON.stringify(profile) } });
    // The change item once written: the first event chains to its body hash, read back by the store.
    let changeItem: Record<string, AttributeValue> | undefined;
    ddb.on(GetItemCommand).callsFake((input: { Key: Record<string, AttributeValue> }) => (changeItem && input.Key.sk?.S === 'META' ? { Item: changeItem } : {}));
    ddb.on(PutItemCommand).callsFake((input: { Item: Record<string, AttributeValue> }) => {
      if (input.Item.sk?.S === 'META') changeItem = input.Item;
      return {};
    });
    ddb.on(QueryCommand).resolves({ Items: [] });
    sns.on(PublishCommand).resolves({});
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:runbook:CR-2025-001' });
    const body = readFileSync(join(__dirname, '..', '..', 'examples', 'CR-2025-001.change.yml'), 'utf8');

    // Act
    const res = await handler(event('POST', '/changes', { body, headers: { 'Content-Type': 'application/yaml', 'X-Approver': 'the-cto' } }));

    // Assess
    expect(res.statusCode).toBe(202);
    const out = JSON.parse(res.body);
    expect(out.watch).toEqual({
      status: 'https://abc123.execute-api.eu-west-1.amazonaws.com/v1/changes/CR-2025-001',
      history: 'https://abc123.execute-api.eu-west-1.amazonaws.com/v1/changes/CR-2025-001/history',
      console: expect.stringMatching(/^https:\/\/eu-west-1\.console\.aws\.amazon\.com\/states\/home\?region=eu-west-1#\/v2\/executions\/details\/arn%3Aaws%3Astates/),
      cli: 'runbook status CR-2025-001 --watch',
    });
    const submitted = ddb.commandCalls(PutItemCommand).map((c) => JSON.stringify(c.args[0].input)).find((s) => s.includes('change.submitted'));
    expect(submitted).toContain(USER);
    expect(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input).toMatchObject({ name: 'CR-2025-001', stateMachineArn: ENV.STATE_MACHINE_ARN });
  });

  it('should read the history of an unknown execution as 404', async () => {
    // Prepare: a change record exists, its execution does not.
    const change = { pk: { S: 'CHANGE#CR-2026-101' }, sk: { S: 'META' }, id: { S: 'CR-2026-101' }, attempt: { N: '1' }, status: { S: 'SUBMITTED' } };
    ddb.on(GetItemCommand).resolves({ Item: change });
    sfn.on(DescribeExecutionCommand).rejects(Object.assign(new Error('no'), { name: 'ExecutionDoesNotExist' }));

    // Act
    const res = await handler(event('GET', '/changes/CR-2026-101/history'));

    // Assess
    expect(res.statusCode).toBe(404);
  });
});

describe('toApiRequest', () => {
  it('should decode a base64 body, lower-case header names and take the identity from the IAM user ARN', () => {
    // Prepare
    const e = { ...event('POST', '/changes', { body: Buffer.from(stringify({ a: 1 })).toString('base64'), headers: { 'Content-Type': 'application/yaml' } }), isBase64Encoded: true };

    // Act
    const req = toApiRequest(e);

    // Assess
    expect(req).toMatchObject({ method: 'POST', path: '/changes', body: 'a: 1\n', headers: { 'content-type': 'application/yaml' }, identity: { id: USER } });
  });

  it('should keep a custom domain\'s base path in the links', () => {
    // Prepare
    const e = event('GET', '/changes');
    e.requestContext.domainName = 'runbook.example.com';
    e.requestContext.path = '/ops/changes';

    // Act
    const base = baseUrlOf(e);

    // Assess
    expect(base).toBe('https://runbook.example.com/ops');
  });
});
