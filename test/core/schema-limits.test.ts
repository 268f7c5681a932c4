// The numeric limits of the profile and change-request schemas, read from the schemas themselves (their JSON Schema,
// z.toJSONSchema), so a test can never restate a limit wrongly: each bound is accepted, the value one step outside it
// is refused with an error naming the field, and an integer field refuses a fraction. A limit added to schemas.ts
// is covered without editing this file; a limit on a field the example documents cannot reach fails the first test.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { z } from 'zod';
import { ValidationError } from '../../lambdas/core/errors';
import { ChangeRequestSchema, EnvironmentProfileSchema, parseChangeRequest, parseProfile } from '../../lambdas/core/schemas';

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
}

interface Limit { path: (string | number)[]; integer: boolean; min?: number; max?: number; exclusiveMin?: number; exclusiveMax?: number }

/** Every numeric field with a bound; array items are addressed as element 0. */
function limitsOf(schema: JsonSchema, path: (string | number)[] = [], found: Limit[] = []): Limit[] {
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes('number') || types.includes('integer')) {
    const limit: Limit = { path, integer: types.includes('integer') };
    if (schema.minimum !== undefined) limit.min = schema.minimum;
    if (schema.maximum !== undefined) limit.max = schema.maximum;
    if (schema.exclusiveMinimum !== undefined) limit.exclusiveMin = schema.exclusiveMinimum;
    if (schema.exclusiveMaximum !== undefined) limit.exclusiveMax = schema.exclusiveMaximum;
    // Zod writes the safe-integer range on every int(); only the schema's own bounds are limits worth testing.
    if (limit.min === Number.MIN_SAFE_INTEGER) delete limit.min;
    if (limit.max === Number.MAX_SAFE_INTEGER) delete limit.max;
    if (limit.min !== undefined || limit.max !== undefined || limit.exclusiveMin !== undefined || limit.exclusiveMax !== undefined || limit.integer) found.push(limit);
  }
  for (const [key, child] of Object.entries(schema.properties ?? {})) limitsOf(child, [...path, key], found);
  if (schema.items) limitsOf(schema.items, [...path, 0], found);
  for (const alt of [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) limitsOf(alt, path, found);
  return found;
}

/** A copy of `doc` with the value at `path` set, creating objects on the way (arrays must exist in the example). */
function withValue(doc: unknown, path: (string | number)[], value: number): unknown | undefined {
  const copy = JSON.parse(JSON.stringify(doc)) as Record<string | number, unknown>;
  let node: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) {
    if (typeof key === 'number' && (!Array.isArray(node) || node.length === 0)) return undefined;
    if (node[key] === undefined) node[key] = {};
    node = node[key] as Record<string | number, unknown>;
  }
  node[path[path.length - 1] as string | number] = value;
  return copy;
}

function refusal(parse: () => unknown): string[] | 'accepted' {
  try {
    parse();
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    return err.issues.map((i) => i.path);
  }
  return 'accepted';
}

const example = (name: string): unknown => parseYaml(readFileSync(join(__dirname, '..', '..', 'examples', name), 'utf8'));

/**
 * The KIS profile with the optional parts every limit lives in: a regression check, the user's own CloudWatch metrics,
 * and enough load-test paths that thinkTimeSeconds (at most one second per path) can reach its own maximum.
 */
function fullProfile(): unknown {
  const doc = example('kis-core-v3.profile.yml') as {
    monitoring: Record<string, unknown>;
    tests: { regression?: unknown[]; performance: { paths: string[] } };
  };
  const metric = (metricName: string, statistic: string) => ({ namespace: 'AWS/ApplicationELB', metricName, statistic, dimensions: { LoadBalancer: 'app/alb/0123456789abcdef' } });
  doc.monitoring.source = 'cloudwatch';
  doc.monitoring.cloudwatch = { latency: metric('TargetResponseTime', 'p95'), errors: metric('HTTPCode_Target_5XX_Count', 'Sum'), requests: metric('RequestCount', 'Sum') };
  doc.tests.regression = [{ name: 'Templates list', path: '/api/v1/templates' }];
  const paths = doc.tests.performance.paths;
  // One path more than thinkTimeSeconds' maximum, so a value past it is refused by that bound alone.
  for (let i = paths.length; i < 61; i += 1) paths.push(`/api/v1/load-${i}`);
  return doc;
}

const DOCUMENTS = [
  {
    what: 'profile', schema: EnvironmentProfileSchema, base: fullProfile(),
    parse: (doc: unknown) => parseProfile(toYaml(doc)),
  },
  {
    what: 'change request', schema: ChangeRequestSchema, base: example('CR-2025-001.change.yml'),
    parse: (doc: unknown) => parseChangeRequest(toYaml(doc)),
  },
];

describe.each(DOCUMENTS)('the limits of the $what schema', ({ schema, base, parse }) => {
  const limits = limitsOf(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema);
  const cases = limits.map((l) => [l.path.join('.'), l] as const);

  it('should reach every limited field from the example document', () => {
    // Assess: an unreachable field would be a limit nobody tests here.
    expect(limits.filter((l) => withValue(base, l.path, 1) === undefined).map((l) => l.path.join('.'))).toEqual([]);
  });

  if (cases.length === 0) return;

  it.each(cases)('%s: should accept each bound and refuse one step beyond it, naming the field', (name, limit) => {
    // Prepare
    const step = limit.integer ? 1 : 0.001;
    const accepted: number[] = [];
    const refused: number[] = [];
    if (limit.min !== undefined) { accepted.push(limit.min); refused.push(limit.min - step); }
    if (limit.max !== undefined) { accepted.push(limit.max); refused.push(limit.max + step); }
    if (limit.exclusiveMin !== undefined) { accepted.push(limit.exclusiveMin + step); refused.push(limit.exclusiveMin); }
    if (limit.exclusiveMax !== undefined) { accepted.push(limit.exclusiveMax - step); refused.push(limit.exclusiveMax); }
    if (limit.integer) refused.push((limit.min ?? limit.exclusiveMin ?? 0) + 1.5);

    // Act
    const outcomes = [
      ...accepted.map((v) => ({ value: v, result: refusal(() => parse(withValue(base, limit.path, v))) })),
      ...refused.map((v) => ({ value: v, result: refusal(() => parse(withValue(base, limit.path, v))) })),
    ];

    // Assess
    expect(outcomes).toEqual([
      ...accepted.map((v) => ({ value: v, result: 'accepted' })),
      ...refused.map((v) => ({ value: v, result: [name] })),
    ]);
  });
});
