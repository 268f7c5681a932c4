// The active probe construct, synthesized: with monitoring.source probe, a probe function allowed only PutMetricData in
// the alarms' namespace, a schedule group, a Scheduler role that can only invoke it, and per-function rights to
// create (PLAN) or delete (every attempt end) schedules in that group only; in the profile's VPC when it names one;
// and nothing of it with source: cloudwatch. IAM shapes: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoneventbridgescheduler.html
// (CreateSchedule + iam:PassRole with iam:PassedToService), https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/iam-cw-condition-keys-namespace.html.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { parse, stringify } from 'yaml';
import { ALARM_METRICS } from '../../lambdas/adapters/aws/cloudwatch-alarms';
import { probeScheduleGroupName } from '../../lib/active-probe';
import { DEFAULT_PROFILE_FILE } from '../../lib/paths';
import { actionsOf, logicalIdOf, roleStatements, synthRunbook, type Json } from './support';

const kis = parse(readFileSync(DEFAULT_PROFILE_FILE, 'utf8')) as Json;
const dir = mkdtempSync(join(tmpdir(), 'runbook-probe-'));

function synthWith(name: string, monitoring: Json) {
  const file = join(dir, `${name}.profile.yml`);
  writeFileSync(file, stringify({ ...kis, monitoring: { ...(kis.monitoring as Json), ...monitoring } }));
  return synthRunbook({ context: { profile: file } });
}

