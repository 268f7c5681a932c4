// The generated files: JSON Schemas of the profile and the change request (for editors, via the examples'
// yaml-language-server modeline) and the Markdown reference of every field, all from the zod schemas in
// lambdas/core/schemas.ts; and the state machine's TimeoutSeconds by state, which the dry run reads instead of the whole
// ASL. `npm run generate` writes them (scripts/generate.ts); a test fails when the checked-in copies differ from what
// this produces.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ChangeRequestSchema, EnvironmentProfileSchema } from '../lambdas/core/schemas';

export const GENERATE_COMMAND = 'npm run generate';

/** A JSON Schema node, as z.toJSONSchema writes it (only what the reference reads). */
export interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  [key: string]: unknown;
}

interface Document {
  name: string;
  title: string;
  schemaFile: string;
  docFile: string;
  schema: z.ZodType;
  /** Unknown keys: refused (every object closed) or kept with a warning (objects left open). */
  strict: boolean;
  intro: string;
}

export const DOCUMENTS: Document[] = [
  {
    name: 'profile', title: 'Environment profile', schemaFile: 'schemas/profile.schema.json', docFile: 'docs/profile.md',
    schema: EnvironmentProfileSchema, strict: true,
    intro: 'Where and how changes run, with the safety settings: targets, services, thresholds, steps, monitoring, tests. '
      + 'The defaults are the seed runbook\'s KIS_CORE_V3 values. An unknown key anywhere is an error naming its path '
      + '(with the nearest known key). Examples: [`examples/kis-core-v3.profile.yml`](../examples/kis-core-v3.profile.yml), '
      + '[`examples/local-demo.profile.yml`](../examples/local-demo.profile.yml).',
  },
  {
    name: 'change-request', title: 'Change request', schemaFile: 'schemas/change-request.schema.json', docFile: 'docs/change-request.md',
    schema: ChangeRequestSchema, strict: false,
    intro: 'The seed\'s `change_plan_template.yml`: what changes, who asks, when, the risks and the rollback plan. '
      + 'Unknown keys are kept in the stored document as written and reported back as warnings (by the API\'s answer, '
      + '`runbook submit` and `runbook validate`); they are not used. Examples: '
      + '[`examples/CR-2025-001.change.yml`](../examples/CR-2025-001.change.yml), [`examples/CR-2026-101.change.yml`](../examples/CR-2026-101.change.yml).',
  },
];

/** The JSON Schema of a document's input (defaults make fields optional); a strict document closes every object. */
export function jsonSchemaOf(doc: Document): JsonSchema {
  const generated = z.toJSONSchema(doc.schema, {
    io: 'input',
    target: 'draft-2020-12',
    override: (ctx) => {
      const def = (ctx.zodSchema as unknown as { _zod: { def: { type: string; catchall?: unknown; defaultValue?: unknown; innerType?: z.ZodType } } })._zod.def;
      const json = ctx.jsonSchema as JsonSchema;
      // The same rule as lambdas/core/unknown-keys.ts: an object without its own catchall refuses unknown keys.
      if (doc.strict && def.type === 'object' && def.catchall === undefined) json.additionalProperties = false;
      // zod drops a default around a transform in input mode; keep it when it is also a valid input (e.g. []).
      if (def.type === 'default' && json.default === undefined && def.innerType?.safeParse(def.defaultValue).success) {
        json.default = JSON.parse(JSON.stringify(def.defaultValue)) as unknown;
      }
      // zod writes a non-standard format next to the pattern that carries the rule; editors and validators reject it.
      if (json.format === 'starts_with' || json.format === 'ends_with' || json.format === 'includes') delete json.format;
      // .int() bounds at the safe-integer range: noise for people and editors.
      if (json.maximum === Number.MAX_SAFE_INTEGER) delete json.maximum;
      if (json.minimum === Number.MIN_SAFE_INTEGER) delete json.minimum;
    },
  }) as JsonSchema;
  const { $schema, ...rest } = generated;
  return { $schema, $id: `https://runbook.local/${doc.schemaFile}`, title: doc.title, ...rest };
}

