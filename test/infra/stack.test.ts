// The synthesized KIS_CORE_V3 stack, property by property where security or operations depend on it: the table,
// the functions, the state machine, least-privilege IAM, the SSM documents, alarms, event patterns and outputs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { parse as parseYaml } from 'yaml';
import type { CfnRole } from 'aws-cdk-lib/aws-iam';
import { DOCUMENTS_DIR, DOCUMENT_NAMES } from '../../documents';
import { EXECUTION_TIMEOUT_PATTERN } from '../../lambdas/core/documents';
import { ALARM_METRICS } from '../../lambdas/adapters/aws/cloudwatch-alarms';
import { GSI1_NAME, GSI1_PARTITION_KEY, GSI1_SORT_KEY, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE } from '../../lambdas/adapters/dynamodb/table';
import { FunctionEnvSchemas } from '../../lambdas/aws/env';
import { rollbackAlarmNames } from '../../lambdas/core/events';
import { PROBE_WARMUP } from '../../lambdas/adapters/aws/scheduler-active-probe';
import { CHECK_ALARMS_BUDGET_SECONDS } from '../../lambdas/phases/plan';
import { FUNCTION_CAPABILITIES, hasCapability } from '../../lib/functions';
import type { FunctionWithLogGroup } from '../../lib/function-with-log-group';
import { RECORD_ACTIONS } from '../../lib/data';
import { loadProfile } from '../../lib/profile';
import { DEFAULT_PROFILE_FILE } from '../../lib/paths';
import { actionsOf, allStatements, asArray, logicalIdOf, roleStatements, synthRunbook, type Json, type Statement } from './support';

const { stack, template } = synthRunbook();
const profile = loadProfile(DEFAULT_PROFILE_FILE);
const functions = stack.functions.all;
const roleIdOf = (fn: FunctionWithLogGroup): string => Stack.of(fn).getLogicalId(fn.executionRole.node.defaultChild as CfnRole);
const stateMachineId = Stack.of(stack).getLogicalId(stack.orchestration.stateMachine.node.defaultChild as never);
const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Json; DeletionPolicy?: string; DependsOn?: string[] }>;
const ofType = (type: string): [string, (typeof resources)[string]][] => Object.entries(resources).filter(([, r]) => r.Type === type);
const text = (value: unknown): string => JSON.stringify(value);

describe('the change table', () => {
  it('should use the keys, index and TTL attribute of the DynamoDB adapter', () => {
    // Assess
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: PARTITION_KEY, KeyType: 'HASH' }, { AttributeName: SORT_KEY, KeyType: 'RANGE' }],
      GlobalSecondaryIndexes: [{
        IndexName: GSI1_NAME,
        KeySchema: [{ AttributeName: GSI1_PARTITION_KEY, KeyType: 'HASH' }, { AttributeName: GSI1_SORT_KEY, KeyType: 'RANGE' }],
        Projection: { ProjectionType: 'ALL' },
      }],
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
    });
  });

  it('should have point-in-time recovery, encryption at rest and survive a stack deletion', () => {
    // Assess
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        DeletionProtectionEnabled: true,
      }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });
});

