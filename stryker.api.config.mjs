// The mutation run over lambdas/api and lambdas/handlers (issue 12's 70 % target), with the in-process tests of the
// phases, API and handlers (test/support/stryker/layer-tests.cjs says which and why) and test/api/console.test.ts, the
// one test that reaches lambdas/api/console.ts. Run it through `npm run mutate -- api` (scripts/mutate.ts), which keeps
// its incremental baseline in git like the core's. `npm run mutate:sample` also starts from this config.
import base from './stryker.config.mjs';
import layerTests from './test/support/stryker/layer-tests.cjs';

export default {
  ...base,
  mutate: ['lambdas/api/**/*.ts', 'lambdas/handlers/**/*.ts', '!**/*.d.ts'],
  jest: { ...base.jest, config: layerTests.api },
  incrementalFile: 'reports/stryker-incremental-api.json',
  htmlReporter: { fileName: 'reports/mutation/api/index.html' },
  jsonReporter: { fileName: 'reports/mutation/api/mutation.json' },
  thresholds: { ...base.thresholds, break: 70 },
};