// ── Markdown reference ────────────────────────────────────────────────────────────────────────────────────────────

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, ' ');
const code = (value: unknown): string => `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;

function typeOf(s: JsonSchema): string {
  if (s.const !== undefined) return typeof s.const;
  if (s.oneOf || s.anyOf) return 'one of the variants below';
  if (s.type === 'array') return `list of ${s.items ? typeOf(s.items) : 'any'}`;
  if (s.type === 'object' && !s.properties && typeof s.additionalProperties === 'object') return `map of name → ${typeOf(s.additionalProperties)}`;
  if (Array.isArray(s.type)) return s.type.join(' or ');
  return s.type ?? 'any';
}

function range(min: number | undefined, max: number | undefined, unit = ''): string | undefined {
  if (min !== undefined && max !== undefined) return `${min}–${max}${unit}`;
  if (min !== undefined) return `≥ ${min}${unit}`;
  if (max !== undefined) return `≤ ${max}${unit}`;
  return undefined;
}

function allowed(s: JsonSchema): string {
  const parts: string[] = [];
  if (s.const !== undefined) parts.push(code(s.const));
  if (s.enum) parts.push(s.enum.map(code).join(', '));
  if (s.format) parts.push(s.format === 'date-time' ? 'ISO 8601 date-time with offset' : `format ${s.format}`);
  else if (s.pattern) parts.push(`matches ${code(s.pattern)}`);
  const numbers = range(s.minimum, s.maximum);
  if (numbers) parts.push(numbers);
  if (s.exclusiveMinimum !== undefined) parts.push(`above ${s.exclusiveMinimum}`);
  if (s.exclusiveMaximum !== undefined) parts.push(`below ${s.exclusiveMaximum}`);
  const length = range(s.minLength, s.maxLength, ' characters');
  if (length && !(s.minLength === 1 && s.maxLength === undefined)) parts.push(length);
  if (s.minLength === 1 && s.maxLength === undefined) parts.push('not empty');
  if (s.minItems !== undefined || s.maxItems !== undefined) {
    parts.push(s.maxItems === undefined ? `at least ${s.minItems} item${s.minItems === 1 ? '' : 's'}` : `${range(s.minItems, s.maxItems)} items`);
  }
  if (s.type === 'array' && s.items && !s.items.properties) {
    const inner = allowed(s.items);
    if (inner) parts.push(`each: ${inner}`);
  }
  return parts.join('; ');
}

interface Row { path: string; schema: JsonSchema; required: boolean }

function rows(s: JsonSchema, path: string, required: boolean, out: Row[], sections: Array<{ path: string; variants: JsonSchema[] }>): void {
  if (path !== '') out.push({ path, schema: s, required });
  const variants = s.oneOf ?? s.anyOf;
  if (variants && variants.some((v) => v.properties)) {
    sections.push({ path, variants });
    return;
  }
  if (s.properties) {
    for (const [key, child] of Object.entries(s.properties)) {
      rows(child, path === '' ? key : `${path}.${key}`, (s.required ?? []).includes(key), out, sections);
    }
  } else if (s.type === 'array' && s.items) {
    if (s.items.properties || s.items.oneOf || s.items.anyOf) rows({ ...s.items, description: undefined }, `${path}[]`, true, out, sections);
  } else if (s.type === 'object' && typeof s.additionalProperties === 'object' && s.additionalProperties.properties) {
    rows(s.additionalProperties, `${path}.<name>`, true, out, sections);
  }
}

function table(list: Row[]): string[] {
  const lines = ['| Field | Type | Required | Default | Allowed values | Description |', '|---|---|---|---|---|---|'];
  for (const r of list) {
    // An array's item row only introduces its fields.
    if (r.path.endsWith('[]') && r.schema.description === undefined) continue;
    const dflt = r.schema.default === undefined ? '' : code(r.schema.default);
    lines.push(`| \`${r.path}\` | ${cell(typeOf(r.schema))} | ${r.required ? 'yes' : ''} | ${cell(dflt)} | ${cell(allowed(r.schema))} | ${cell(r.schema.description ?? '')} |`);
  }
  return lines;
}

