// How every Lambda bundle is built, in one place: FunctionWithLogGroup hands these options to NodejsFunction (local
// esbuild), and test/infra/bundle-size.test.ts and scripts/bundle-sizes.ts build each entry with the very same ones.
// Measured on this repository (minified index.js of the api function; `npx tsx scripts/bundle-sizes.ts`):
// - the default `main` field resolves the AWS SDK to its CommonJS build, which esbuild cannot tree-shake: every
//   command and serializer of the six clients stays in. `module,main` picks the SDK's ES modules (its packages declare
//   `sideEffects: false`), and only the commands a function sends remain: 1,611 KB -> 1,260 KB for the api.
// - `@aws-sdk/credential-provider-node` (the default credential chain) carries the SSO, INI, process and web-identity
//   providers with their own STS/SSO clients (~100 KB). On Lambda the role's credentials are always in the
//   environment, so the bundles get lambdas/aws/stand-ins/lambda-credentials.ts (the environment provider) in its place.
// - `yaml` is CommonJS (never tree-shaken, ~117 KB): every function but the api reads JSON only (the profile
//   parameter is written as JSON, the documents are converted to JSON when copied beside index.js), so it gets
//   lambdas/aws/stand-ins/json-only-yaml.ts instead. The api parses YAML request bodies and prints the retrospective as
//   YAML: it gets lambdas/aws/stand-ins/lazy-yaml.ts, which reads JSON itself and loads the real library, built as
//   yaml.js beside index.js, on the first YAML it meets; its JSON requests never load it.
// - zod at run time (measured on the api: the full build 445 KB, 258 KB of it locales): the code imports it as a
//   namespace (`import * as z from 'zod'`), which lets esbuild drop what is not used: ~105 KB. Chosen over zod/mini
//   (~70 KB less, but a second, functional schema language beside lambdas/core/schemas.ts, the single source that
//   CDK, the CLI and the generated JSON Schemas share) and over skipping validation of data validated before (the api
//   must still reject change requests with the same field-naming messages, and the task events come from outside).
//   An ESLint rule keeps the named `z` import out of lambdas/.
// - the SDK's event-stream codec (@smithy/core/event-streams, ~15 KB) is imported dynamically for event-stream
//   operations only, which no function sends: a stand-in that fails loudly takes its place. In TEST, pako (zlib in
//   JavaScript, ~47 KB), which hdr-histogram-js uses to inflate its WebAssembly binary, is replaced by Node's zlib.
// - source maps: none in the deployed asset and no `--enable-source-maps` (which makes Node read and parse the map of
//   the whole bundle at cold start). No keepNames either: it wrapped every function and class of the bundle in a
//   `__name(...)` call run at load (~40 KB of the api's 707 KB, and as many defineProperty calls at cold start). The
//   names the state machine routes on do not depend on it: every error class declares its `name` as a string
//   (`override name = 'AlarmTriggered'`), which minifying keeps, as the SDK's exceptions and zod's classes do
//   (test/infra/error-names.test.ts holds every error class of lambdas/ to it). Stack traces show minified names.
// The pinned SDK is bundled rather than taken from the Lambda runtime: the version we test is the one that runs.
import type { BuildOptions } from 'esbuild';
import { join } from 'node:path';
import { YAML_CHUNK } from '../lambdas/aws/stand-ins/lazy-yaml';
import { functionEntry, REPO_ROOT, TSCONFIG } from './paths';

/** The issue-9 budget of one function's minified index.js. */
export const BUNDLE_LIMIT_BYTES = 700 * 1024;

/** esbuild's `--target` for the Node.js 24 runtime (lib/function-with-log-group.ts RUNTIME). */
export const BUNDLE_TARGET = 'node24';

/** ES modules first, so esbuild can drop the SDK commands and schemas a function never sends. */
export const MAIN_FIELDS = ['module', 'main'];

/** The functions that parse or print YAML at run time: YAML request bodies and the retrospective route. */
export const YAML_FUNCTIONS: readonly string[] = ['api'];

/** The real yaml package's file beside index.js in those functions (lambdas/aws/stand-ins/lazy-yaml.ts loads it). */
export { YAML_CHUNK };

const standIn = (file: string): string => join(REPO_ROOT, 'lambdas', 'aws', 'stand-ins', file);

/**
 * The parts of autocannon (TEST's load generator) the load tester never reaches, each replaced by a stand-in that
 * fails loudly if it ever is: multipart bodies (form-data and its MIME database), the CLI's progress bar and result
 * table, the one semver comparison it makes at load, and the Buffer polyfill hyperid falls back to.
 */
