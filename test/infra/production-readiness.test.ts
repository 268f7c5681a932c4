// AWS production readiness (issue 8 item 5), synthesized: the parameter grant covers exactly /runbook/<env>/*, with
// kms:Decrypt through SSM only for a customer key; the KIS example is checked by stack.test.ts, a profile with a
// customer key here. Shapes: IAM for Parameter Store and the kms:ViaService / PARAMETER_ARN encryption context,
// https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-setting-up.html#ps-kms-permissions and
// https://docs.aws.amazon.com/systems-manager/latest/userguide/ps-restrict-decryption.html
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import type { CfnRole } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { parse, stringify } from 'yaml';
import { hasCapability } from '../../lib/functions';
import { DEFAULT_PROFILE_FILE } from '../../lib/paths';
import { actionsOf, roleStatements, synthRunbook, type Json } from './support';

const kis = parse(readFileSync(DEFAULT_PROFILE_FILE, 'utf8')) as Json;
const dir = mkdtempSync(join(tmpdir(), 'runbook-prod-'));
const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

function synthWith(name: string, overrides: Json) {
  const file = join(dir, `${name}.profile.yml`);
  writeFileSync(file, stringify({ ...kis, ...overrides }));
  return synthRunbook({ context: { profile: file } });
}

describe('required parameters encrypted with a customer managed key', () => {
  const synth = synthWith('cmk', { parameterKmsKeyArn: KEY_ARN });
  const functions = synth.stack.functions.all;
  const roleIdOf = (fn: (typeof functions)[number]): string => Stack.of(fn).getLogicalId(fn.executionRole.node.defaultChild as CfnRole);

  it('should grant kms:Decrypt on that key only through SSM and only for parameters under /runbook/<env>/', () => {
    // Act
    const readers = functions.filter((fn) => hasCapability(fn.logicalName, 'parameters'));
    const others = functions.filter((fn) => !hasCapability(fn.logicalName, 'parameters'));
    const decrypts = (fn: (typeof functions)[number]) => roleStatements(synth.template, roleIdOf(fn)).filter((s) => actionsOf(s).includes('kms:Decrypt') && s.Sid !== 'EncryptNotifications');

    // Assess
    expect(readers.map((fn) => fn.logicalName).sort()).toEqual(['preflight', 'scheduled-check', 'test']);
    for (const fn of readers) {
      expect(decrypts(fn)).toEqual([{
        Sid: 'DecryptRequiredParameters',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: KEY_ARN,
        Condition: {
          StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['ssm.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
          StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':parameter/runbook/kis-core-v3/*']] } },
        },
      }]);
    }
    for (const fn of others) expect(decrypts(fn)).toEqual([]);
  });

  it('should stay clean under cdk-nag', () => {
    // Act
    const violations = [new AwsSolutionsChecks(), new ServerlessChecks()].flatMap((pack) => pack.validateScope(synth.app).violations);

    // Assess
    expect(violations.map((v) => v.ruleName)).toEqual([]);
  });
});

describe('event-handler failures (KIS example)', () => {
  // AWS::Events::Rule Target RetryPolicy { MaximumRetryAttempts, MaximumEventAgeInSeconds } and DeadLetterConfig { Arn }:
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-events-rule-target.html; EventBridge
  // retries a failed delivery with exponential backoff and jitter: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-retry-policy.html
  const { template } = synthRunbook();
  const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Json }>;

  it('should retry every rule target with backoff, then dead-letter it into a queue whose messages raise an alarm', () => {
    // Act
    const targets = Object.values(resources).filter((r) => r.Type === 'AWS::Events::Rule').flatMap((r) => r.Properties.Targets as Json[]);
    const dlqAlarms = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm'
      && (r.Properties.Namespace === 'AWS/SQS') && JSON.stringify(r.Properties.Dimensions).includes('DeadLettersQueue'));

    // Assess
    expect(targets.length).toBeGreaterThanOrEqual(3);
    for (const t of targets) {
      expect(t.RetryPolicy).toEqual({ MaximumRetryAttempts: expect.any(Number), MaximumEventAgeInSeconds: expect.any(Number) });
      expect((t.RetryPolicy as { MaximumRetryAttempts: number }).MaximumRetryAttempts).toBeGreaterThan(0);
      expect(t.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [expect.stringMatching(/^DeadLettersQueue/), 'Arn'] } });
    }
    expect(dlqAlarms).toHaveLength(1);
    expect(dlqAlarms[0]?.Properties).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', AlarmActions: [expect.anything()] });
  });
});