const VPC = { subnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'], securityGroupIds: ['sg-0123456789abcdef0'] };
const synth = synthWith('probe-vpc', { source: 'probe', probeVpc: VPC });
const { stack, template } = synth;
const probe = stack.activeProbe;
const fnNamed = (name: string) => {
  const fn = stack.functions.all.find((f) => f.logicalName === name);
  if (!fn) throw new Error(`no ${name} function`);
  return fn;
};
const roleIdOf = (name: string): string => stack.getLogicalId(fnNamed(name).executionRole.node.defaultChild as never);
const GROUP = probeScheduleGroupName(stack.profile.name);
const scheduleArn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':scheduler:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:schedule/${GROUP}/*`]] };

describe('the active probe on AWS', () => {
  it('should create the schedule group, and no schedule (schedules exist only while an attempt needs watching)', () => {
    template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: GROUP });
    template.resourceCountIs('AWS::Scheduler::Schedule', 0);
  });

  it('should let the probe function publish only into the rollback alarms\' namespace, and nothing else', () => {
    // Act
    const statements = roleStatements(template, roleIdOf('probe'));
    const own = statements.filter((s) => !actionsOf(s).some((a) => a.startsWith('xray:') || a.startsWith('logs:') || a.startsWith('ec2:')));

    // Assess
    expect(own).toEqual([{
      Sid: 'PublishRollbackAlarmMetrics', Effect: 'Allow', Action: 'cloudwatch:PutMetricData', Resource: '*',
      Condition: { StringEquals: { 'cloudwatch:namespace': ALARM_METRICS.namespace } },
    }]);
  });

  it('should run the probe in the profile\'s subnets and security groups when it names them', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('Active probe'),
      VpcConfig: { SubnetIds: VPC.subnetIds, SecurityGroupIds: VPC.securityGroupIds },
    });
    expect(roleStatements(template, roleIdOf('probe')).flatMap(actionsOf)).toEqual(expect.arrayContaining(['ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface']));
  });

  it('should let EventBridge Scheduler of this account assume its role, and that role only invoke the probe', () => {
    // Act
    const roleId = stack.getLogicalId(probe?.schedulerRole.node.defaultChild as never);
    const role = template.toJSON().Resources[roleId] as { Properties: { AssumeRolePolicyDocument: { Statement: Json[] } } };

    // Assess
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([{
      Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'scheduler.amazonaws.com' },
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
    }]);
    expect(roleStatements(template, roleId)).toEqual([{
      Sid: 'InvokeActiveProbe', Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': [logicalIdOf(fnNamed('probe')), 'Arn'] },
    }]);
  });

  it('should let PLAN create schedules in the group only and pass only the Scheduler role; the schedule, not PLAN, invokes the probe', () => {
    // Act
    const statements = roleStatements(template, roleIdOf('plan'));

    // Assess
    expect(statements).toEqual(expect.arrayContaining([
      { Sid: 'StartActiveProbe', Effect: 'Allow', Action: 'scheduler:CreateSchedule', Resource: scheduleArn },
      {
        Sid: 'PassSchedulerRole', Effect: 'Allow', Action: 'iam:PassRole', Resource: { 'Fn::GetAtt': [stack.getLogicalId(probe?.schedulerRole.node.defaultChild as never), 'Arn'] },
        Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      },
    ]));
    expect(statements.flatMap(actionsOf)).not.toContain('scheduler:DeleteSchedule');
    // A rate schedule without StartDate makes the first invocation itself (lambdas/adapters/aws/scheduler-active-probe.ts).
    expect(statements.flatMap(actionsOf)).not.toContain('lambda:InvokeFunction');
  });

  it.each(['report', 'execution-status', 'api'])('should let %s delete schedules in the group only, and tell it where the probe is', (name) => {
    // Act
    const statements = roleStatements(template, roleIdOf(name));
    const env = (template.toJSON().Resources[logicalIdOf(fnNamed(name))] as { Properties: { Environment: { Variables: Json } } }).Properties.Environment.Variables;

    // Assess
    expect(statements).toEqual(expect.arrayContaining([{ Sid: 'StopActiveProbe', Effect: 'Allow', Action: 'scheduler:DeleteSchedule', Resource: scheduleArn }]));
    expect(statements.flatMap(actionsOf)).not.toEqual(expect.arrayContaining(['scheduler:CreateSchedule']));
    expect(statements.flatMap(actionsOf)).not.toEqual(expect.arrayContaining(['iam:PassRole']));
    expect(env).toMatchObject({ PROBE_SCHEDULE_GROUP: GROUP, PROBE_FUNCTION_ARN: expect.anything(), PROBE_SCHEDULER_ROLE_ARN: expect.anything() });
  });

  it.each(['preflight', 'act', 'test', 'rollback', 'alarm', 'command-status'])('should give %s no scheduler right and no probe variables', (name) => {
    const env = (template.toJSON().Resources[logicalIdOf(fnNamed(name))] as { Properties: { Environment: { Variables: Json } } }).Properties.Environment.Variables;
    expect(roleStatements(template, roleIdOf(name)).flatMap(actionsOf).filter((a) => a.startsWith('scheduler:') || a === 'iam:PassRole')).toEqual([]);
    expect(Object.keys(env).filter((k) => k.startsWith('PROBE_'))).toEqual([]);
  });
});

describe('monitoring.source: cloudwatch', () => {
  it('should deploy no probe function, no schedule group and no scheduler rights', () => {
    // Prepare
    const metric = { namespace: 'AWS/ApplicationELB', metricName: 'TargetResponseTime', dimensions: { LoadBalancer: 'app/web/0123456789abcdef' }, statistic: 'p95', scale: 1000 };

    // Act
    const cw = synthWith('cloudwatch', {
      source: 'cloudwatch', cloudwatch: { latency: metric, errors: { ...metric, metricName: 'HTTPCode_Target_5XX_Count', statistic: 'Sum', scale: 1 }, requests: { ...metric, metricName: 'RequestCount', statistic: 'Sum', scale: 1 } },
    });

    // Assess
    expect(cw.stack.activeProbe).toBeUndefined();
    cw.template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 0);
    expect(cw.stack.functions.all.map((f) => f.logicalName)).not.toContain('probe');
    expect(JSON.stringify(cw.template.toJSON())).not.toContain('scheduler:');
  });
});