describe('the functions', () => {
  it('should be the six phase functions plus the three event handlers (api and scheduled-check only once their entries exist)', () => {
    // Act
    const names = functions.map((fn) => fn.logicalName).sort();

    // Assess
    const optional = ['api', 'scheduled-check'].filter((n) => names.includes(n as never));
    // The active probe's function exists only with monitoring.source: probe (lib/active-probe.ts).
    const probe = profile.monitoring.source === 'probe' ? ['probe'] : [];
    expect(names).toEqual(['act', 'alarm', 'command-status', 'execution-status', 'plan', 'preflight', 'report', 'rollback', 'test', ...optional, ...probe].sort());
    expect(ofType('AWS::Lambda::Function')).toHaveLength(functions.length);
  });

  it.each(functions.map((fn) => [fn.logicalName, fn] as const))('%s should run the newest Node.js on arm64 with X-Ray and JSON logs into its own log group', (_name, fn) => {
    // Act
    const props = resources[logicalIdOf(fn)]?.Properties;

    // Assess
    expect(props).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: Stack.of(fn).getLogicalId(fn.logGroupOfFunction.node.defaultChild as never) } },
      Handler: 'index.handler',
    });
    expect(props?.Timeout).toEqual(expect.any(Number));
    expect(props?.MemorySize).toEqual(expect.any(Number));
  });

  it.each(functions.map((fn) => [fn.logicalName, fn] as const))("%s's environment should satisfy the handler's own zod schema", (name, fn) => {
    // Prepare: CloudFormation references become ARN-shaped strings, which is what they resolve to on deploy.
    const vars = (resources[logicalIdOf(fn)]?.Properties.Environment as { Variables: Record<string, unknown> } | undefined)?.Variables ?? {};
    const env = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, typeof v === 'string' ? v : 'arn:aws:resolved-by-cloudformation']));

    // Act
    const parsed = FunctionEnvSchemas[name].safeParse(env);

    // Assess
    expect(parsed.error?.issues ?? []).toEqual([]);
    if (name === 'probe') {
      // The probe samples what its input says: it is told nothing of the control plane (no variables at all).
      expect(Object.keys(env)).toEqual([]);
      return;
    }
    expect(env).toMatchObject({ ENVIRONMENT_NAME: profile.name, PROFILE_PARAMETER_NAME: `/runbook/${profile.name}/profile`, DOCUMENT_NAME_PREFIX: `${profile.name}-` });
  });

  it('should give every log group of the stack a retention', () => {
    // Assess
    for (const [id, group] of ofType('AWS::Logs::LogGroup')) {
      expect({ id, retention: group.Properties.RetentionInDays }).toEqual({ id, retention: expect.any(Number) });
    }
  });

  it('should keep failed asynchronous events of the event handlers in the dead-letter queue', () => {
    // Assess
    for (const fn of functions.filter((f) => ['alarm', 'command-status', 'scheduled-check'].includes(f.logicalName))) {
      expect(resources[logicalIdOf(fn)]?.Properties.DeadLetterConfig).toEqual({ TargetArn: { 'Fn::GetAtt': [expect.stringMatching(/^DeadLettersQueue/), 'Arn'] } });
    }
  });
});

describe('the state machine', () => {
  it('should be a STANDARD machine defined from the ASL file, with no fixed name', () => {
    // Assess
    const [, sm] = ofType('AWS::StepFunctions::StateMachine')[0] ?? [];
    expect(sm?.Properties.StateMachineType).toBe('STANDARD');
    expect(sm?.Properties.DefinitionS3Location).toBeDefined();
    expect(sm?.Properties.StateMachineName).toBeUndefined();
  });

  it('should log ALL events with execution data to its log group and trace with X-Ray', () => {
    // Assess
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: true,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OrchestrationLogs'), 'Arn'] } } }],
      },
      TracingConfiguration: { Enabled: true },
    });
  });

  it('should be allowed to invoke exactly the six phase functions, and nothing else', () => {
    // Prepare
    const roleId = Object.entries(resources).find(([, r]) => r.Type === 'AWS::IAM::Role' && text(r.Properties.AssumeRolePolicyDocument).includes('states.amazonaws.com'))?.[0] ?? '';
    const phaseIds = Object.values(stack.functions.phases).map(logicalIdOf).sort();

    // Act
    const invoke = roleStatements(template, roleId).filter((s) => actionsOf(s).some((a) => a.startsWith('lambda:')));

    // Assess
    expect(invoke).toHaveLength(1);
    expect(actionsOf(invoke[0] as Statement)).toEqual(['lambda:InvokeFunction']);
    expect(asArray(invoke[0]?.Resource).map((r) => (r as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0]).sort()).toEqual(phaseIds);
  });
});

