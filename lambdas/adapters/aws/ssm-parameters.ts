// Parameter Store on AWS: which of a profile's required parameters have no value (PRE-FLIGHT dependencies), and
// the environment profile itself, kept as JSON in one parameter and validated with the same schema as locally.
import { GetParameterCommand, GetParametersCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { ValidationError } from '../../core/errors';
import { parameterStoreName } from '../../core/parameter-names';
import { EnvironmentProfileSchema, parseDocumentText, validate, type EnvironmentProfile } from '../../core/schemas';
import type { ParameterSource } from '../../ports';
import { callAws } from './errors';

/** GetParameters takes at most 10 names per call. */
export const NAMES_PER_CALL = 10;

/**
 * A name has a value when Parameter Store returns it with a non-blank value. A profile's bare NAME is read as
 * `/runbook/<environment>/NAME` (core/parameter-names.ts), the only path the functions' roles may read; SecureString
 * values are decrypted (with the aws/ssm key any principal of the account may decrypt through SSM; with a customer
 * key, the profile's parameterKmsKeyArn is granted kms:Decrypt via SSM only). Values are decrypted only to test
 * them for blankness and are never logged; the result keys are the names as the profile wrote them.
 */
export class SsmParameterSource implements ParameterSource {
  constructor(private readonly client: SSMClient, private readonly environment: string) {}

  async missing(names: string[]): Promise<string[]> {
    const found = await this.read(names);
    return names.filter((name) => !Object.hasOwn(found, name));
  }

  /** Same calls as `missing`; the values go to the caller only (TEST's login), never to a log. */
  async values(names: string[]): Promise<Record<string, string>> {
    return this.read(names);
  }

  private async read(names: string[]): Promise<Record<string, string>> {
    const byPath = new Map<string, string[]>();
    for (const name of new Set(names)) {
      const path = parameterStoreName(this.environment, name);
      byPath.set(path, [...(byPath.get(path) ?? []), name]);
    }
    const paths = [...byPath.keys()];
    const found: Record<string, string> = {};
    for (let i = 0; i < paths.length; i += NAMES_PER_CALL) {
      const batch = paths.slice(i, i + NAMES_PER_CALL);
      const response = await callAws('SSM GetParameters', () => this.client.send(new GetParametersCommand({ Names: batch, WithDecryption: true })));
      // Unknown names come back in InvalidParameters, not as an error; anything not returned with a value is missing.
      for (const p of response.Parameters ?? []) {
        if (!p.Name || p.Value === undefined || p.Value.trim() === '') continue;
        for (const name of byPath.get(p.Name) ?? []) found[name] = p.Value;
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
