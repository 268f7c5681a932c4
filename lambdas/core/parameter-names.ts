// Where a profile's parameter names live in Parameter Store: every value of an environment sits under
// /runbook/<environment>/, the one path its functions may read (lib/profile-parameter.ts grants exactly that).
// A profile names a parameter either by its bare NAME (DATABASE_URL → /runbook/<environment>/DATABASE_URL) or by
// its full path under that prefix; any other path would be unreadable on AWS and is refused at validation.

/** `/runbook/<environment>/`, with the trailing slash. */
export const parameterPrefix = (environment: string): string => `/runbook/${environment}/`;

/** Why a name cannot be read for this environment, or undefined when it can. */
export function parameterNameProblem(environment: string, name: string): string | undefined {
  if (!name.startsWith('/')) return undefined;
  const prefix = parameterPrefix(environment);
  if (name.startsWith(prefix) && name.length > prefix.length) return undefined;
  return `a parameter path must be under ${prefix} (the only path this environment's functions may read); or give the bare name, read as ${prefix}<NAME>`;
}

/** The Parameter Store name a profile's name is read from on AWS. Throws on a name the profile validation refuses. */
export function parameterStoreName(environment: string, name: string): string {
  const problem = parameterNameProblem(environment, name);
  if (problem) throw new RangeError(`parameter ${JSON.stringify(name)}: ${problem}`);
  return name.startsWith('/') ? name : `${parameterPrefix(environment)}${name}`;
}
