// The unknown-key walk's remaining edges: the keys a wrapped or union schema knows, discriminated unions whose tag
// matches no option or whose value is null, ties between union options, recursive (lazy) schemas, and where a
// misplaced key is said to belong. Each test fails if the branch it names is narrowed, dropped or mis-routed.
import { z } from 'zod';
import { editDistance, findUnknownKeys, knownKeys, unknownKeyIssue } from '../../lambdas/core/unknown-keys';

describe('knownKeys through wrappers and unions', () => {
  it('should know the keys of an optional object and of every option of a union', () => {
    // Arrange
    const optional = z.object({ a: z.number() }).optional();
    const union = z.union([z.object({ a: z.number() }), z.object({ b: z.number() })]);

    // Act + Assess
    expect(knownKeys(optional)).toEqual(['a']);
    expect(knownKeys(union)).toEqual(['a', 'b']);
  });
});

describe('findUnknownKeys, discriminated unions and ties', () => {
  const variants = () => z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('a'), alpha: z.string() }),
    z.object({ kind: z.literal('b'), beta: z.string() }),
  ]);

  it('should pass over a null value where a discriminated union may be null', () => {
    // Arrange
    const schema = z.object({ v: variants().nullable() });

    // Act + Assess
    expect(findUnknownKeys(schema, { v: null })).toEqual([]);
  });

  it('should still report unknown keys when the tag matches no option', () => {
    // Arrange
    const schema = z.object({ v: variants() });

    // Act
    const found = findUnknownKeys(schema, { v: { kind: 'zzz', alpha: 'x', extra: 1 } });

    // Assess
    expect(found.map((u) => u.path.join('.'))).toEqual(['v.extra']);
  });

  it('should take the first of two union options that fit equally well', () => {
    // Arrange
    const schema = z.object({ v: z.union([z.object({ apple: z.string().optional() }), z.object({ apply: z.string().optional() })]) });

    // Act
    const found = findUnknownKeys(schema, { v: { appl: 'x' } });

    // Assess
    expect(found).toEqual([{ path: ['v', 'appl'], key: 'appl', suggestion: 'apple' }]);
  });

  it('should say a key of another variant belongs to another variant, inside a list of a nested object', () => {
    // Arrange
    const schema = z.object({ outer: z.object({ items: z.array(variants()) }) });

    // Act
    const [found] = findUnknownKeys(schema, { outer: { items: [{ kind: 'a', alpha: 'x', beta: 'y' }] } });

    // Assess
    expect(found).toEqual({ path: ['outer', 'items', 0, 'beta'], key: 'beta', otherVariant: true });
    expect(unknownKeyIssue(found as NonNullable<typeof found>).message).toBe('unknown key for this variant (it belongs to another one, e.g. another `kind`)');
  });
});

describe('findUnknownKeys, recursive and composed schemas', () => {
  interface Node { label: string; children?: Node[] }
  const tree = (): z.ZodType<Node> => {
    const node: z.ZodType<Node> = z.lazy(() => z.object({ label: z.string(), children: z.array(node).optional() }));
    return node;
  };

  it('should find an unknown key deep in a recursive schema and say where a misplaced key belongs', () => {
    // Arrange
    const schema = z.object({ name: z.string(), tree: tree() });

    // Act
    const found = findUnknownKeys(schema, { name: 'x', label: 'misplaced', tree: { label: 'root', children: [{ label: 'leaf', colour: 'red' }] } });

    // Assess
    expect(found.map((u) => u.path.join('.'))).toEqual(['label', 'tree.children.0.colour']);
    expect(unknownKeyIssue(found[0] as NonNullable<(typeof found)[0]>).message).toBe('unknown key; `label` belongs under `tree`');
  });

  it('should say a misplaced key belongs under either side of an intersection', () => {
    // Arrange
    const schema = z.object({ both: z.intersection(z.object({ left: z.string() }), z.object({ right: z.string() })).optional(), top: z.string() });

    // Act
    const messages = findUnknownKeys(schema, { top: 'x', left: 'l', right: 'r' }).map((u) => unknownKeyIssue(u).message);

    // Assess
    expect(messages).toEqual(['unknown key; `left` belongs under `both`', 'unknown key; `right` belongs under `both`']);
  });
});

describe('findUnknownKeys, one hint per key', () => {
  it('should give only the suggestion when a slip of a sibling is also a key known elsewhere', () => {
    // Arrange
    const schema = z.object({ lable: z.string(), tree: z.object({ label: z.string() }) });

    // Act
    const found = findUnknownKeys(schema, { lable: 'x', label: 'y', tree: { label: 'z' } });

    // Assess
    expect(found).toEqual([{ path: ['label'], key: 'label', suggestion: 'lable' }]);
    expect(found[0]).not.toHaveProperty('knownAt');
  });
});

describe('editDistance against an empty word', () => {
  it('should count every letter of the other word', () => {
    // Act + Assess
    expect(editDistance('abc', '')).toBe(3);
    expect(editDistance('', 'ab')).toBe(2);
  });
});
