// The mutation run over lambdas/core only, failing under the break threshold. Run it through `npm run mutate:core`
// (scripts/mutate.ts), which keeps its incremental baseline in git and refuses a stale one in CI (`-- --ci`).
// The threshold sits a few points under the measured score (README, "Mutation testing") so that merges touching
// core do not fail CI by a hair while a real drop does.
import base from './stryker.config.mjs';
import coreTests from './test/support/stryker/core-tests.cjs';

export default {
  ...base,
  mutate: ['lambdas/core/**/*.ts', '!**/*.d.ts'],
  // The core's own tests and the document tests (test/support/stryker/core-tests.cjs says which and why).
  jest: { ...base.jest, config: { testMatch: coreTests.testMatch, testPathIgnorePatterns: coreTests.testPathIgnorePatterns } },
  // scripts/mutate.ts puts the baseline kept in git (test/mutation/core-incremental.json.gz) here before a run
  // and keeps the new one after it: CI reuses it and tests only the mutants whose code or tests changed.
  incrementalFile: 'reports/stryker-incremental-core.json',
  htmlReporter: { fileName: 'reports/mutation/core/index.html' },
  jsonReporter: { fileName: 'reports/mutation/core/mutation.json' },
  // Measured 97.17 % (README, 2026-12-02); the break sits five points under it.
  thresholds: { ...base.thresholds, break: 92 },
};