const LOAD_GENERATOR_ALIASES: Record<string, string> = {
  'form-data': standIn('no-multipart.ts'),
  ...Object.fromEntries(['chalk', 'cli-table3', 'progress', 'color-support', 'char-spinner', 'pretty-bytes'].map((p) => [p, standIn('cli-printer.ts')])),
  'semver': standIn('semver-gte.ts'),
  // `buffer/` (hyperid's fallback for a Node without Buffer) names the npm polyfill; Node's own module replaces it.
  'buffer': standIn('node-buffer.ts'),
  // hdr-histogram-js inflates its WebAssembly binary with pako, zlib ported to JavaScript; Node's zlib does the same.
  'pako': standIn('node-zlib-pako.ts'),
};

/** Package substitutions for one function's bundle, module -> file (absolute). */
export function bundleAliases(name: string): Record<string, string> {
  return {
    '@aws-sdk/credential-provider-node': join(REPO_ROOT, 'lambdas', 'aws', 'stand-ins', 'lambda-credentials.ts'),
    // Loaded by the SDK only for event-stream operations, which no function sends (the stand-in says so if one ever does).
    '@smithy/core/event-streams': standIn('no-event-streams.ts'),
    yaml: standIn(YAML_FUNCTIONS.includes(name) ? 'lazy-yaml.ts' : 'json-only-yaml.ts'),
    // The load generator's multipart support, which the load tester never uses (lambdas/aws/stand-ins/no-multipart.ts says why).
    ...(name === 'test' ? LOAD_GENERATOR_ALIASES : {}),
  };
}

/**
 * Shell commands copying the SSM documents beside index.js, as JSON (parsed by the real yaml package at bundling time,
 * so the objects are the ones the source YAML gives): every function reads them with JSON.parse at cold start.
 */
export function copyDocumentsCommands(inputDir: string, outputDir: string): string[] {
  const script = 'const [y, fs, from, to] = [require(process.argv[1]), require("fs"), process.argv[2], process.argv[3]];'
    + ' for (const f of fs.readdirSync(from).filter((n) => n.endsWith(".yml"))) fs.writeFileSync(to + "/" + f, JSON.stringify(y.parse(fs.readFileSync(from + "/" + f, "utf8"))));';
  return [`mkdir -p "${outputDir}/documents"`, `node -e '${script}' "${inputDir}/node_modules/yaml" "${inputDir}/documents" "${outputDir}/documents"`];
}

/** How the real yaml package is built as one minified file, yaml.js beside index.js (YAML_FUNCTIONS), loaded on first use. */
const YAML_CHUNK_BUILD = { bundle: true, platform: 'node', format: 'cjs', target: BUNDLE_TARGET, minify: true, sourcemap: false } as const satisfies BuildOptions;

/** That build as options for esbuild's API (tests measure it: metafile, nothing written). */
export function yamlChunkOptions(): BuildOptions & { metafile: true; write: false } {
  return { ...YAML_CHUNK_BUILD, entryPoints: [require.resolve('yaml', { paths: [REPO_ROOT] })], absWorkingDir: REPO_ROOT, metafile: true, write: false, logLevel: 'silent' };
}

/** Shell command writing yaml.js beside index.js with the project's esbuild and the same build (YAML_CHUNK_BUILD). */
export function yamlChunkCommands(name: string, inputDir: string, outputDir: string): string[] {
  if (!YAML_FUNCTIONS.includes(name)) return [];
  const script = 'const [esbuild, yaml, out, build] = [require(process.argv[1]), require.resolve(process.argv[2]), process.argv[3], JSON.parse(process.argv[4])];'
    + ' esbuild.buildSync({ ...build, entryPoints: [yaml], outfile: out, logLevel: "error" });';
  return [`node -e '${script}' "${inputDir}/node_modules/esbuild" "${inputDir}/node_modules/yaml" "${outputDir}/${YAML_CHUNK}" '${JSON.stringify(YAML_CHUNK_BUILD)}'`];
}

/** The same bundle NodejsFunction builds for lambdas/aws/<name>.ts, for tests and scripts (metafile, nothing written). */
export function esbuildOptions(name: string): BuildOptions & { metafile: true; write: false } {
  return {
    entryPoints: [functionEntry(name)],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: BUNDLE_TARGET,
    minify: true,
    keepNames: false,
    sourcemap: false,
    mainFields: MAIN_FIELDS,
    alias: bundleAliases(name),
    external: [],
    tsconfig: TSCONFIG,
    absWorkingDir: REPO_ROOT,
    metafile: true,
    write: false,
    logLevel: 'silent',
  };
}
