// Substituted for the `yaml` package in the api function's bundle (see lib/bundling.ts): the real library (~117 KB
// minified, CommonJS, so never tree-shaken) is built as a file of its own, yaml.js beside index.js, and loaded on first
// use, so the requests that bring no YAML never load it. What the api parses:
// - JSON: the profile parameter (the stack writes it as JSON), the bundled documents (copied as JSON), JSON-looking
//   bodies. JSON.parse gives the same value the yaml package gives (JSON is YAML), except for duplicate keys, which
//   the yaml package refuses ("Map keys must be unique") and JSON.parse silently merges: text with a duplicate key goes
//   to the real library, so it is refused exactly as before.
// - YAML request bodies and the retrospective route's YAML output: the real library, loaded then.
import { join } from 'node:path';
import type * as Yaml from 'yaml';

/** The file lib/bundling.ts writes beside index.js. */
export const YAML_CHUNK = 'yaml.js';

let loaded: typeof Yaml | undefined;

/** The real yaml package, from beside the bundle; a bundle deployed without it fails here, naming the file. */
export function loadYaml(dir: string = __dirname): typeof Yaml {
  if (!loaded) {
    const file = join(dir, YAML_CHUNK);
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, by design (see above)
      loaded = require(file) as typeof Yaml;
    } catch (err) {
      throw new Error(`the YAML library is not beside this bundle (${file}, written by the CDK bundling, lib/bundling.ts): ${(err as Error).message}`);
    }
  }
  return loaded;
}

/** Whether an object of the (valid) JSON text repeats a key: then only the yaml package's answer is the right one. */
export function hasDuplicateKey(json: string): boolean {
  const objects: (Set<string> | undefined)[] = [];
  let last = '';
  // In valid JSON a string starts at the first `"` met outside another string, so the scan never starts mid-string.
  for (const [token] of json.matchAll(/"(?:[^"\\]|\\.)*"|[{}[\]:]/g)) {
    if (token === '{') objects.push(new Set());
    else if (token === '[') objects.push(undefined);
    else if (token === '}' || token === ']') objects.pop();
    else if (token === ':') {
      const keys = objects[objects.length - 1];
      const key = JSON.parse(last) as string;
      if (keys?.has(key)) return true;
      keys?.add(key);
    } else last = token;
  }
  return false;
}

export function parse(text: string, options?: Yaml.ParseOptions & Yaml.DocumentOptions & Yaml.SchemaOptions & Yaml.ToJSOptions): unknown {
  if (/^\s*[[{]/.test(text)) {
    let value: unknown;
    let json = true;
    try {
      value = JSON.parse(text) as unknown;
    } catch {
      json = false;
    }
    if (json && !hasDuplicateKey(text)) return value;
  }
  return loadYaml().parse(text, options);
}

/** `new Document(value)` builds the real library's Document (a constructor that returns an object yields that object). */
export const Document = function Document(...args: ConstructorParameters<typeof Yaml.Document>): Yaml.Document {
  return new (loadYaml().Document)(...args);
} as unknown as typeof Yaml.Document;
