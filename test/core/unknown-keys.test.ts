// Unknown keys: every object of a profile refuses them (with the nearest known key, or where a misplaced key
// belongs), including objects added later on a plain z.object; a change request keeps them and warns.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { validationErrorOf } from '../support/validation';
import { ChangeRequestSchema, EnvironmentProfileSchema, parseDocumentText, validate, validateWithWarnings } from '../../lambdas/core/schemas';
import { editDistance, findUnknownKeys, nearestKey } from '../../lambdas/core/unknown-keys';

const example = (name: string): unknown =>
  parseDocumentText(readFileSync(join(__dirname, '..', '..', 'examples', name), 'utf8').split('{{port}}').join('8080'), name);

const issuesOf = (fn: () => unknown): Array<{ path: string; message: string }> => validationErrorOf(fn).issues;

/** Every plain object of a document with its path, except free-form maps (step parameters, a check's body, login credentials, metric dimensions). */
const FREE_FORM = new Set<string | number | undefined>(['parameters', 'body', 'credentials', 'dimensions']);
function objectPaths(value: unknown, path: Array<string | number> = []): Array<Array<string | number>> {
  if (Array.isArray(value)) return value.flatMap((v, i) => objectPaths(v, [...path, i]));
  if (typeof value !== 'object' || value === null) return [];
  const last = path.at(-1);
  if (FREE_FORM.has(last)) return [];
  return [path, ...Object.entries(value).flatMap(([k, v]) => objectPaths(v, [...path, k]))];
}

function withKey(doc: unknown, path: Array<string | number>, key: string): unknown {
  const copy = structuredClone(doc);
  const node = path.reduce<unknown>((n, k) => (n as Record<string | number, unknown>)[k], copy);
  (node as Record<string, unknown>)[key] = 1;
  return copy;
}

describe('nearestKey', () => {
  it.each([
    ['aprovers', ['approvers', 'apps'], 'approvers'],
    ['maxAtempts', ['maxAttempts', 'name'], 'maxAttempts'],
    ['p95ms', ['p95Ms', 'errorRate'], 'p95Ms'],
    ['theshlods', ['thresholds'], 'thresholds'],
    ['sevrices', ['services'], 'services'],
    ['colour', ['name', 'targets'], undefined],
    ['x', ['name', 'act'], undefined],
  ])('should suggest for %s among %j: %s', (key, known, expected) => {
    expect(nearestKey(key, known)).toBe(expected);
  });

  it('should count a swap of two neighbouring letters as one edit', () => {
    expect(editDistance('recieve', 'receive')).toBe(1);
    expect(editDistance('abc', 'abc')).toBe(0);
    expect(editDistance('', 'abc')).toBe(3);
  });
});

