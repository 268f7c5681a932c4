// The state machine definition as data: which phase functions it names, and the one substitution
// map that both CDK (definitionSubstitutions) and the embedded engine apply to runbook.asl.json.

export const PHASE_FUNCTIONS = ['Preflight', 'Plan', 'Act', 'Test', 'Report', 'Rollback'] as const;
export type PhaseFunction = (typeof PHASE_FUNCTIONS)[number];

export const substitutionKey = (fn: PhaseFunction): string => `${fn}FunctionArn`;

export function definitionSubstitutions(arnOf: (fn: PhaseFunction) => string): Record<string, string> {
  return Object.fromEntries(PHASE_FUNCTIONS.map((fn) => [substitutionKey(fn), arnOf(fn)]));
}

/** Every `${Name}` placeholder in the definition text. */
export function placeholders(definitionText: string): string[] {
  return [...new Set([...definitionText.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1] as string))];
}

/** Applies the substitutions as Step Functions does; a placeholder without a value is an error, not a silent leftover. */
export function renderDefinition(definitionText: string, substitutions: Record<string, string>): string {
  const missing = placeholders(definitionText).filter((name) => !(name in substitutions));
  if (missing.length > 0) throw new Error(`state machine definition: no substitution for ${missing.map((m) => `\${${m}}`).join(', ')}`);
  return definitionText.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_m, name: string) => substitutions[name] as string);
}

/** The ARNs the embedded engine uses: shaped like Lambda ARNs so the same Resource fields validate. */
export function localFunctionArn(fn: PhaseFunction): string {
  return `arn:aws:lambda:local:000000000000:function:runbook-${fn.toLowerCase()}`;
}
