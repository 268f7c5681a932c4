// SchedulerActiveProbe against a mocked Scheduler client. Documented shapes:
// CreateSchedule https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html (Name, GroupName,
// ScheduleExpression, StartDate, FlexibleTimeWindow { Mode }, EndDate, ActionAfterCompletion, Target { Arn, RoleArn, Input, RetryPolicy });
// a rate-based schedule without StartDate begins invoking its target immediately
// (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#rate-based);
// DeleteSchedule https://docs.aws.amazon.com/scheduler/latest/APIReference/API_DeleteSchedule.html (ResourceNotFoundException).
import { CreateScheduleCommand, DeleteScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { SchedulerActiveProbe } from '../../../lambdas/adapters/aws/scheduler-active-probe';
import { activeProbeFrom } from '../../../lambdas/aws/probe-control';
import { ProbeEventSchema } from '../../../lambdas/core/active-probe';
import { TransientError } from '../../../lambdas/core/errors';
import type { ProbeRun } from '../../../lambdas/ports';
import { sdkError } from './sdk-errors';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const schedulerClient = new SchedulerClient({ region: 'eu-west-1', credentials });
const scheduler = mockClient(schedulerClient);
const OPTIONS = {
  functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:Runbook-probe',
  schedulerRoleArn: 'arn:aws:iam::123456789012:role/Runbook-scheduler',
  groupName: 'runbook-kis-core-v3-probe',
};
const probe = new SchedulerActiveProbe(schedulerClient, { ...OPTIONS, mayStart: true });
const RUN: ProbeRun = {
  changeId: 'CR-2026-101', attempt: 2, environment: 'kis-core-v3', baseUrl: 'https://api.example.com', paths: ['/api/v1/health', '/api/v1/estimates'],
  concurrency: 4, intervalMs: 1000, endAt: '2026-12-02T04:00:00.000Z',
};

afterEach(() => {
  scheduler.reset();
});

describe('SchedulerActiveProbe', () => {
  it('should create a once-a-minute schedule in the stack\'s group, bounded by EndDate and deleting itself after it', async () => {
    // Prepare
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:aws:scheduler:eu-west-1:123456789012:schedule/runbook-kis-core-v3-probe/CR-2026-101-2' });

    // Act
    const started = await probe.start(RUN);

    // Assess
    expect(started).toEqual({ scheduleName: 'CR-2026-101-2' });
    const input = scheduler.commandCalls(CreateScheduleCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      Name: 'CR-2026-101-2', GroupName: OPTIONS.groupName, ScheduleExpression: 'rate(1 minute)', FlexibleTimeWindow: { Mode: 'OFF' },
      EndDate: new Date(RUN.endAt), ActionAfterCompletion: 'DELETE', State: 'ENABLED',
      Target: { Arn: OPTIONS.functionArn, RoleArn: OPTIONS.schedulerRoleArn, RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 } },
    });
    // What the schedule sends is exactly what the probe function accepts.
    expect(ProbeEventSchema.parse(JSON.parse(input?.Target?.Input ?? ''))).toEqual(RUN);
  });

  it('should leave StartDate out, so that the schedule itself invokes the probe at once rather than a minute later', async () => {
    // Prepare
    scheduler.on(CreateScheduleCommand).resolves({});

    // Act
    await probe.start(RUN);

    // Assess: a rate-based schedule without StartDate begins invoking immediately (the file's first lines cite it).
    const input = scheduler.commandCalls(CreateScheduleCommand)[0]?.args[0].input;
    expect(input).toBeDefined();
    expect(input).not.toHaveProperty('StartDate');
  });

  it('should treat its own existing schedule as started (a retried PLAN step)', async () => {
    // Prepare
    scheduler.on(CreateScheduleCommand).rejects(sdkError('ConflictException'));

    // Act
    const started = await probe.start(RUN);

    // Assess
    expect(started.scheduleName).toBe('CR-2026-101-2');
  });

  it('should fail loudly when the schedule cannot be created', async () => {
    // Prepare
    scheduler.on(CreateScheduleCommand).rejects(sdkError('AccessDeniedException'));

    // Act
    const starting = probe.start(RUN);

    // Assess
    await expect(starting).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });

  it('should map throttling to TransientError (the ASL retries it)', async () => {
    // Prepare
    scheduler.on(CreateScheduleCommand).rejects(sdkError('ThrottlingException'));

    // Act / Assess
    await expect(probe.start(RUN)).rejects.toBeInstanceOf(TransientError);
  });

  it('should delete the attempt\'s schedule in the group, and say so when there was none', async () => {
    // Prepare
    scheduler.on(DeleteScheduleCommand).resolvesOnce({}).rejectsOnce(sdkError('ResourceNotFoundException'));

    // Act
    const first = await probe.stop('CR-2026-101', 2);
    const second = await probe.stop('CR-2026-101', 2);

    // Assess
    expect(first).toEqual({ stopped: true });
    expect(second).toEqual({ stopped: false });
    expect(scheduler.commandCalls(DeleteScheduleCommand)[0]?.args[0].input).toEqual({ Name: 'CR-2026-101-2', GroupName: OPTIONS.groupName });
  });
});

describe('activeProbeFrom (the entries\' wiring)', () => {
  it('should build no probe when the stack deployed none (monitoring.source: cloudwatch)', () => {
    expect(activeProbeFrom({})).toBeUndefined();
  });

  it('should refuse half a configuration, naming the variables', () => {
    expect(() => activeProbeFrom({ PROBE_FUNCTION_ARN: OPTIONS.functionArn })).toThrow(/PROBE_FUNCTION_ARN, PROBE_SCHEDULER_ROLE_ARN and PROBE_SCHEDULE_GROUP/);
  });

  it('should build the Scheduler probe with the stack\'s function, role and group', () => {
    const built = activeProbeFrom({ PROBE_FUNCTION_ARN: OPTIONS.functionArn, PROBE_SCHEDULER_ROLE_ARN: OPTIONS.schedulerRoleArn, PROBE_SCHEDULE_GROUP: OPTIONS.groupName }, { scheduler: schedulerClient, mayStart: true });
    expect(built).toBeInstanceOf(SchedulerActiveProbe);
    expect(built?.warmup).toEqual({ seconds: 100, pollMs: 5000 });
  });

  it('should stop but never start a probe in the functions that only end attempts', async () => {
    // Prepare
    scheduler.on(DeleteScheduleCommand).resolves({});
    const stopper = activeProbeFrom({ PROBE_FUNCTION_ARN: OPTIONS.functionArn, PROBE_SCHEDULER_ROLE_ARN: OPTIONS.schedulerRoleArn, PROBE_SCHEDULE_GROUP: OPTIONS.groupName }, { scheduler: schedulerClient });

    // Act
    const stopped = await stopper?.stop('CR-2026-101', 2);
    const starting = stopper?.start(RUN);

    // Assess
    expect(stopped).toEqual({ stopped: true });
    await expect(starting).rejects.toThrow(/only stops probes \(PLAN starts them\)/);
    expect(scheduler.commandCalls(CreateScheduleCommand)).toHaveLength(0);
  });
});
