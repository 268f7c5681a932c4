// The control plane for one environment profile: composes the constructs (one per concern) and states the grants
// that cross them. Nothing here creates resources directly except the outputs.
import { existsSync } from 'node:fs';
import { Aws, CfnOutput, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { FunctionEnvSchemas } from '../lambdas/aws/env';
import { apiPrincipals } from '../lambdas/core/identity';
import type { EnvironmentProfile } from '../lambdas/core/schemas';
import { CHECK_FAILED_METRIC } from '../lambdas/phases/scheduled-check';
import { ActiveProbe } from './active-probe';
import { ControlPlaneApi } from './api';
import { ChangeTable } from './data';
import { DeadLetters } from './dead-letters';
import { EventRules } from './event-rules';
import { hasCapability, RunbookFunctions } from './functions';
import { HostCommands } from './host-commands';
import { dashboardName, Monitoring } from './monitoring';
import { Notifications } from './notifications';
import { Orchestration } from './orchestration';
import { functionEntry } from './paths';
import { ProfileParameter } from './profile-parameter';
import { SafetyNet } from './safety-net';
import { ScheduledCheck } from './scheduled-check';

export interface RunbookStackProps extends StackProps {
  profile: EnvironmentProfile;
  /**
   * Whether the api and scheduled-check functions exist yet (their handlers are written separately).
   * @default whether lambdas/aws/api.ts and lambdas/aws/scheduled-check.ts exist
   */
  wire?: { api?: boolean; scheduledCheck?: boolean };
}

export const stackNameFor = (environment: string): string => `Runbook-${environment}`;

export class RunbookStack extends Stack {
  readonly profile: EnvironmentProfile;
  readonly functions: RunbookFunctions;
  readonly orchestration: Orchestration;
  readonly api: ControlPlaneApi | undefined;
  readonly scheduledCheck: ScheduledCheck | undefined;
  /** With monitoring.source: probe only. */
  readonly activeProbe: ActiveProbe | undefined;

  constructor(scope: Construct, id: string, props: RunbookStackProps) {
    super(scope, id, props);
    const { profile } = props;
    this.profile = profile;
    Tags.of(this).add('runbook:environment', profile.name);

    const profileParameter = new ProfileParameter(this, 'Profile', { profile });
    const records = new ChangeTable(this, 'Records');
    const notifications = new Notifications(this, 'Notifications', { profile });
    const hostCommands = new HostCommands(this, 'HostCommands', { profile });
    const deadLetters = new DeadLetters(this, 'DeadLetters');
    const functions = new RunbookFunctions(this, 'Functions', {
      profile, records, profileParameter, notifications, hostCommands, deadLetterQueue: deadLetters.queue,
    });
    this.functions = functions;
    const orchestration = new Orchestration(this, 'Orchestration', { environment: profile.name, phaseFunctions: functions.phases });
    this.orchestration = orchestration;

    new EventRules(this, 'Events', {
      environment: profile.name,
      documentNames: hostCommands.documentNames,
      alarmFunction: functions.alarm,
      commandStatusFunction: functions.commandStatus,
      deadLetterQueue: deadLetters.queue,
    });

    const wireApi = props.wire?.api ?? existsSync(functionEntry('api'));
    if (wireApi) {
      const fn = functions.add('api', { ...functions.environment, STATE_MACHINE_ARN: orchestration.stateMachine.stateMachineArn });
      this.api = new ControlPlaneApi(this, 'Api', { environment: profile.name, fn, allowedPrincipals: apiPrincipals(profile) });
      new CfnOutput(this, 'ApiUrl', { description: 'REST API base URL (SigV4)', value: this.api.url });
    }
    const wireScheduledCheck = props.wire?.scheduledCheck ?? existsSync(functionEntry('scheduled-check'));
    if (wireScheduledCheck) {
      const fn = functions.add('scheduled-check', functions.environment);
      this.scheduledCheck = new ScheduledCheck(this, 'ScheduledCheck', {
        environment: profile.name, fn, topic: notifications.topic, deadLetterQueue: deadLetters.queue,
        failureMetric: new cloudwatch.Metric({
          // The function's METRICS_NAMESPACE is left at its schema default, so the alarm reads that same default.
          namespace: FunctionEnvSchemas['scheduled-check'].shape.METRICS_NAMESPACE.parse(undefined),
          metricName: CHECK_FAILED_METRIC,
          dimensionsMap: { Environment: profile.name },
        }),
      });
    }

    const executionStatus = functions.add('execution-status', { ...functions.environment, STATE_MACHINE_ARN: orchestration.stateMachine.stateMachineArn });
    new SafetyNet(this, 'SafetyNet', {
      environment: profile.name,
      stateMachine: orchestration.stateMachine,
      executionStatusFunction: executionStatus,
      deadLetterQueue: deadLetters.queue,
      topic: notifications.topic,
    });

    // After every function that starts or stops an attempt's probe exists: it grants them and tells them where it is.
    this.activeProbe = profile.monitoring.source === 'probe' ? new ActiveProbe(this, 'ActiveProbe', { profile, functions }) : undefined;

    // Callback and execution rights name the state machine, which exists only after the functions it invokes.
    for (const fn of functions.all) {
      if (hasCapability(fn.logicalName, 'callbacks')) orchestration.grantTaskResponse(fn.executionRole);
      if (hasCapability(fn.logicalName, 'executions')) orchestration.grantExecutionControl(fn.executionRole);
      if (hasCapability(fn.logicalName, 'startExecutions')) orchestration.grantStartExecution(fn.executionRole);
    }

    new Monitoring(this, 'Monitoring', {
      profile, topic: notifications.topic, stateMachine: orchestration.stateMachine, functions: functions.all,
    });

    const console = `https://${Aws.REGION}.console.aws.amazon.com`;
    new CfnOutput(this, 'StateMachineArn', { value: orchestration.stateMachine.stateMachineArn });
    new CfnOutput(this, 'StateMachineConsoleUrl', {
      description: 'The runbook state machine in the Step Functions console',
      value: `${console}/states/home?region=${Aws.REGION}#/statemachines/view/${orchestration.stateMachine.stateMachineArn}`,
    });
    new CfnOutput(this, 'DashboardUrl', {
      description: 'The environment dashboard in the CloudWatch console',
      value: `${console}/cloudwatch/home?region=${Aws.REGION}#dashboards/dashboard/${dashboardName(profile.name)}`,
    });
    // Generated names (a redeploy under the same stack name must not collide with retained or deleted ones): the
    // outputs say where to put the Slack webhook and where host-command output goes.
    new CfnOutput(this, 'SlackSecretArn', { description: 'Put the Slack webhook URL here (aws secretsmanager put-secret-value)', value: notifications.slackSecret.secretArn });
    new CfnOutput(this, 'CommandLogGroup', { description: 'Full output of the host commands (retained)', value: hostCommands.commandLogGroup.logGroupName });
  }
}
