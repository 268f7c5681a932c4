// The active probe on AWS (monitoring.source: probe): the probe function, the schedule group its per-attempt
// schedules live in, the role EventBridge Scheduler invokes it with, and the grants of the functions that start
// (PLAN) and stop (every way an attempt ends) those schedules. No schedule exists between changes.
// IAM: CreateSchedule needs scheduler:CreateSchedule and iam:PassRole (iam:PassedToService scheduler.amazonaws.com), on
// arn:${Partition}:scheduler:${Region}:${Account}:schedule/${GroupName}/${ScheduleName}
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoneventbridgescheduler.html);
// PutMetricData limited by the cloudwatch:namespace condition key
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/iam-cw-condition-keys-namespace.html); a function in a
// VPC needs the network-interface actions of AWSLambdaVPCAccessExecutionRole
// (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaVPCAccessExecutionRole.html).
import { ArnFormat, Aws, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { ALARM_METRICS } from '../lambdas/adapters/aws/cloudwatch-alarms';
import type { EnvironmentProfile } from '../lambdas/core/schemas';
import type { FunctionWithLogGroup } from './function-with-log-group';
import { hasCapability, type RunbookFunctions } from './functions';

const SCHEDULER = 'scheduler.amazonaws.com';

export interface ActiveProbeProps {
  profile: EnvironmentProfile;
  functions: RunbookFunctions;
}

export const probeScheduleGroupName = (environment: string): string => `runbook-${environment}-probe`;

export class ActiveProbe extends Construct {
  readonly fn: FunctionWithLogGroup<'probe'>;
  readonly scheduleGroup: scheduler.CfnScheduleGroup;
  readonly schedulerRole: iam.Role;

  constructor(scope: Construct, id: string, props: ActiveProbeProps) {
    super(scope, id);
    const { profile, functions } = props;
    if (profile.monitoring.source !== 'probe') {
      throw new Error(`profile ${profile.name}: the active probe is for monitoring.source probe, not ${profile.monitoring.source}`);
    }
    this.fn = functions.add('probe', {});
    const vpc = profile.monitoring.probeVpc;
    if (vpc) this.placeInVpc(vpc);

    new iam.Policy(this, 'PublishProbeMetrics', {
      roles: [this.fn.executionRole],
      statements: [new iam.PolicyStatement({
        sid: 'PublishRollbackAlarmMetrics',
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': ALARM_METRICS.namespace } },
      })],
    });
    Validations.of(this.node.findChild('PublishProbeMetrics')).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: `cloudwatch:PutMetricData supports no resource-level permissions; the cloudwatch:namespace condition limits it to ${ALARM_METRICS.namespace}, the rollback alarms' namespace.`,
    });

    // Named in the functions' environment and grants by its literal name (a Ref would be a token their schemas cannot check).
    const groupName = probeScheduleGroupName(profile.name);
    this.scheduleGroup = new scheduler.CfnScheduleGroup(this, 'Schedules', { name: groupName });
    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      // Only this account's schedules may use it (the confused-deputy guard of the Scheduler user guide).
      assumedBy: new iam.ServicePrincipal(SCHEDULER, { conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } } }),
      description: `Runbook ${profile.name}: EventBridge Scheduler invokes the active probe`,
    });
    // The unqualified function only (grantInvoke would add every version and alias, `<arn>:*`).
    const invoke = (sid: string): iam.PolicyStatement => new iam.PolicyStatement({ sid, actions: ['lambda:InvokeFunction'], resources: [this.fn.functionArn] });
    this.schedulerRole.addToPolicy(invoke('InvokeActiveProbe'));

    const scheduleArn = Stack.of(this).formatArn({
      service: 'scheduler', resource: 'schedule', resourceName: `${groupName}/*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    for (const fn of functions.all) {
      const start = hasCapability(fn.logicalName, 'startProbe');
      const stop = hasCapability(fn.logicalName, 'stopProbe');
      if (!start && !stop) continue;
      fn.addEnvironment('PROBE_FUNCTION_ARN', this.fn.functionArn);
      fn.addEnvironment('PROBE_SCHEDULER_ROLE_ARN', this.schedulerRole.roleArn);
      fn.addEnvironment('PROBE_SCHEDULE_GROUP', groupName);
      fn.addToRolePolicy(new iam.PolicyStatement({
        sid: start ? 'StartActiveProbe' : 'StopActiveProbe',
        actions: start ? ['scheduler:CreateSchedule'] : ['scheduler:DeleteSchedule'],
        resources: [scheduleArn],
      }));
      if (start) {
        fn.addToRolePolicy(new iam.PolicyStatement({
          sid: 'PassSchedulerRole', actions: ['iam:PassRole'], resources: [this.schedulerRole.roleArn],
          conditions: { StringEquals: { 'iam:PassedToService': SCHEDULER } },
        }));
      }
      Validations.of(fn.executionRole.node.findChild('DefaultPolicy')).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${groupName}/*]`,
        reason: 'One schedule per attempt, named <change id>-<attempt> at run time, all in this stack\'s schedule group.',
      });
    }
  }

  /** Runs the probe in the profile's subnets: the function's VpcConfig, and the network-interface rights Lambda needs. */
  private placeInVpc(vpc: NonNullable<EnvironmentProfile['monitoring']['probeVpc']>): void {
    (this.fn.node.defaultChild as lambda.CfnFunction).vpcConfig = { subnetIds: vpc.subnetIds, securityGroupIds: vpc.securityGroupIds };
    const policy = new iam.Policy(this, 'ProbeNetworkInterfaces', {
      roles: [this.fn.executionRole],
      statements: [new iam.PolicyStatement({
        sid: 'LambdaVpcNetworkInterfaces',
        actions: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
        resources: ['*'],
      })],
    });
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Lambda creates and deletes the function\'s network interfaces in the profile\'s subnets; ec2:DescribeNetworkInterfaces works only on "*" (AWSLambdaVPCAccessExecutionRole, without its log rights).',
    });
  }
}
