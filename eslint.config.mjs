// Lint: typescript-eslint recommended rules over sources and tests; no focused or skipped tests.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', '.runbook/', 'coverage/', 'dist/', 'reports/', '.stryker-tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly', fetch: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': ['error',
        { object: 'describe', property: 'only' }, { object: 'it', property: 'only' }, { object: 'test', property: 'only' },
        { object: 'describe', property: 'skip' }, { object: 'it', property: 'skip' }, { object: 'test', property: 'skip' }],
      'no-restricted-globals': ['error', 'fdescribe', 'fit', 'xdescribe', 'xit', 'xtest'],
    },
  },
  // Lambda code: `import { z } from 'zod'` makes esbuild keep zod's whole namespace, every locale included (~340 KB
  // more in each bundle); the namespace import lets it keep only what is used (lib/bundling.ts).
  { files: ['lambdas/**/*.ts'], rules: { 'no-restricted-syntax': ['error', { selector: "ImportDeclaration[source.value='zod'][importKind!='type'] > ImportSpecifier[imported.name='z']", message: "use `import * as z from 'zod'`: the named `z` keeps all of zod (every locale) in the Lambda bundles" }] } },
  { files: ['**/*.js', '**/*.cjs'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
  {
    // The web console's ES modules run in the browser (served as they are by `runbook serve`, no build step).
    files: ['web/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: { document: 'readonly', window: 'readonly', location: 'readonly', sessionStorage: 'readonly', TextDecoderStream: 'readonly', AbortController: 'readonly', BroadcastChannel: 'readonly', navigator: 'readonly' },
    },
  },
);
