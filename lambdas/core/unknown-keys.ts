// Finds the keys of an input that a zod schema does not know, walking the input alongside the schema. Generic on
// purpose: every object the schema holds is covered, including ones added later on a plain z.object, so a profile's
// misspelt `aprovers:` is an error naming its path (with the nearest known key) instead of being dropped silently.
import type { z } from 'zod';
import type { FieldIssue } from './errors';

type Schema = z.ZodType;
type Key = string | number;

/** The parts of a zod 4 schema definition this walk reads (zod's own `_zod.def`). */
interface Def {
  type: string;
  shape?: Record<string, Schema>;
  catchall?: Schema;
  element?: Schema;
  innerType?: Schema;
  in?: Schema;
  options?: Schema[];
  discriminator?: string;
  valueType?: Schema;
  items?: Schema[];
  rest?: Schema | null;
  left?: Schema;
  right?: Schema;
  getter?: () => Schema;
}

const defOf = (schema: Schema): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Wrappers whose input is their inner schema's input. */
const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional', 'success']);

export interface UnknownKey {
  /** Path of the unknown key itself (the parent's path plus the key). */
  path: Key[];
  key: string;
  /** The nearest known key of the same object, when one is close. */
  suggestion?: string;
  /** Where this key is known elsewhere in the schema (a misplaced key), as dotted paths. */
  knownAt?: string[];
  /** True when the same object knows this key in another variant (another `kind`, say). */
  otherVariant?: boolean;
}

interface Found extends UnknownKey { siblings: string[] }

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The object shapes a schema accepts at this level (through wrappers and unions). */
function objectShapes(schema: Schema): Array<{ shape: Record<string, Schema>; open: boolean }> {
  const def = defOf(schema);
  if (def.type === 'object') return [{ shape: def.shape ?? {}, open: def.catchall !== undefined }];
  if (WRAPPERS.has(def.type) && def.innerType) return objectShapes(def.innerType);
  if (def.type === 'pipe' && def.in) return objectShapes(def.in);
  if (def.type === 'lazy' && def.getter) return objectShapes(def.getter());
  // Stryker disable next-line LogicalOperator,ArrayDeclaration: zod always gives a union its options
  if (def.type === 'union') return (def.options ?? []).flatMap(objectShapes);
  if (def.type === 'intersection' && def.left && def.right) {
    const sides = [...objectShapes(def.left), ...objectShapes(def.right)];
    return sides.length === 0 ? [] : [{ shape: Object.assign({}, ...sides.map((s) => s.shape)) as Record<string, Schema>, open: sides.some((s) => s.open) }];
  }
  return [];
}

/** The keys an object schema (through wrappers and unions) knows at its top level. */
export function knownKeys(schema: Schema): string[] {
  return [...new Set(objectShapes(schema).flatMap((s) => Object.keys(s.shape)))];
}

/** Picks the union option the value is meant for: by discriminator, then one that accepts it, then the fewest unknown keys. */
function unionOption(def: Def, value: unknown, path: Key[]): Schema | undefined {
  // Stryker disable next-line LogicalOperator,ArrayDeclaration: zod always gives a union its options
  let options = def.options ?? [];
  if (def.discriminator && isPlainObject(value)) {
    const tag = value[def.discriminator];
    const matching = options.filter((o) => objectShapes(o).some((s) => {
      const field = s.shape[def.discriminator as string];
      return field !== undefined && field.safeParse(tag).success;
    }));
    if (matching.length > 0) options = matching;
  }
  const accepting = options.filter((o) => o.safeParse(value).success);
  const candidates = accepting.length > 0 ? accepting : options;
  let best: Schema | undefined;
  let fewest = Infinity;
  for (const option of candidates) {
    const n = walk(option, value, path).length;
    if (n < fewest) {
      fewest = n;
      best = option;
    }
  }
  return best;
}

