// The unknown-key walk on the schema shapes the profile does not use today but a later field may (tuples,
// intersections, pipes, lazy and discriminated unions), and the wording of each kind of hint. Mutation testing found
// these branches unpinned: each test here fails if one is narrowed, dropped or mis-routed.
import { z } from 'zod';
import { editDistance, findUnknownKeys, knownKeys, nearestKey, unknownKeyIssue } from '../../lambdas/core/unknown-keys';

const paths = (schema: z.ZodType, value: unknown): string[] => findUnknownKeys(schema, value).map((u) => u.path.join('.'));

describe('findUnknownKeys through every schema shape', () => {
  it('should walk each tuple item with its own schema, and the rest schema past the items', () => {
    // Prepare
    const schema = z.object({ pair: z.tuple([z.object({ a: z.number() }), z.object({ b: z.number() })], z.object({ r: z.number() })) });

    // Act
    const found = paths(schema, { pair: [{ a: 1, x: 1 }, { b: 1, a: 1 }, { r: 1, y: 1 }] });

    // Assess
    expect(found).toEqual(['pair.0.x', 'pair.1.a', 'pair.2.y']);
  });

  it('should not walk tuple items past the items when there is no rest schema, nor a non-array value', () => {
    // Prepare
    const schema = z.object({ pair: z.tuple([z.object({ a: z.number() })]) });

    // Act + Assess
    expect(paths(schema, { pair: [{ a: 1 }, { zz: 1 }] })).toEqual([]);
    expect(paths(schema, { pair: { zz: 1 } })).toEqual([]);
  });

  it('should know the keys of both sides of an intersection', () => {
    // Prepare
    const schema = z.object({ both: z.intersection(z.object({ a: z.number() }), z.object({ b: z.number() })) });

    // Act + Assess
    expect(paths(schema, { both: { a: 1, b: 2, c: 3 } })).toEqual(['both.c']);
    expect(paths(schema, { both: 'not an object' })).toEqual([]);
    expect(knownKeys(schema.shape.both)).toEqual(['a', 'b']);
  });

  it('should leave an intersection with an open side to zod', () => {
    // Prepare
    const schema = z.intersection(z.object({ a: z.number() }), z.looseObject({ b: z.number() }));

    // Act + Assess
    expect(paths(schema, { a: 1, b: 2, c: 3 })).toEqual([]);
  });

  it('should walk the input side of a pipe and the schema a lazy one returns', () => {
    // Prepare
    const piped = z.object({ a: z.number() }).transform((v) => v.a);
    const lazy = z.lazy(() => z.object({ l: z.number() }));
    const schema = z.object({ piped, lazy });

    // Act + Assess
    expect(paths(schema, { piped: { a: 1, p: 1 }, lazy: { l: 1, q: 1 } })).toEqual(['piped.p', 'lazy.q']);
    expect(knownKeys(piped)).toEqual(['a']);
    expect(knownKeys(lazy)).toEqual(['l']);
  });

  it('should read every wrapper through to the object inside', () => {
    // Prepare
    const inner = z.object({ a: z.number() });
    const schema = z.object({
      o: inner.optional(), n: inner.nullable(), d: inner.default({ a: 1 }), r: inner.readonly(), c: inner.catch({ a: 0 }),
    });

    // Act + Assess
    expect(paths(schema, { o: { x: 1 }, n: { x: 1 }, d: { x: 1 }, r: { x: 1 }, c: { x: 1 } })).toEqual(['o.x', 'n.x', 'd.x', 'r.x', 'c.x']);
  });

  it('should pick the discriminated variant by its tag even when the value fits none', () => {
    // Prepare
    const schema = z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('a'), onlyA: z.number() }),
      z.object({ kind: z.literal('b'), onlyB: z.number(), x: z.number(), y: z.number() }),
    ]);

    // Act: a `kind: a` value holding b's keys (and missing onlyA, so no variant accepts it)
    const found = findUnknownKeys(schema, { kind: 'a', onlyB: 1, x: 1, y: 1 });

    // Assess: judged against variant a: onlyB is one edit from a's onlyA, x and y belong to another variant
    expect(found).toEqual([
      { path: ['onlyB'], key: 'onlyB', suggestion: 'onlyA' },
      { path: ['x'], key: 'x', otherVariant: true },
      { path: ['y'], key: 'y', otherVariant: true },
    ]);
  });

  it('should judge an untagged union by the option that accepts the value, then by the fewest unknown keys', () => {
    // Prepare
    const schema = z.union([z.object({ a: z.number(), b: z.number() }), z.object({ a: z.string() })]);

    // Act + Assess: {a: 'x', b: 1} is accepted only by the second option, where b is unknown
    expect(paths(schema, { a: 'x', b: 1 })).toEqual(['b']);
    // Accepted by neither (c is a number): the first option knows a and b, so only c is unknown there
    expect(paths(schema, { a: true, b: 1, c: 1 })).toEqual(['c']);
  });

  it('should walk record values but never call a record key unknown, and skip non-object values', () => {
    // Prepare
    const schema = z.object({ byName: z.record(z.string(), z.object({ v: z.number() })), list: z.array(z.object({ v: z.number() })) });

    // Act + Assess
    expect(paths(schema, { byName: { anyName: { v: 1, w: 2 } }, list: [{ v: 1 }, { w: 1 }] })).toEqual(['byName.anyName.w', 'list.1.w']);
    expect(paths(schema, { byName: [{ w: 1 }], list: { w: 1 } })).toEqual([]);
    expect(paths(schema, null)).toEqual([]);
    expect(paths(schema, [{ zz: 1 }])).toEqual([]);
  });

  it('should find nothing under shapes that hold no object: a union of no options, an intersection of scalars, a scalar', () => {
    // Prepare
    const schema = z.object({ none: z.union([]), scalars: z.intersection(z.string(), z.string().min(1)), text: z.string() });

    // Act + Assess
    expect(paths(schema, { none: { a: 1 }, scalars: { b: 1 }, text: { c: 1 } })).toEqual([]);
    expect(knownKeys(schema.shape.scalars)).toEqual([]);
    expect(knownKeys(z.string())).toEqual([]);
    expect(knownKeys(z.union([]))).toEqual([]);
  });

  it('should not take an inherited property name for a known key', () => {
    // Prepare
    const schema = z.object({ a: z.number() });

    // Act + Assess
    expect(paths(schema, JSON.parse('{"a":1,"toString":1,"constructor":1}'))).toEqual(['toString', 'constructor']);
  });
});

