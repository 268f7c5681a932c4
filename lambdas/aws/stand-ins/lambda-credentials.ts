// Substituted for @aws-sdk/credential-provider-node in the Lambda bundles only (see lib/bundling.ts): on Lambda the
// credentials of the function's role are always in the environment, so the default chain's SSO, INI, process and
// web-identity providers (and the STS/SSO clients they bundle, ~100 KB minified) can never be reached there.
import { fromEnv } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

/** The environment's credentials; a clear error names what is missing when run anywhere else. */
export function defaultProvider(init: Parameters<typeof fromEnv>[0] = {}): AwsCredentialIdentityProvider {
  return fromEnv(init);
}