describe('unknown keys in a profile', () => {
  it.each(['kis-core-v3.profile.yml', 'local-demo.profile.yml'])('should refuse an unknown key in every object of %s, naming its path', (name) => {
    // Prepare
    const doc = example(name);
    const paths = objectPaths(doc);

    // Act + Assess: one injected key at a time, anywhere
    expect(paths.length).toBeGreaterThan(20);
    for (const path of paths) {
      const issues = issuesOf(() => validate(EnvironmentProfileSchema, withKey(doc, path, 'zzUnknownKey'), 'profile'));
      expect(issues).toEqual([{ path: [...path, 'zzUnknownKey'].join('.'), message: 'unknown key' }]);
    }
  });

  it('should suggest the sibling key for a misspelt one and say where a misplaced one belongs', () => {
    // Prepare
    const doc = example('kis-core-v3.profile.yml') as Record<string, Record<string, unknown>>;
    const { cpuPercent, ...thresholds } = doc.thresholds as Record<string, unknown>;
    const bad = { ...doc, thresholds: { ...thresholds, cpuPercnt: cpuPercent }, probeIntervalMs: 500 };

    // Act
    const issues = issuesOf(() => validate(EnvironmentProfileSchema, bad, 'profile'));

    // Assess
    expect(issues).toEqual([
      { path: 'thresholds.cpuPercnt', message: 'unknown key; did you mean `cpuPercent`?' },
      { path: 'probeIntervalMs', message: 'unknown key; `probeIntervalMs` belongs under `monitoring`' },
    ]);
  });

  it('should read the union variant the value is meant for: a key of another `kind` is unknown here', () => {
    // Prepare
    const kis = example('kis-core-v3.profile.yml') as Record<string, unknown> & { act: { steps: Record<string, unknown>[] } };
    // Without the steps' own targets, which a `local` environment cannot narrow (a separate issue).
    const doc = { ...kis, act: { steps: kis.act.steps.map(({ targets: _t, ...step }) => step) }, targets: { kind: 'local', values: ['production'] } };

    // Act
    const issues = issuesOf(() => validate(EnvironmentProfileSchema, doc, 'profile'));

    // Assess
    expect(issues).toEqual([{ path: 'targets.values', message: expect.stringMatching(/^unknown key for this variant/) }]);
  });

  it('should apply to objects a schema gains later on a plain z.object, through wrappers, arrays, records and unions', () => {
    // Prepare: a schema like one another engineer might add, nothing strict in it
    const schema = z.object({
      approvers: z.object({ technical: z.array(z.string()).default([]) }).prefault({}),
      freezes: z.array(z.object({ from: z.string(), to: z.string() })).optional(),
      byName: z.record(z.string(), z.object({ limit: z.number() })).default({}),
      either: z.union([z.object({ a: z.number() }), z.object({ b: z.string() })]).optional(),
      free: z.record(z.string(), z.unknown()).optional(),
    });
    const value = {
      aprovers: {}, approvers: { technicl: ['x'] }, freezes: [{ from: 'a', to: 'b', reason: 'r' }],
      byName: { one: { limit: 1, limt: 2 } }, either: { b: 'x', c: 1 }, free: { anything: { goes: true } },
    };

    // Act
    const found = findUnknownKeys(schema, value).map((u) => [u.path.join('.'), u.suggestion]);

    // Assess
    expect(found).toEqual([
      ['aprovers', 'approvers'], ['approvers.technicl', 'technical'], ['freezes.0.reason', undefined],
      ['byName.one.limt', 'limit'], ['either.c', undefined],
    ]);
  });

  it('should leave objects that state their own policy (strict or loose) to zod', () => {
    // Prepare
    const schema = z.object({ loose: z.looseObject({ a: z.number() }), strict: z.strictObject({ a: z.number() }) });

    // Act
    const found = findUnknownKeys(schema, { loose: { a: 1, b: 2 }, strict: { a: 1, b: 2 } });

    // Assess
    expect(found).toEqual([]);
  });
});

describe('unknown keys in a change request', () => {
  it('should keep them in the parsed document and report each as a warning', () => {
    // Prepare
    const doc = example('CR-2025-001.change.yml') as Record<string, Record<string, unknown>>;
    const raw = { ...doc, timeline: { ...doc.timeline, freeze_exception: 'approved by CAB' }, ticket: { key: 'OPS-1' } };

    // Act
    const { value, warnings } = validateWithWarnings(ChangeRequestSchema, raw, 'change request');

    // Assess
    expect(warnings).toEqual([
      { path: 'timeline.freeze_exception', message: 'unknown key (kept as written, not used)' },
      { path: 'ticket', message: 'unknown key (kept as written, not used)' },
    ]);
    expect(value).toMatchObject({ timeline: { freeze_exception: 'approved by CAB' }, ticket: { key: 'OPS-1' } });
  });

  it('should not warn about the free-form approval claim', () => {
    // Act
    const { warnings } = validateWithWarnings(ChangeRequestSchema, example('CR-2025-001.change.yml'), 'change request');

    // Assess
    expect(warnings).toEqual([]);
  });

  it('should name a misspelt key next to the field it left missing', () => {
    // Prepare
    const doc = example('CR-2025-001.change.yml') as Record<string, Record<string, unknown>>;
    const { title, ...rest } = doc.change_request as Record<string, unknown>;

    // Act
    const issues = issuesOf(() => validate(ChangeRequestSchema, { ...doc, change_request: { ...rest, titel: title } }, 'change request'));

    // Assess
    expect(issues).toEqual([
      { path: 'change_request.title', message: expect.any(String) },
      { path: 'change_request.titel', message: 'unknown key; did you mean `title`?' },
    ]);
  });
});