function walk(schema: Schema, value: unknown, path: Key[]): Found[] {
  const def = defOf(schema);
  switch (def.type) {
    case 'object': {
      if (!isPlainObject(value)) return [];
      const shape = def.shape ?? {};
      const found: Found[] = [];
      for (const [key, v] of Object.entries(value)) {
        const field = Object.hasOwn(shape, key) ? shape[key] : undefined;
        if (field) found.push(...walk(field, v, [...path, key]));
        // An object with a catchall (loose or strict) states its own policy: zod applies it.
        else if (def.catchall === undefined) found.push({ path: [...path, key], key, siblings: Object.keys(shape) });
      }
      return found;
    }
    case 'array':
      return Array.isArray(value) && def.element ? value.flatMap((v, i) => walk(def.element as Schema, v, [...path, i])) : [];
    case 'tuple':
      if (!Array.isArray(value)) return [];
      return value.flatMap((v, i) => {
        const item = def.items?.[i] ?? def.rest ?? undefined;
        return item ? walk(item, v, [...path, i]) : [];
      });
    case 'record':
      // Records are free-keyed by design (e.g. step parameters, the approval claim); their values are still walked.
      return isPlainObject(value) && def.valueType ? Object.entries(value).flatMap(([k, v]) => walk(def.valueType as Schema, v, [...path, k])) : [];
    case 'union': {
      const option = unionOption(def, value, path);
      return option ? walk(option, value, path) : [];
    }
    case 'intersection': {
      const [merged] = objectShapes(schema);
      if (!merged || !isPlainObject(value)) return [];
      const asObject = { _zod: { def: { type: 'object', shape: merged.shape, ...(merged.open ? { catchall: {} } : {}) } } } as unknown as Schema;
      return walk(asObject, value, path);
    }
    case 'pipe':
      // Stryker disable next-line ConditionalExpression,ArrayDeclaration: zod always gives a pipe its input schema
      return def.in ? walk(def.in, value, path) : [];
    case 'lazy':
      // Stryker disable next-line ConditionalExpression,ArrayDeclaration: zod always gives a lazy schema its getter
      return def.getter ? walk(def.getter(), value, path) : [];
    default:
      if (WRAPPERS.has(def.type) && def.innerType) return walk(def.innerType, value, path);
      return [];
  }
}

/** Every dotted path at which each key name is known in the schema (for "it belongs under …"). */
function keyIndex(schema: Schema): Map<string, string[]> {
  const index = new Map<string, string[]>();
  const seen = new Set<Schema>();
  const visit = (s: Schema, at: string): void => {
    if (seen.has(s)) return;
    seen.add(s);
    const def = defOf(s);
    if (def.type === 'object') {
      for (const [key, field] of Object.entries(def.shape ?? {})) {
        const where = at === '' ? key : `${at}.${key}`;
        index.set(key, [...(index.get(key) ?? []), where]);
        visit(field, where);
      }
      return;
    }
    const inner = def.element ?? def.valueType ?? def.innerType ?? def.in ?? (def.type === 'lazy' && def.getter ? def.getter() : undefined);
    if (inner) visit(inner, def.element ? `${at}[]` : def.valueType ? `${at}.*` : at);
    for (const o of [...(def.options ?? []), ...(def.items ?? []), ...(def.left ? [def.left] : []), ...(def.right ? [def.right] : [])]) visit(o, at);
  };
  visit(schema, '');
  return index;
}

/** Edit distance (insert, delete, substitute, swap two neighbours), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const d: number[][] = Array.from({ length: s.length + 1 }, (_, i) => Array.from({ length: t.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => d[i]?.[j] ?? Infinity;
  for (let i = 1; i <= s.length; i += 1) {
    for (let j = 1; j <= t.length; j += 1) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(s.length, t.length);
}

/** The known key nearest to `key`, if it is close enough to be a slip (about a third of the letters). */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(key, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const limit = Math.max(1, Math.floor(Math.max(key.length, 3) / 3));
  return best !== undefined && bestDistance <= limit && bestDistance < key.length ? best : undefined;
}

/** The keys of `value` the schema does not know, each with the nearest known sibling or the place it belongs. */
export function findUnknownKeys(schema: Schema, value: unknown): UnknownKey[] {
  const found = walk(schema, value, []);
  if (found.length === 0) return found;
  const index = keyIndex(schema);
  return found.map(({ siblings, ...u }) => {
    const suggestion = nearestKey(u.key, siblings);
    // Array indices and record keys are not in the schema's paths: compare the parent's path without them.
    const parent = u.path.slice(0, -1).filter((k) => typeof k === 'string').join('.');
    const places = (index.get(u.key) ?? []).map((p) => p.split('.').slice(0, -1).join('.'));
    const otherVariant = places.some((p) => p.replaceAll('[]', '') === parent);
    const knownAt = (index.get(u.key) ?? []).filter((_, i) => places[i]?.replaceAll('[]', '') !== parent);
    return { ...u, ...(suggestion ? { suggestion } : {}), ...(!suggestion && otherVariant ? { otherVariant } : {}), ...(!suggestion && !otherVariant && knownAt.length > 0 ? { knownAt } : {}) };
  });
}

/** One unknown key as a field issue: "unknown key; did you mean `approvers`?". */
export function unknownKeyIssue(u: UnknownKey, consequence = ''): FieldIssue {
  const hint = u.suggestion ? `; did you mean \`${u.suggestion}\`?`
    : u.otherVariant ? ' for this variant (it belongs to another one, e.g. another `kind`)'
    : u.knownAt ? `; \`${u.key}\` belongs under ${u.knownAt.map((p) => `\`${p.split('.').slice(0, -1).join('.') || '(top level)'}\``).join(' or ')}` : '';
  return { path: u.path.map(String).join('.'), message: `unknown key${consequence}${hint}` };
}
