// The rollback alarms' states and their metrics on CloudWatch (one adapter serves both ports).
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchAlarms } from '../../adapters/aws/cloudwatch-alarms';
import type { EnvironmentProfile } from '../../core/schemas';
import type { AwsBase } from '../deps';

/**
 * With the profile, `monitoring.source: cloudwatch` makes PLAN's recency check and the report's snapshot read the
 * user's own metrics; without it (an entry that only reads alarm states) the probe's metric names are used.
 */
export function cloudWatchAlarms(client: CloudWatchClient, base: AwsBase, profile?: () => Promise<EnvironmentProfile>): CloudWatchAlarms {
  return new CloudWatchAlarms(client, {
    environment: base.env.ENVIRONMENT_NAME, clock: base.clock,
    ...(profile ? {
      userMetrics: async () => {
        const { monitoring } = await profile();
        return monitoring.source === 'cloudwatch' ? monitoring.cloudwatch : undefined;
      },
    } : {}),
  });
}
