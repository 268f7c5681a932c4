// Substituted for the `yaml` package in every Lambda bundle but the api's (see lib/bundling.ts): there, the only texts
// parsed are the profile parameter, which the stack writes as JSON (lib/profile-parameter.ts), and the SSM documents,
// which the CDK bundling copies beside index.js converted to JSON (JSON is YAML, so the `.yml` names stay true). That
// keeps the YAML library (~117 KB minified, CommonJS, so never tree-shaken) out of eleven bundles. The api accepts YAML
// request bodies and prints the retrospective as YAML: it loads the real library on first use (lazy-yaml.ts).

/** JSON.parse, with a message that says why YAML is refused here (callers wrap it with the text's name). */
export function parse(text: string, _options?: unknown): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Error(`${(err as Error).message} (this Lambda function reads JSON only: the stack writes its profile parameter and bundled documents as JSON; YAML is read by the CLI, the embedded engine and the api function)`);
  }
}

/** YAML output exists in the api function only (the retrospective route); anywhere else reaching it is a bug. */
export class Document {
  commentBefore?: string;

  constructor(_value?: unknown) {
    throw new Error('YAML output is built in the api function only: this bundle carries a JSON-only stand-in for the yaml package (lib/bundling.ts)');
  }

  toString(_options?: unknown): string {
    throw new Error('YAML output is built in the api function only');
  }
}
