// Parameter Store on AWS: which of a profile's required parameters have no value (PRE-FLIGHT dependencies), and
// the environment profile itself, kept as JSON in one parameter and validated with the same schema as locally.
import { GetParameterCommand, GetParametersCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { ValidationError } from '../../core/errors';
import { EnvironmentProfileSchema, parseDocumentText, validate, type EnvironmentProfile } from '../../core/schemas';
import type { ParameterSource } from '../../ports';
import { callAws } from './errors';

/** GetParameters takes at most 10 names per call. */
export const NAMES_PER_CALL = 10;

/**
 * A name has a value when Parameter Store returns it with a non-blank value. Secrets Manager secrets are reachable
 * the same way under `/aws/reference/secretsmanager/<secret>`. Values are decrypted only to test them for blankness
 * and are never returned or logged.
 */
export class SsmParameterSource implements ParameterSource {
  constructor(private readonly client: SSMClient) {}

  async missing(names: string[]): Promise<string[]> {
    const unique = [...new Set(names)];
    const present = new Set<string>();
    for (let i = 0; i < unique.length; i += NAMES_PER_CALL) {
      const batch = unique.slice(i, i + NAMES_PER_CALL);
      const response = await callAws('SSM GetParameters', () => this.client.send(new GetParametersCommand({ Names: batch, WithDecryption: true })));
      // Unknown names come back in InvalidParameters, not as an error; anything not returned with a value is missing.
      for (const p of response.Parameters ?? []) {
        if (p.Name && (p.Value ?? '').trim() !== '') present.add(p.Name);
      }
    }
    return names.filter((name) => !present.has(name));
  }

  /** Same calls as `missing`; the values go to the caller only (TEST's login), never to a log. */
  async values(names: string[]): Promise<Record<string, string>> {
    const unique = [...new Set(names)];
    const found: Record<string, string> = {};
    for (let i = 0; i < unique.length; i += NAMES_PER_CALL) {
      const batch = unique.slice(i, i + NAMES_PER_CALL);
      const response = await callAws('SSM GetParameters', () => this.client.send(new GetParametersCommand({ Names: batch, WithDecryption: true })));
      for (const p of response.Parameters ?? []) {
        if (p.Name && p.Value !== undefined && p.Value.trim() !== '') found[p.Name] = p.Value;
      }
    }
    return found;
  }
}

/** Reads and validates the environment profile (JSON or YAML text) from one parameter. */
export async function loadProfileFromSsm(client: SSMClient, name: string): Promise<EnvironmentProfile> {
  const response = await callAws('SSM GetParameter', () => client.send(new GetParameterCommand({ Name: name, WithDecryption: true })));
  const text = response.Parameter?.Value;
  if (text === undefined || text.trim() === '') {
    throw new ValidationError(`profile parameter ${name} is empty`, [{ path: name, message: 'empty' }]);
  }
  return validate(EnvironmentProfileSchema, parseDocumentText(text, `profile parameter ${name}`), `profile parameter ${name}`);
}

/**
 * The profile once per container: a Lambda container serves one stack, whose profile changes only with a deploy
 * (which starts new containers). A failed read is not kept, so the next invocation tries again.
 */
export function cachedProfileLoader(client: SSMClient, name: string): () => Promise<EnvironmentProfile> {
  let cached: Promise<EnvironmentProfile> | undefined;
  return () => {
    if (!cached) {
      cached = loadProfileFromSsm(client, name);
      cached.catch(() => { cached = undefined; });
    }
    return cached;
  };
}
