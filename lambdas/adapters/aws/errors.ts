// How the AWS adapters tell a failure worth retrying from one that is not: throttling and service-side faults
// become TransientError (the ASL Retry lists it); everything else keeps its SDK name for the logs and Catch.
import { TransientError } from '../../core/errors';

/**
 * Names the services use for "slow down" or "try again", beyond what `$retryable`/`$fault` already say.
 * SSM, CloudWatch and SNS say ThrottlingException/Throttling; SNS also uses ThrottledException; Secrets Manager
 * and KMS-backed calls their own throttling names; InternalServerError and friends are server faults.
 */
const TRANSIENT_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'KmsThrottlingException',
  'KMSThrottlingException',
  'InternalServerError',
  'InternalServiceError',
  'InternalFailure',
  'InternalErrorException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
]);

interface SdkErrorShape {
  name?: unknown;
  $fault?: unknown;
  $retryable?: { throttling?: boolean } | undefined;
}

export function errorName(err: unknown): string | undefined {
  return err instanceof Error ? err.name : undefined;
}

/** True for throttling and server-side faults: the SDK has already retried them, a later attempt may succeed. */
export function isTransient(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const shape = err as SdkErrorShape;
  return TRANSIENT_NAMES.has(err.name) || shape.$fault === 'server' || shape.$retryable?.throttling === true;
}

/** TransientError for what is worth retrying (naming the service call), the original error otherwise. */
export function mapAwsError(operation: string, err: unknown): unknown {
  if (isTransient(err)) {
    return new TransientError(`${operation} failed, worth retrying: ${errorName(err)}: ${(err as Error).message}`, { cause: err });
  }
  return err;
}

/** Runs one SDK call and maps its failure. */
export async function callAws<T>(operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw mapAwsError(operation, err);
  }
}

/** Cuts a string to at most `max` characters, marking the cut, for fields with a hard service limit. */
export function truncate(text: string, max: number, marker = '…'): string {
  if (text.length <= max) return text;
  return max <= marker.length ? text.slice(0, max) : `${text.slice(0, max - marker.length)}${marker}`;
}
