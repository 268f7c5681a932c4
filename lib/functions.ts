// The control plane's Lambda functions and, in one table, what each may do: the grants follow what its handler's
// phase code calls (lambdas/phases/*), not a shared "can do everything" role.
import { ArnFormat, Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { FunctionEnvInput, FunctionName } from '../lambdas/aws/env';
import { rollbackAlarmNames } from '../lambdas/core/events';
import type { EnvironmentProfile } from '../lambdas/core/schemas';
import { PHASE_FUNCTIONS, type PhaseFunction } from '../lambdas/core/workflow';
import type { ChangeTable } from './data';
import { FunctionWithLogGroup } from './function-with-log-group';
import type { HostCommands } from './host-commands';
import type { Notifications } from './notifications';
import type { ProfileParameter } from './profile-parameter';
import { UnscopedPolicy } from './unscoped-policy';

/** What a function's role may do, each granted by the construct that owns the resource. */
export type Capability =
  | 'records' // the change table
  | 'profile' // read /runbook/<env>/profile
  | 'parameters' // the required-parameter check of PRE-FLIGHT; TEST's login credentials
  | 'notify' // SNS topic and Slack secret
  | 'sendCommands' // ssm:SendCommand on the documents and the environment's instances
  | 'cancelCommands' // ssm:CancelCommand (a step still running when the rollback begins)
  | 'commandResults' // read command invocations
  | 'agentVersions' // the targets' SSM Agent versions (PRE-FLIGHT)
  | 'alarms' // the rollback alarms' states
  | 'metrics' // the metrics the rollback alarms watch
  | 'callbacks' // complete or fail waiting tasks (granted by the orchestration, which owns the state machine)
  | 'executions' // start, describe, stop executions and read their history (likewise)
  | 'startExecutions' // start executions only (likewise)
  | 'startProbe' // create the attempt's probe schedule, whose first run is at once (granted by the active probe construct)
  | 'stopProbe' // delete the attempt's probe schedule (likewise)
  | 'publishProbeMetrics'; // PutMetricData into the rollback alarms' namespace (likewise)

export const FUNCTION_CAPABILITIES = {
  preflight: ['records', 'profile', 'parameters', 'sendCommands', 'agentVersions', 'callbacks'],
  // PLAN reads the alarms' metrics too: no recent datapoint blocks ACT (AlarmNoData).
  // With monitoring.source: probe, PLAN starts the attempt's active probe before it checks the alarms' data.
  plan: ['records', 'profile', 'alarms', 'metrics', 'callbacks', 'notify', 'startProbe'],
  act: ['records', 'profile', 'sendCommands', 'alarms', 'metrics', 'callbacks'],
  // 'parameters': the login credentials of tests.auth, read by name at TEST.
  test: ['records', 'profile', 'parameters'],
  // Every way an attempt ends stops its active probe (phases/report.ts endAttempt), hence report, api and execution-status.
  // The report checks the service, database and cache as it is written (runbook-Dependencies, polled to its end).
  report: ['records', 'profile', 'metrics', 'notify', 'stopProbe', 'sendCommands', 'commandResults'],
  // Rollback Begin records the rolled-back release's metrics while it was live (the report's post_deployment);
  // rollback steps are waiting tasks too: a retried step completes its new token when the command already ended.
  rollback: ['records', 'profile', 'sendCommands', 'cancelCommands', 'metrics', 'notify', 'callbacks'],
  'command-status': ['records', 'profile', 'commandResults', 'callbacks'],
  alarm: ['records', 'profile', 'callbacks'],
  // Submissions start executions; cancel stops them and ends the attempt through the REPORT code (metrics, notify).
  api: ['records', 'profile', 'notify', 'callbacks', 'executions', 'metrics', 'stopProbe'],
  // Runs the PRE-FLIGHT checks outside a change and polls their results itself (lambdas/phases/scheduled-check.ts);
  // first it completes or fails the tasks of steps whose command-status event was lost (lambdas/phases/reconcile.ts).
  'scheduled-check': ['records', 'profile', 'parameters', 'sendCommands', 'commandResults', 'notify', 'callbacks'],
  // Unfinished executions: starts a rollback-only run, or ends the attempt through the REPORT code (metrics, notify).
  'execution-status': ['records', 'profile', 'notify', 'metrics', 'startExecutions', 'stopProbe'],
  // Samples the endpoints and publishes the rollback alarms' metrics; it reads nothing of the control plane's.
  probe: ['publishProbeMetrics'],
} as const satisfies Record<FunctionName, readonly Capability[]>;

export const hasCapability = (name: FunctionName, capability: Capability): boolean =>
  (FUNCTION_CAPABILITIES[name] as readonly Capability[]).includes(capability);

/** The functions whose entry wires SSM host commands (lambdas/aws/wiring/hosts.ts: send, results, or validate at submit). */
export const WITH_DOCUMENTS = ['preflight', 'act', 'report', 'rollback', 'command-status', 'api', 'scheduled-check'] as const satisfies readonly FunctionName[];

/** The phase function behind each `${<Phase>FunctionArn}` of the ASL. */
export const PHASE_FUNCTION_NAMES: Record<PhaseFunction, FunctionName> = {
  Preflight: 'preflight', Plan: 'plan', Act: 'act', Test: 'test', Report: 'report', Rollback: 'rollback',
};

/** Lambda's hard limit; the TEST function's load test must fit in it with room for the smoke tests. */
const LAMBDA_MAX_TIMEOUT_SECONDS = 900;
const TEST_OVERHEAD_SECONDS = 60;

interface FunctionSpec {
  description: string;
  timeout: Duration;
  memorySize?: number;
  /** Invoked asynchronously by EventBridge: failed events go to the dead-letter queue. */
  asynchronous?: boolean;
  /** Who invokes it synchronously, when nothing does so asynchronously (the reason it needs no DLQ). */
  synchronousCaller?: string;
  /** Invoked asynchronously, yet a failed invocation is not worth keeping: why (instead of a DLQ). */
  noDeadLetter?: string;
}

const BY_STATE_MACHINE = 'the Step Functions state machine, whose Retry/Catch handle a failed invocation';

const SPECS: Record<FunctionName, FunctionSpec> = {
  preflight: { description: 'PRE-FLIGHT: start the attempt, send the health, dependency and backup checks', timeout: Duration.seconds(60), synchronousCaller: BY_STATE_MACHINE },
  // The alarm check may wait for the active probe's first datapoints (PROBE_WARMUP, 100 s), then for the alarms' verdict
  // (CHECK_ALARMS_BUDGET_SECONDS, 270 s in all); the ASL task allows 310 s.
  plan: { description: 'PLAN: risk, approvals, change window, active-alarm check', timeout: Duration.seconds(300), synchronousCaller: BY_STATE_MACHINE },
  act: { description: 'ACT: host-command steps and the monitoring window', timeout: Duration.seconds(60), synchronousCaller: BY_STATE_MACHINE },
  // The load generator runs in the function: one full vCPU (1,769 MB) and Lambda's longest timeout.
  test: { description: 'TEST: smoke tests and the load test', timeout: Duration.seconds(LAMBDA_MAX_TIMEOUT_SECONDS), memorySize: 1769, synchronousCaller: BY_STATE_MACHINE },
  // Up to 40 s for the health check at report time (phases/report.ts healthNow), inside the ASL's 120 s Task timeout.
  report: { description: 'REPORT: the report, QC summary and notifications', timeout: Duration.seconds(100), synchronousCaller: BY_STATE_MACHINE },
  rollback: { description: 'ROLLBACK: the profile rollback steps', timeout: Duration.seconds(60), synchronousCaller: BY_STATE_MACHINE },
  'command-status': { description: 'SSM command status-change events: complete the waiting task', timeout: Duration.seconds(60), asynchronous: true },
  alarm: { description: 'Rollback alarm state changes: fail the monitoring window', timeout: Duration.seconds(30), asynchronous: true },
  api: { description: 'Submissions, approvals and status (REST API)', timeout: Duration.seconds(29), synchronousCaller: 'API Gateway (proxy integration), which returns the error to the caller' },
  // Two host commands polled one after the other, each bounded by its own timeout + 60 s (2 × 360 s).
  'scheduled-check': { description: 'Scheduled health check of the environment', timeout: Duration.seconds(LAMBDA_MAX_TIMEOUT_SECONDS), asynchronous: true },
  'execution-status': { description: 'Executions that timed out, were aborted or failed: roll back or end the change', timeout: Duration.seconds(60), asynchronous: true },
  // One minute of sampling, its last requests' 10 s timeout, and the last publish.
  probe: {
    description: 'Active probe: samples the endpoints for a minute, publishes the rollback alarms\' metrics', timeout: Duration.seconds(90),
    noDeadLetter: 'Invoked asynchronously each minute by its EventBridge Scheduler schedule (the first time as the schedule is created): a failed minute is superseded by the next one, and the rollback alarms treat its missing data as breaching; there is nothing to replay.',
  },
};

export interface RunbookFunctionsProps {
  profile: EnvironmentProfile;
  records: ChangeTable;
  profileParameter: ProfileParameter;
  notifications: Notifications;
  hostCommands: HostCommands;
  /** Where EventBridge-invoked functions put the events they failed to handle. */
  deadLetterQueue: lambda.FunctionProps['deadLetterQueue'];
  logRetention?: logs.RetentionDays;
}

export type OperatingEnvironment = FunctionEnvInput<'preflight'>;

export class RunbookFunctions extends Construct {
  /** The six functions the state machine names. */
  readonly phases: Record<PhaseFunction, FunctionWithLogGroup>;
  readonly commandStatus: FunctionWithLogGroup<'command-status'>;
  readonly alarm: FunctionWithLogGroup<'alarm'>;
  readonly environment: OperatingEnvironment;
  private readonly props: RunbookFunctionsProps;
  /** GetMetricData takes no resource: one shared policy for the roles that read the alarms' metrics. */
  private readonly metricsPolicy = new UnscopedPolicy(this, 'MetricsReadPolicy', { sid: 'ReadAlarmMetrics', actions: ['cloudwatch:GetMetricData'] },
    'cloudwatch:GetMetricData supports no resource-level permissions (Service Authorization Reference); it reads the p95 latency and error rate the rollback alarms watch.');

  constructor(scope: Construct, id: string, props: RunbookFunctionsProps) {
    super(scope, id);
    this.props = props;
    const performance = props.profile.tests.performance;
    if (performance.durationSeconds + TEST_OVERHEAD_SECONDS > LAMBDA_MAX_TIMEOUT_SECONDS) {
      throw new Error(`profile tests.performance.durationSeconds ${performance.durationSeconds} does not fit the TEST function `
        + `(Lambda runs at most ${LAMBDA_MAX_TIMEOUT_SECONDS} s, ${TEST_OVERHEAD_SECONDS} s are kept for the smoke tests)`);
    }
    this.environment = {
      TABLE_NAME: props.records.table.tableName,
      ENVIRONMENT_NAME: props.profile.name,
      PROFILE_PARAMETER_NAME: props.profileParameter.parameterName,
      TOPIC_ARN: props.notifications.topic.topicArn,
      SLACK_SECRET_ARN: props.notifications.slackSecret.secretArn,
      DOCUMENT_NAME_PREFIX: props.hostCommands.prefix,
      COMMAND_LOG_GROUP: props.hostCommands.commandLogGroup.logGroupName,
    };
    const phases = {} as Record<PhaseFunction, FunctionWithLogGroup>;
    for (const phase of PHASE_FUNCTIONS) {
      phases[phase] = this.add(PHASE_FUNCTION_NAMES[phase], this.environment);
    }
    this.phases = phases;
    this.commandStatus = this.add('command-status', this.environment);
    this.alarm = this.add('alarm', this.environment);
  }

  /** Every function created so far (phases, event handlers and any added later). */
  get all(): FunctionWithLogGroup[] {
    return this.node.children.filter((c): c is FunctionWithLogGroup => c instanceof FunctionWithLogGroup);
  }

  /** A function with the shared environment and the grants its capability row lists (callbacks/executions aside). */
  add<F extends FunctionName>(name: F, environment: FunctionEnvInput<F>): FunctionWithLogGroup<F> {
    const spec = SPECS[name];
    const { props } = this;
    const fn = new FunctionWithLogGroup(this, functionId(name), {
      name,
      environment,
      description: `Runbook ${props.profile.name}: ${spec.description}`,
      timeout: spec.timeout,
      ...(spec.memorySize !== undefined ? { memorySize: spec.memorySize } : {}),
      // Only the entries that wire host commands read the documents (at cold start), so only their bundles carry them.
      withDocuments: (WITH_DOCUMENTS as readonly FunctionName[]).includes(name),
      ...(spec.asynchronous ? { deadLetterQueue: props.deadLetterQueue } : {}),
      ...(props.logRetention !== undefined ? { logRetention: props.logRetention } : {}),
    });
    if (spec.noDeadLetter !== undefined) {
      Validations.of(fn).acknowledge({ id: 'Serverless-LambdaDLQ', reason: spec.noDeadLetter });
    }
    if (spec.synchronousCaller !== undefined) {
      Validations.of(fn).acknowledge({
        id: 'Serverless-LambdaDLQ',
        reason: `Invoked synchronously by ${spec.synchronousCaller}; a dead-letter queue only receives failed asynchronous invocations.`,
      });
    }
    if (hasCapability(name, 'records')) props.records.grantRecords(fn);
    if (hasCapability(name, 'profile')) props.profileParameter.grantReadProfile(fn);
    // Required parameters and TEST's login credentials are all read under /runbook/<env>/ (core/parameter-names.ts).
    if (hasCapability(name, 'parameters')) props.profileParameter.grantRequiredParameters(fn);
    if (hasCapability(name, 'notify')) props.notifications.grantNotify(fn);
    if (hasCapability(name, 'sendCommands')) props.hostCommands.grantSend(fn);
    if (hasCapability(name, 'commandResults')) props.hostCommands.grantResults(fn);
    if (hasCapability(name, 'agentVersions')) props.hostCommands.grantAgentVersions(fn);
    if (hasCapability(name, 'cancelCommands')) props.hostCommands.grantCancel(fn);
    if (hasCapability(name, 'alarms')) this.grantAlarmStates(fn);
    if (hasCapability(name, 'metrics')) this.grantMetrics(fn);
    return fn;
  }

  /** DescribeAlarms on exactly this environment's two rollback alarms. */
  private grantAlarmStates(fn: FunctionWithLogGroup): void {
    const names = rollbackAlarmNames(this.props.profile.name);
    fn.addToRolePolicy(new iam.PolicyStatement({
      sid: 'RollbackAlarmStates',
      actions: ['cloudwatch:DescribeAlarms'],
      resources: [names.latency, names.errorRate].map((alarmName) => fn.stack.formatArn({
        service: 'cloudwatch', resource: 'alarm', resourceName: alarmName, arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      })),
    }));
  }

  private grantMetrics(fn: FunctionWithLogGroup): void {
    this.metricsPolicy.attachTo(fn.executionRole);
  }
}

/** `command-status` → `CommandStatus`: construct ids stay stable and readable in the console. */
export function functionId(name: FunctionName): string {
  return name.split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}
