// The environment profile from its SSM parameter, for the entries whose code reads it (or whose notifier names the system).
import type { SSMClient } from '@aws-sdk/client-ssm';
import { cachedProfileLoader } from '../../adapters/aws/ssm-parameters';
import type { EnvironmentProfile } from '../../core/schemas';
import type { AwsBase } from '../deps';

export function profileLoader(client: SSMClient, base: AwsBase): () => Promise<EnvironmentProfile> {
  return cachedProfileLoader(client, base.env.PROFILE_PARAMETER_NAME);
}