function variantName(v: JsonSchema): string {
  const tag = Object.entries(v.properties ?? {}).find(([, p]) => p.const !== undefined);
  return tag ? `${tag[0]}: ${String(tag[1].const)}` : (v.description ?? 'variant');
}

/** The Markdown reference of a document: every field with its type, whether required, default, allowed values and description. */
export function markdownOf(doc: Document): string {
  const schema = jsonSchemaOf(doc);
  const list: Row[] = [];
  const sections: Array<{ path: string; variants: JsonSchema[] }> = [];
  rows(schema, '', true, list, sections);
  const lines = [
    `# ${doc.title} reference`,
    '',
    `<!-- Generated from lambdas/core/schemas.ts by \`${GENERATE_COMMAND}\`: do not edit by hand. -->`,
    '',
    doc.intro,
    '',
    `JSON Schema for editors: [\`${doc.schemaFile}\`](../${doc.schemaFile}) (the example files carry a \`# yaml-language-server: $schema=…\` modeline). `
      + 'Check a file offline with `npx runbook validate FILE`.',
    '',
    'Paths are dotted; `[]` marks the items of a list and `<name>` a key you choose. A field with a default may be left out.',
    '',
    ...table(list),
  ];
  for (const section of sections) {
    lines.push('', `## \`${section.path}\` variants`, '');
    const described = section.variants.map((v) => `\`${variantName(v)}\`${v.description ? ` (${v.description.replace(/\.$/, '')})` : ''}`);
    lines.push(`One of: ${described.join('; ')}.`);
    for (const v of section.variants) {
      const inner: Row[] = [];
      rows({ ...v, description: undefined }, '', true, inner, sections);
      const prefixed = inner.map((r) => ({ ...r, path: `${section.path}.${r.path}` }));
      lines.push('', `### \`${section.path}\` with \`${variantName(v)}\``, '', ...table(prefixed));
    }
  }
  return `${lines.join('\n')}\n`;
}

interface AslState { TimeoutSeconds?: number; Branches?: { States: Record<string, AslState> }[]; ItemProcessor?: { States: Record<string, AslState> } }

/** Every state's TimeoutSeconds by name, nested states included (names are unique in the definition). */
export function aslTimeouts(states: Record<string, AslState>): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (s: Record<string, AslState>): void => {
    for (const [name, state] of Object.entries(s)) {
      if (state.TimeoutSeconds !== undefined) out[name] = state.TimeoutSeconds;
      for (const b of state.Branches ?? []) walk(b.States);
      if (state.ItemProcessor) walk(state.ItemProcessor.States);
    }
  };
  walk(states);
  return out;
}

/** The ASL file and the TimeoutSeconds the dry run reads from it (lambdas/phases/dry-run.ts). */
export const ASL_FILE = 'statemachines/runbook.asl.json';
export const ASL_TIMEOUTS_FILE = 'statemachines/runbook.timeouts.json';

/** Every generated file, by path from the repository root, with its content. */
export function generatedFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const doc of DOCUMENTS) {
    files[doc.schemaFile] = `${JSON.stringify(jsonSchemaOf(doc), null, 2)}\n`;
    files[doc.docFile] = markdownOf(doc);
  }
  const definition = JSON.parse(readFileSync(join(__dirname, '..', ASL_FILE), 'utf8')) as { States: Record<string, AslState> };
  files[ASL_TIMEOUTS_FILE] = `${JSON.stringify(aslTimeouts(definition.States), null, 2)}\n`;
  return files;
}
