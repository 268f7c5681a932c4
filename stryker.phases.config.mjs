// The mutation run over lambdas/phases (issue 12's 80 % target), with the in-process tests of the phases, API and
// handlers (test/support/stryker/layer-tests.cjs says which and why). Run it through `npm run mutate -- phases`
// (scripts/mutate.ts), which keeps its incremental baseline in git like the core's.
import base from './stryker.config.mjs';
import layerTests from './test/support/stryker/layer-tests.cjs';

export default {
  ...base,
  mutate: ['lambdas/phases/**/*.ts', '!**/*.d.ts'],
  jest: { ...base.jest, config: layerTests.phases },
  incrementalFile: 'reports/stryker-incremental-phases.json',
  htmlReporter: { fileName: 'reports/mutation/phases/index.html' },
  jsonReporter: { fileName: 'reports/mutation/phases/mutation.json' },
  thresholds: { ...base.thresholds, break: 80 },
};