describe('destroy and deploy again under the same stack name (KIS example)', () => {
  const { template } = synthRunbook();
  const resources = template.toJSON().Resources as Record<string, { Type: string; Properties?: Json; DeletionPolicy?: string }>;
  /** Physical-name properties of the resource types in lib/ (CloudFormation resource reference, per type). */
  const NAME_PROPERTIES = ['TableName', 'LogGroupName', 'Name', 'TopicName', 'AlarmName', 'QueueName', 'SecretName', 'StateMachineName', 'FunctionName', 'RoleName', 'DashboardName', 'AliasName'];
  const fixedNames = (props: Json | undefined): string[] => NAME_PROPERTIES.filter((k) => props?.[k] !== undefined && !JSON.stringify(props[k]).includes('AWS::StackId'));

  it('should give no retained resource a fixed physical name, so a new stack can create its own next to it', () => {
    // Act
    const retained = Object.entries(resources).filter(([, r]) => r.DeletionPolicy === 'Retain');
    const blocking = retained.filter(([, r]) => fixedNames(r.Properties).length > 0).map(([id, r]) => `${id}: ${fixedNames(r.Properties).join(', ')}`);

    // Assess: what is retained is the audit trail and its logs (README "Destroying and deploying again")
    expect(retained.map(([, r]) => r.Type).sort()).toEqual(expect.arrayContaining(['AWS::DynamoDB::Table', 'AWS::KMS::Key', 'AWS::Logs::LogGroup']));
    expect(blocking).toEqual([]);
  });

  it('should leave a deleted secret\'s name free: the Slack secret has a generated name unless the profile names it', () => {
    // Act
    const secrets = Object.values(resources).filter((r) => r.Type === 'AWS::SecretsManager::Secret');

    // Assess: a deleted secret keeps its name through its recovery window
    // (https://docs.aws.amazon.com/secretsmanager/latest/userguide/manage_delete-restore-secret.html)
    expect(secrets).toHaveLength(1);
    expect(secrets[0]?.Properties?.Name).toBeUndefined();
  });
});

describe('smoke-test credentials (KIS example)', () => {
  const { stack, template } = synthRunbook();

  it('should put only the credentials\' parameter names in the template, under /runbook/<env>/, never a value', () => {
    // Prepare: the profile parameter's Value is the profile JSON (AWS::SSM::Parameter Value)
    const parameters = Object.values(template.findResources('AWS::SSM::Parameter')) as { Properties: { Name: string; Value: string } }[];
    const profileJson = parameters.find((p) => p.Properties.Name === '/runbook/kis-core-v3/profile')?.Properties.Value;

    // Act
    const credentials = (JSON.parse(profileJson ?? '{}') as { tests?: { auth?: { credentials?: Record<string, string> } } }).tests?.auth?.credentials ?? {};
    const testFn = stack.functions.all.find((fn) => fn.logicalName === 'test');
    const testEnv = JSON.stringify(Object.values(template.findResources('AWS::Lambda::Function')).map((r) => (r as { Properties: { Environment?: unknown } }).Properties.Environment));

    // Assess: TEST reads them at run time (GetParameters WithDecryption) from SecureString parameters operators create
    expect(Object.keys(credentials).sort()).toEqual(['email', 'password']);
    for (const name of Object.values(credentials)) expect(name).toMatch(/^\/runbook\/kis-core-v3\/[a-z-]+$/);
    expect(testFn).toBeDefined();
    expect(testEnv).not.toMatch(/pass(word)?|secret_value|credential/i);
    expect(JSON.stringify(template.toJSON())).not.toMatch(/:\/\/[^/"@\s:]+:[^/"@\s]+@/);
  });
});
