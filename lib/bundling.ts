// How every Lambda bundle is built, in one place: FunctionWithLogGroup hands these options to NodejsFunction (local
// esbuild), and test/infra/bundle-size.test.ts and scripts/bundle-sizes.ts build each entry with the very same ones.
// Measured on this repository (minified index.js of the api function; `npx tsx scripts/bundle-sizes.ts`):
// - the default `main` field resolves the AWS SDK to its CommonJS build, which esbuild cannot tree-shake: every
//   command and serializer of the six clients stays in. `module,main` picks the SDK's ES modules (its packages declare
//   `sideEffects: false`), and only the commands a function sends remain: 1,611 KB -> 1,260 KB for the api.
// - `@aws-sdk/credential-provider-node` (the default credential chain) carries the SSO, INI, process and web-identity
//   providers with their own STS/SSO clients (~100 KB). On Lambda the role's credentials are always in the
//   environment, so the bundles get lambdas/aws/lambda-credentials.ts (the environment provider) in its place.
// - source maps: none in the deployed asset and no `--enable-source-maps` (which makes Node read and parse the map of
//   the whole bundle at cold start). keepNames keeps class and function names readable in stack traces and, above
//   all, keeps `AlarmTriggered.name` & co. intact (the state machine routes on them).
// The pinned SDK is bundled rather than taken from the Lambda runtime: the version we test is the one that runs.
import type { BuildOptions } from 'esbuild';
import { join } from 'node:path';
import { functionEntry, REPO_ROOT, TSCONFIG } from './paths';

/** The issue-9 budget of one function's minified index.js. */
export const BUNDLE_LIMIT_BYTES = 700 * 1024;

/** esbuild's `--target` for the Node.js 24 runtime (lib/function-with-log-group.ts RUNTIME). */
export const BUNDLE_TARGET = 'node24';

/** ES modules first, so esbuild can drop the SDK commands and schemas a function never sends. */
export const MAIN_FIELDS = ['module', 'main'];

/** Package substitutions, module -> file (absolute). */
export const BUNDLE_ALIASES: Record<string, string> = {
  '@aws-sdk/credential-provider-node': join(REPO_ROOT, 'lambdas', 'aws', 'lambda-credentials.ts'),
};

/** The same bundle NodejsFunction builds for lambdas/aws/<name>.ts, for tests and scripts (metafile, nothing written). */
export function esbuildOptions(name: string): BuildOptions & { metafile: true; write: false } {
  return {
    entryPoints: [functionEntry(name)],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: BUNDLE_TARGET,
    minify: true,
    keepNames: true,
    sourcemap: false,
    mainFields: MAIN_FIELDS,
    alias: BUNDLE_ALIASES,
    external: [],
    tsconfig: TSCONFIG,
    absWorkingDir: REPO_ROOT,
    metafile: true,
    write: false,
    logLevel: 'silent',
  };
}
