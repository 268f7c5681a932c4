// The active probe on AWS: an EventBridge Scheduler schedule (in the stack's schedule group) invokes the probe function
// once a minute while an attempt needs watching. The schedule itself makes the first invocation at once: a rate-based
// schedule created without a StartDate "begins invoking the target immediately" (Schedule types, rate-based:
// https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#rate-based, within the 60-second precision
// every schedule has), so no function needs the Lambda client to start a probe. A lost delete cannot probe forever:
// the schedule has an EndDate and deletes itself after it (ActionAfterCompletion DELETE), and the probe itself samples
// nothing after the run's endAt.
// Shapes: CreateSchedule https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html
// (ScheduleExpression rate(1 minute) — the shortest rate —, no StartDate, FlexibleTimeWindow Mode OFF, Target
// Arn/RoleArn/Input, GroupName, EndDate, ActionAfterCompletion); DeleteSchedule
// https://docs.aws.amazon.com/scheduler/latest/APIReference/API_DeleteSchedule.html (ResourceNotFoundException when absent).
import { CreateScheduleCommand, DeleteScheduleCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import { probeScheduleName } from '../../core/active-probe';
import type { ActiveProbe, ProbeRun } from '../../ports';
import { callAws, errorName } from './errors';

export interface SchedulerActiveProbeOptions {
  /** The probe function the schedule and the first invocation call. */
  functionArn: string;
  /** The role EventBridge Scheduler assumes to invoke it (passed with iam:PassRole). */
  schedulerRoleArn: string;
  /** The stack's schedule group: the functions may create and delete schedules in it only. */
  groupName: string;
  /** PLAN only: the other functions (report, api, execution-status) may stop probes, not start them. */
  mayStart?: boolean;
  warmup?: { seconds: number; pollMs: number };
}

/**
 * PLAN's wait for the first datapoints: the schedule's first invocation ("begins invoking the target immediately"
 * without a StartDate, but every schedule type invokes "with 60 second precision":
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#rate-based), a cold start, the probe's
 * first publish (every 5 s) and CloudWatch's ingestion (seconds); within the plan function's timeout (lib/functions.ts,
 * 300 s) and the ASL's Plan Check Alarms TimeoutSeconds (310 s), leaving PLAN time for the alarms' first verdict on
 * that data (lambdas/phases/plan.ts CHECK_ALARMS_BUDGET_SECONDS).
 */
export const PROBE_WARMUP = { seconds: 100, pollMs: 5000 };

export class SchedulerActiveProbe implements ActiveProbe {
  readonly warmup: { seconds: number; pollMs: number };

  constructor(private readonly scheduler: SchedulerClient, private readonly options: SchedulerActiveProbeOptions) {
    this.warmup = options.warmup ?? PROBE_WARMUP;
  }

  async start(run: ProbeRun): Promise<{ scheduleName: string }> {
    if (!this.options.mayStart) throw new Error(`cannot start the active probe of ${run.changeId}: this function only stops probes (PLAN starts them)`);
    const name = probeScheduleName(run.changeId, run.attempt);
    const input = JSON.stringify(run);
    try {
      await callAws('Scheduler CreateSchedule', () => this.scheduler.send(new CreateScheduleCommand({
        Name: name,
        GroupName: this.options.groupName,
        Description: `Runbook active probe of ${run.changeId} attempt ${run.attempt} (${run.environment})`,
        // No StartDate: the first invocation is at once (the file's first lines say where this is documented).
        ScheduleExpression: 'rate(1 minute)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        EndDate: new Date(run.endAt),
        ActionAfterCompletion: 'DELETE',
        State: 'ENABLED',
        Target: {
          Arn: this.options.functionArn,
          RoleArn: this.options.schedulerRoleArn,
          Input: input,
          // A missed minute is not worth replaying later: the next one samples the present.
          RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
        },
      })));
    } catch (err) {
      // A retried PLAN step finds its own schedule: starting is idempotent.
      if (errorName(err) !== 'ConflictException') throw err;
    }
    return { scheduleName: name };
  }

  async stop(changeId: string, attempt: number): Promise<{ stopped: boolean }> {
    try {
      await callAws('Scheduler DeleteSchedule', () => this.scheduler.send(new DeleteScheduleCommand({
        Name: probeScheduleName(changeId, attempt),
        GroupName: this.options.groupName,
      })));
      return { stopped: true };
    } catch (err) {
      if (errorName(err) === 'ResourceNotFoundException') return { stopped: false };
      throw err;
    }
  }
}
