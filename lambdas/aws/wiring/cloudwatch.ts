// The rollback alarms' states and their metrics on CloudWatch (one adapter serves both ports).
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchAlarms } from '../../adapters/aws/cloudwatch-alarms';
import type { AwsBase } from '../deps';

export function cloudWatchAlarms(client: CloudWatchClient, base: AwsBase): CloudWatchAlarms {
  return new CloudWatchAlarms(client, { environment: base.env.ENVIRONMENT_NAME, clock: base.clock });
}