describe('where a misplaced key belongs', () => {
  const schema = z.object({
    monitoring: z.object({ probeIntervalMs: z.number() }),
    steps: z.array(z.object({ timeoutSeconds: z.number() })),
    byEnv: z.record(z.string(), z.object({ region: z.string() })),
    name: z.string(),
  });

  it('should name each place a key is known, through arrays and records, and the top level', () => {
    // Act
    const found = findUnknownKeys(schema, { probeIntervalMs: 1, timeoutSeconds: 1, region: 'x', monitoring: { probeIntervalMs: 1, name: 'x' } });

    // Assess
    expect(found).toEqual([
      { path: ['probeIntervalMs'], key: 'probeIntervalMs', knownAt: ['monitoring.probeIntervalMs'] },
      { path: ['timeoutSeconds'], key: 'timeoutSeconds', knownAt: ['steps[].timeoutSeconds'] },
      { path: ['region'], key: 'region', knownAt: ['byEnv.*.region'] },
      { path: ['monitoring', 'name'], key: 'name', knownAt: ['name'] },
    ]);
    expect(found.map((u) => unknownKeyIssue(u).message)).toEqual([
      'unknown key; `probeIntervalMs` belongs under `monitoring`',
      'unknown key; `timeoutSeconds` belongs under `steps[]`',
      'unknown key; `region` belongs under `byEnv.*`',
      'unknown key; `name` belongs under `(top level)`',
    ]);
  });

  it('should not send a key back to the object it is already in (an array element is that object)', () => {
    // Prepare: a nested array whose elements repeat a key known only there, plus a slip
    const nested = z.object({ steps: z.array(z.object({ name: z.string(), retries: z.number() })) });

    // Act
    const [u] = findUnknownKeys(nested, { steps: [{ name: 'a', retries: 1 }, { name: 'b', retris: 1, zzz: 1 }] });

    // Assess: the slip gets a suggestion and neither knownAt nor otherVariant
    expect(u).toEqual({ path: ['steps', 1, 'retris'], key: 'retris', suggestion: 'retries' });
  });
});

describe('unknownKeyIssue', () => {
  it('should word each hint, with the consequence before it', () => {
    expect(unknownKeyIssue({ path: ['a', 0, 'b'], key: 'b', suggestion: 'bb' }, ' (kept)')).toEqual({ path: 'a.0.b', message: 'unknown key (kept); did you mean `bb`?' });
    expect(unknownKeyIssue({ path: ['v'], key: 'v', otherVariant: true }).message).toBe('unknown key for this variant (it belongs to another one, e.g. another `kind`)');
    expect(unknownKeyIssue({ path: ['k'], key: 'k', knownAt: ['a.b.k', 'c.k'] }).message).toBe('unknown key; `k` belongs under `a.b` or `c`');
    expect(unknownKeyIssue({ path: ['k'], key: 'k' })).toEqual({ path: 'k', message: 'unknown key' });
  });
});

describe('nearestKey and editDistance', () => {
  it('should allow about one edit per three letters, at least one, and never a whole key', () => {
    // 3 letters: one edit allowed
    expect(nearestKey('abx', ['abc'])).toBe('abc');
    expect(nearestKey('axx', ['abc'])).toBeUndefined();
    // 6 letters: two edits allowed, not three
    expect(nearestKey('abcdxx', ['abcdef'])).toBe('abcdef');
    expect(nearestKey('abcxxx', ['abcdef'])).toBeUndefined();
    // 1 letter: the limit is still one edit, but replacing the whole key is no slip
    expect(nearestKey('a', ['b'])).toBeUndefined();
    expect(nearestKey('a', ['ab'])).toBeUndefined();
    expect(nearestKey('ab', ['abc'])).toBe('abc');
  });

  it('should keep the first of equally near keys and prefer the nearer one', () => {
    expect(nearestKey('abcd', ['abce', 'abcf'])).toBe('abce');
    expect(nearestKey('abcdef', ['abcxyf', 'abcdeg'])).toBe('abcdeg');
    expect(nearestKey('abc', [])).toBeUndefined();
  });

  it('should count inserts, deletes, substitutions and swaps, ignoring case', () => {
    expect(editDistance('ABC', 'abc')).toBe(0);
    expect(editDistance('abc', 'abxc')).toBe(1);
    expect(editDistance('abxc', 'abc')).toBe(1);
    expect(editDistance('abc', 'abd')).toBe(1);
    expect(editDistance('abcd', 'badc')).toBe(2);
    expect(editDistance('ab', 'ba')).toBe(1);
    expect(editDistance('abc', 'ca')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('abc', '')).toBe(3);
  });
});