describe('IAM', () => {
  const statements = allStatements(template);

  it('should allow no wildcard action anywhere (identity, key, topic and queue policies)', () => {
    // Act
    const wildcards = statements
      .filter(({ statement }) => statement.Effect === 'Allow')
      .flatMap(({ resource, statement }) => actionsOf(statement).filter((a) => a.includes('*')).map((a) => `${resource}: ${a}`));

    // Assess
    expect(wildcards).toEqual([]);
  });

  it('should use a wildcard only to deny every action without TLS', () => {
    // Act
    const denies = statements.filter(({ statement }) => statement.Effect === 'Deny' && actionsOf(statement).some((a) => a.includes('*')));

    // Assess
    for (const { statement } of denies) expect(statement.Condition).toEqual({ Bool: { 'aws:SecureTransport': 'false' } });
  });

  it('should use Resource "*" only for the actions that support no resource-level permissions', () => {
    // Prepare
    const allowed = new Set([
      'xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets',
      'logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery', 'logs:DeleteLogDelivery', 'logs:ListLogDeliveries',
      'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups',
      'cloudwatch:GetMetricData', 'ssm:GetCommandInvocation', 'ssm:ListCommandInvocations', 'ssm:ListCommands', 'ssm:CancelCommand',
      'ssm:DescribeInstanceInformation',
    ]);

    // Act: a key policy's "*" means "this key", so only identity policies count.
    const star = statements
      .filter(({ type, statement }) => type !== 'AWS::KMS::Key' && asArray(statement.Resource).includes('*'))
      // PutMetricData takes no resource: it is held to the rollback alarms' namespace by its condition key instead.
      .filter(({ statement }) => !(text(statement.Action) === '"cloudwatch:PutMetricData"'
        && text(statement.Condition) === text({ StringEquals: { 'cloudwatch:namespace': ALARM_METRICS.namespace } })))
      .flatMap(({ statement }) => actionsOf(statement))
      .filter((a) => !allowed.has(a));

    // Assess
    expect(star).toEqual([]);
  });

  it.each(functions.map((fn) => [fn.logicalName, fn] as const))('%s may send commands only if its phase sends them, only these documents, only to tagged instances', (name, fn) => {
    // Act
    const send = roleStatements(template, roleIdOf(fn)).filter((s) => actionsOf(s).includes('ssm:SendCommand'));

    // Assess
    if (!hasCapability(name, 'sendCommands')) {
      expect(send).toEqual([]);
      return;
    }
    expect(send).toHaveLength(2);
    const [documents, instances] = send as [Statement, Statement];
    expect(actionsOf(documents)).toEqual(['ssm:SendCommand']);
    expect(documents.Condition).toBeUndefined();
    expect(text(documents.Resource)).not.toContain('instance');
    expect(asArray(documents.Resource)).toHaveLength(DOCUMENT_NAMES.length);
    for (const doc of DOCUMENT_NAMES) expect(text(documents.Resource)).toContain(`:document/${profile.name}-${doc}"`);
    expect(actionsOf(instances)).toEqual(['ssm:SendCommand']);
    expect(text(instances.Resource)).toContain(':instance/*');
    expect(text(instances.Resource)).toContain(':managed-instance/*');
    expect(text(instances.Resource)).not.toContain(':document/');
    expect(instances.Condition).toEqual({ StringEquals: { [`ssm:resourceTag/${profile.targets.kind === 'tag' ? profile.targets.key : ''}`]: ['production'] } });
  });

  it.each(functions.map((fn) => [fn.logicalName, fn] as const))('%s should read and write only the change table and its one index', (name, fn) => {
    // Act
    const dynamo = roleStatements(template, roleIdOf(fn)).filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));

    // Assess
    if (!hasCapability(name, 'records')) {
      expect(dynamo).toEqual([]);
      return;
    }
    expect(dynamo).toHaveLength(1);
    expect(actionsOf(dynamo[0] as Statement)).toEqual([...RECORD_ACTIONS]);
    expect(dynamo[0]?.Resource).toEqual([
      { 'Fn::GetAtt': [expect.stringMatching(/^RecordsTable/), 'Arn'] },
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^RecordsTable/), 'Arn'] }, `/index/${GSI1_NAME}`]] },
    ]);
  });

  it('should let only the functions that complete waiting tasks call SendTaskSuccess/SendTaskFailure, on the state machine only', () => {
    // Prepare
    const policies = ofType('AWS::IAM::Policy').filter(([, p]) => text(p.Properties.PolicyDocument).includes('states:SendTask'));

    // Assess
    expect(policies).toHaveLength(1);
    const [, policy] = policies[0] as [string, (typeof resources)[string]];
    expect((policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement).toEqual([{
      Sid: 'CompleteWaitingTasks', Effect: 'Allow', Action: ['states:SendTaskSuccess', 'states:SendTaskFailure'], Resource: { Ref: stateMachineId },
    }]);
    const expected = functions.filter((fn) => hasCapability(fn.logicalName, 'callbacks')).map(roleIdOf).sort();
    expect((policy.Properties.Roles as { Ref: string }[]).map((r) => r.Ref).sort()).toEqual(expected);
  });

  it('should keep every other grant on its own resource', () => {
    // Prepare
    const byAction = (action: string): Statement[] => functions.flatMap((fn) => roleStatements(template, roleIdOf(fn))).filter((s) => actionsOf(s).includes(action));

    // Assess
    for (const s of byAction('sns:Publish')) expect(s.Resource).toEqual({ Ref: expect.stringMatching(/^NotificationsTopic/) });
    for (const s of byAction('secretsmanager:GetSecretValue')) expect(s.Resource).toEqual({ Ref: expect.stringMatching(/^NotificationsSlackWebhook/) });
    for (const s of byAction('kms:GenerateDataKey')) expect(s.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^NotificationsTopicKey/), 'Arn'] });
    for (const s of byAction('ssm:GetParameter')) expect(text(s.Resource)).toContain('"Ref":"ProfileParameter');
    const getParameters = byAction('ssm:GetParameters');
    expect(getParameters).toHaveLength(functions.filter((fn) => hasCapability(fn.logicalName, 'parameters')).length);
    // TEST's login credentials (tests.auth) live under /runbook/<env>/, which the wildcard already covers.
    expect(Object.values(profile.tests.auth?.credentials ?? {}).every((n) => n.startsWith(`/runbook/${profile.name}/`))).toBe(true);
    // The required parameters are bare names, read as /runbook/<env>/<NAME>: the grant is that path and nothing else.
    expect(profile.requiredParameters.length).toBeGreaterThan(0);
    for (const fn of functions.filter((f) => hasCapability(f.logicalName, 'parameters'))) {
      const [s] = roleStatements(template, roleIdOf(fn)).filter((st) => actionsOf(st).includes('ssm:GetParameters'));
      expect(actionsOf(s as Statement)).toEqual(['ssm:GetParameters']);
      expect(s?.Resource).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:parameter/runbook/${profile.name}/*`]] });
    }
    // The example profile uses the aws/ssm key: no KMS grant at all.
    expect(profile.parameterKmsKeyArn).toBeUndefined();
    expect(functions.flatMap((fn) => roleStatements(template, roleIdOf(fn))).filter((st) => st.Sid === 'DecryptRequiredParameters')).toEqual([]);
    const names = rollbackAlarmNames(profile.name);
    for (const s of byAction('cloudwatch:DescribeAlarms')) {
      expect(asArray(s.Resource)).toHaveLength(2);
      expect(text(s.Resource)).toContain(`:alarm:${names.latency}"`);
      expect(text(s.Resource)).toContain(`:alarm:${names.errorRate}"`);
    }
  });

  it('should give each function exactly the capabilities of its row in FUNCTION_CAPABILITIES', () => {
    // Prepare
    const probe: Record<string, string> = {
      notify: 'sns:Publish', sendCommands: 'ssm:SendCommand', cancelCommands: 'ssm:CancelCommand', commandResults: 'ssm:GetCommandInvocation', alarms: 'cloudwatch:DescribeAlarms',
      metrics: 'cloudwatch:GetMetricData', callbacks: 'states:SendTaskSuccess', executions: 'states:StopExecution', startExecutions: 'states:StartExecution',
      parameters: 'ssm:GetParameters', agentVersions: 'ssm:DescribeInstanceInformation',
    };
    // Controlling executions includes starting them.
    const implied = (caps: readonly string[]): string[] => (caps.includes('executions') ? [...caps, 'startExecutions'] : [...caps]);

    // Act
    const granted = Object.fromEntries(functions.map((fn) => {
      const actions = new Set(roleStatements(template, roleIdOf(fn)).flatMap(actionsOf));
      return [fn.logicalName, Object.entries(probe).filter(([, action]) => actions.has(action)).map(([cap]) => cap).sort()];
    }));

    // Assess
    const expected = Object.fromEntries(functions.map((fn) => [fn.logicalName,
      implied(FUNCTION_CAPABILITIES[fn.logicalName] as readonly string[]).filter((c) => c in probe).sort()]));
    expect(granted).toEqual(expected);
  });
});

describe('the SSM documents', () => {
  const documents = ofType('AWS::SSM::Document');

  it('should deploy every documents/*.yml as a YAML Command document named <env>-<document>', () => {
    // Assess
    expect(documents.map(([, d]) => d.Properties.Name).sort()).toEqual(DOCUMENT_NAMES.map((d) => `${profile.name}-${d}`).sort());
    for (const [, d] of documents) {
      expect(d.Properties).toMatchObject({ DocumentType: 'Command', DocumentFormat: 'YAML', UpdateMethod: 'NewVersion' });
      const name = String(d.Properties.Name).slice(`${profile.name}-`.length);
      expect(d.Properties.Content).toEqual(parseYaml(readFileSync(join(DOCUMENTS_DIR, `${name}.yml`), 'utf8')));
    }
  });

  it('should constrain every String parameter with allowedPattern or allowedValues and pass it only as ENV_VAR (the digits-only execution timeout aside)', () => {
    // Assess
    for (const [, d] of documents) {
      const params = (d.Properties.Content as { parameters?: Record<string, Json> }).parameters ?? {};
      for (const [param, p] of Object.entries(params)) {
        const where = `${String(d.Properties.Name)}.${param}`;
        expect({ where, constrained: p.allowedPattern !== undefined || p.allowedValues !== undefined }).toEqual({ where, constrained: true });
        // The execution timeout is the agent's timeoutSeconds input (digits only), never read by the script.
        if (param === 'executionTimeout') expect({ where, allowedPattern: p.allowedPattern }).toEqual({ where, allowedPattern: EXECUTION_TIMEOUT_PATTERN });
        else expect({ where, interpolationType: p.interpolationType }).toEqual({ where, interpolationType: 'ENV_VAR' });
      }
    }
  });
});

describe('the alarms', () => {
  const names = rollbackAlarmNames(profile.name);

  it('should roll back at 150 % of the p95 threshold: 3150 ms on the p95 of the Latency metric', () => {
    // Assess
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: names.latency,
      Namespace: ALARM_METRICS.namespace,
      MetricName: ALARM_METRICS.metrics.p95LatencyMs.metricName,
      ExtendedStatistic: 'p95',
      Dimensions: [{ Name: ALARM_METRICS.dimensionName, Value: profile.name }],
      Threshold: 3150,
      ComparisonOperator: 'GreaterThanThreshold',
      Period: 60,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      // The profile's monitoring.missingData is breaching (the default): CloudWatch keeps missing data missing, so
      // between changes (no probe) the alarm waits in INSUFFICIENT_DATA, not ALARM, and the control plane counts
      // INSUFFICIENT_DATA as breaching while a change is in flight.
      TreatMissingData: 'missing',
    });
  });

  it('should roll back at 150 % of the error-rate threshold: 0.015', () => {
    // Assess
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: names.errorRate,
      Namespace: ALARM_METRICS.namespace,
      MetricName: ALARM_METRICS.metrics.errorRate.metricName,
      Statistic: 'Average',
      Threshold: 0.015,
      ComparisonOperator: 'GreaterThanThreshold',
      Period: 60,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      // The profile's monitoring.missingData is breaching (the default): CloudWatch keeps missing data missing, so
      // between changes (no probe) the alarm waits in INSUFFICIENT_DATA, not ALARM, and the control plane counts
      // INSUFFICIENT_DATA as breaching while a change is in flight.
      TreatMissingData: 'missing',
    });
  });

  it.each([['cpu', 'cpu_usage_active', 80], ['memory', 'mem_used_percent', 85], ['disk', 'disk_used_percent', 90]] as const)(
    'should alarm on host %s (%s) above the profile threshold %i %%', (what, metric, threshold) => {
      // Assess
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `runbook-${profile.name}-host-${what}`, Namespace: 'CWAgent', MetricName: metric, Statistic: 'Maximum',
        Threshold: threshold, ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^NotificationsTopic') }],
      });
    });

  it("should chart the seed's critical metrics and the control plane's own on one dashboard", () => {
    // Act
    const body = text(ofType('AWS::CloudWatch::Dashboard')[0]?.[1].Properties.DashboardBody);

    // Assess
    expect(ofType('AWS::CloudWatch::Dashboard')[0]?.[1].Properties.DashboardName).toBe(`runbook-${profile.name}`);
    for (const metric of ['Latency', 'ErrorRate', 'netstat_tcp_established', 'cpu_usage_active', 'mem_used_percent',
      'ExecutionsStarted', 'ExecutionsSucceeded', 'ExecutionsFailed', 'Errors', 'Duration']) {
      expect({ metric, charted: body.includes(`\\"${metric}\\"`) }).toEqual({ metric, charted: true });
    }
  });
});

describe('the event rules', () => {
  it("should send exactly this environment's rollback alarms going to ALARM to the alarm function, with a DLQ", () => {
    // Prepare
    const names = rollbackAlarmNames(profile.name);

    // Assess
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        detail: { alarmName: [names.latency, names.errorRate], state: { value: ['ALARM'] } },
      },
      Targets: [Match.objectLike({
        Arn: { 'Fn::GetAtt': [logicalIdOf(stack.functions.alarm), 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DeadLettersQueue'), 'Arn'] } },
      })],
    });
  });

  it("should send this stack's documents' final command statuses to the command-status function, with a DLQ", () => {
    // Assess
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.ssm'],
        'detail-type': ['EC2 Command Status-change Notification'],
        detail: { 'document-name': DOCUMENT_NAMES.map((d) => `${profile.name}-${d}`), status: ['Success', 'Failed', 'TimedOut', 'Cancelled'] },
      },
      Targets: [Match.objectLike({
        Arn: { 'Fn::GetAtt': [logicalIdOf(stack.functions.commandStatus), 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DeadLettersQueue'), 'Arn'] } },
      })],
    });
  });
});

describe('configuration, notifications and outputs', () => {
  it('should store the validated profile as JSON in /runbook/<env>/profile, advanced tier since it is over 4 KB', () => {
    // Prepare
    const json = JSON.stringify(profile);

    // Assess
    expect(Buffer.byteLength(json)).toBeGreaterThan(4096);
    template.hasResourceProperties('AWS::SSM::Parameter', { Name: `/runbook/${profile.name}/profile`, Type: 'String', Tier: 'Advanced', Value: json });
  });

  it('should encrypt the topic with a rotating customer key and refuse publishing without TLS', () => {
    // Assess
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NotificationsTopicKey'), 'Arn'] } });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('should create the Slack webhook secret without a value for operators to set', () => {
    // Assess
    const [, secret] = ofType('AWS::SecretsManager::Secret')[0] ?? [];
    // A generated name: a fixed one stays taken through a deleted secret's recovery window (production-readiness.test.ts).
    expect(profile.notifications.slackWebhookSecret).toBeUndefined();
    expect(secret?.Properties.Name).toBeUndefined();
    expect(secret?.Properties.GenerateSecretString).toBeUndefined();
    expect(secret?.Properties.SecretString).toBeUndefined();
  });

  it('should output the state machine console link and the dashboard link', () => {
    // Act
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;

    // Assess
    const sm = text(outputs.StateMachineConsoleUrl?.Value);
    expect(sm).toContain('.console.aws.amazon.com/states/home?region=');
    expect(sm).toContain(`"#/statemachines/view/",{"Ref":"${stateMachineId}"}`);
    expect(text(outputs.DashboardUrl?.Value)).toContain(`#dashboards/dashboard/runbook-${profile.name}`);
  });

  it('should have no dependency cycle between resources', () => {
    // Prepare: every Ref/GetAtt/DependsOn edge.
    const edges = new Map<string, Set<string>>();
    const refsIn = (value: unknown, out: Set<string>): void => {
      if (Array.isArray(value)) value.forEach((v) => refsIn(v, out));
      else if (value && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) {
          if (k === 'Ref' && typeof v === 'string' && v in resources) out.add(v);
          else if (k === 'Fn::GetAtt' && Array.isArray(v) && typeof v[0] === 'string' && v[0] in resources) out.add(v[0]);
          else refsIn(v, out);
        }
      }
    };
    for (const [id, r] of Object.entries(resources)) {
      const out = new Set<string>(asArray(r.DependsOn));
      refsIn(r.Properties, out);
      edges.set(id, out);
    }

    // Act
    const state = new Map<string, 'visiting' | 'done'>();
    const cycle: string[] = [];
    const visit = (id: string, path: string[]): void => {
      if (state.get(id) === 'done' || cycle.length > 0) return;
      if (state.get(id) === 'visiting') { cycle.push(...path, id); return; }
      state.set(id, 'visiting');
      for (const next of edges.get(id) ?? []) visit(next, [...path, id]);
      state.set(id, 'done');
    };
    for (const id of edges.keys()) visit(id, []);

    // Assess
    expect(cycle).toEqual([]);
  });
});

describe('PLAN\'s alarm check on AWS', () => {
  it('should fit the probe\'s warm-up and a CloudWatch evaluation (60 s) in its budget, the budget in the plan function\'s timeout, that in the task\'s', () => {
    // Prepare: the deployed values (function Timeout from the template, TimeoutSeconds from the ASL as deployed)
    const plan = ofType('AWS::Lambda::Function').find(([, r]) => String(r.Properties.Description ?? '').includes(': PLAN: '));
    const asl = JSON.parse(readFileSync(join(__dirname, '..', '..', 'statemachines', 'runbook.asl.json'), 'utf8')) as { States: Record<string, { TimeoutSeconds?: number }> };

    // Act
    const functionTimeout = Number(plan?.[1].Properties.Timeout);
    const taskTimeout = Number(asl.States['Plan Check Alarms']?.TimeoutSeconds);

    // Assess
    expect(PROBE_WARMUP.seconds + 60).toBeLessThanOrEqual(CHECK_ALARMS_BUDGET_SECONDS);
    expect(CHECK_ALARMS_BUDGET_SECONDS).toBeLessThan(functionTimeout);
    expect(functionTimeout).toBeLessThan(taskTimeout);
  });
});
