// The generated files: schemas/*.schema.json and docs/*.md are what the zod schemas generate (else: run npm run
// generate), every field has a description, the profile's JSON Schema closes every object, and the examples carry the
// yaml-language-server modeline pointing at their schema.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DOCUMENTS, GENERATE_COMMAND, generatedFiles, jsonSchemaOf, type JsonSchema } from '../../scripts/reference';

const ROOT = join(__dirname, '..', '..');

/** Every property of a JSON Schema with its path, through objects, list items, maps and variants. */
function properties(s: JsonSchema, path = ''): Array<{ path: string; schema: JsonSchema }> {
  const found: Array<{ path: string; schema: JsonSchema }> = [];
  for (const [key, child] of Object.entries(s.properties ?? {})) {
    const at = path === '' ? key : `${path}.${key}`;
    found.push({ path: at, schema: child }, ...properties(child, at));
  }
  if (s.items) found.push(...properties(s.items, `${path}[]`));
  if (typeof s.additionalProperties === 'object') found.push(...properties(s.additionalProperties, `${path}.<name>`));
  for (const v of [...(s.oneOf ?? []), ...(s.anyOf ?? [])]) found.push(...properties(v, path));
  return found;
}

/** Every JSON Schema node that describes an object with named properties. */
function objects(s: JsonSchema, path = ''): Array<{ path: string; schema: JsonSchema }> {
  const found = s.properties ? [{ path, schema: s }] : [];
  for (const [key, child] of Object.entries(s.properties ?? {})) found.push(...objects(child, path === '' ? key : `${path}.${key}`));
  if (s.items) found.push(...objects(s.items, `${path}[]`));
  if (typeof s.additionalProperties === 'object') found.push(...objects(s.additionalProperties, `${path}.<name>`));
  for (const v of [...(s.oneOf ?? []), ...(s.anyOf ?? [])]) found.push(...objects(v, path));
  return found;
}

describe('generated files', () => {
  it(`should match what the schemas generate (if not: ${GENERATE_COMMAND})`, () => {
    // Act
    const stale = Object.entries(generatedFiles())
      .filter(([path, content]) => !existsSync(join(ROOT, path)) || readFileSync(join(ROOT, path), 'utf8') !== content)
      .map(([path]) => `${path} differs from what lambdas/core/schemas.ts or the ASL generates: run ${GENERATE_COMMAND}`);

    // Assess
    expect(stale).toEqual([]);
  });

  it.each(DOCUMENTS.map((d) => [d.name, d] as const))('should describe every field of the %s', (_name, doc) => {
    // Act
    const fields = properties(jsonSchemaOf(doc));
    const undescribed = fields.filter((f) => typeof f.schema.description !== 'string' || f.schema.description.trim() === '').map((f) => f.path);

    // Assess
    expect(fields.length).toBeGreaterThan(25);
    expect(undescribed).toEqual([]);
  });

  it('should close every object of the profile schema and leave the change request open', () => {
    // Prepare
    const [profile, change] = DOCUMENTS.map(jsonSchemaOf);
    if (!profile || !change) throw new Error('two documents');

    // Act
    const open = objects(profile).filter((o) => o.schema.additionalProperties !== false).map((o) => o.path);
    const closed = objects(change).filter((o) => o.schema.additionalProperties === false).map((o) => o.path);

    // Assess
    expect(objects(profile).length).toBeGreaterThan(10);
    expect(open).toEqual([]);
    expect(closed).toEqual([]);
  });

  it('should document each field with its type, default, allowed values and description', () => {
    // Act
    const profileDoc = generatedFiles()['docs/profile.md'] ?? '';
    const changeDoc = generatedFiles()['docs/change-request.md'] ?? '';

    // Assess
    expect(profileDoc).toContain('| `monitoring.p95Ms` | number |  | `2100` | above 0 | p95 latency threshold in milliseconds. |');
    expect(profileDoc).toContain('| `serviceManager` | string |  | `systemd` | `systemd`, `pidfile` |');
    expect(profileDoc).toContain('### `targets` with `kind: tag`');
    expect(changeDoc).toContain('| `change_request.id` | string | yes |  | matches `^CR-\\d{4}-\\d{3,}$` |');
  });

  it('should give every example file the modeline of its schema', () => {
    // Prepare
    const examples = readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.yml'));

    // Act
    const modelines = examples.map((f) => [f, readFileSync(join(ROOT, 'examples', f), 'utf8').split('\n')[0]]);

    // Assess
    expect(examples.length).toBeGreaterThanOrEqual(4);
    for (const [file, line] of modelines) {
      const schema = file?.endsWith('.profile.yml') ? 'profile' : 'change-request';
      expect([file, line]).toEqual([file, `# yaml-language-server: $schema=../schemas/${schema}.schema.json`]);
      expect(existsSync(resolve(ROOT, 'examples', `../schemas/${schema}.schema.json`))).toBe(true);
    }
  });
});
