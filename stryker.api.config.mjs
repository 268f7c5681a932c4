// `npm run mutate:api`: the mutation run over lambdas/api and lambdas/handlers (issue 12's 70 % target), with the two
// HTTP-server suites that `npm run mutate` leaves out (jest.stryker.config.js): node-server.ts and console.ts are
// reached by no other test, so without them every mutant of those two files would count as not covered.
// flow.test.ts stays out (41 changes through the engine; router.test.ts drives the same routes in-process).
import base from './stryker.config.mjs';
import stryker from './jest.stryker.config.js';

const HTTP_SUITES = ['<rootDir>/test/api/server.test.ts', '<rootDir>/test/api/console.test.ts'];

export default {
  ...base,
  mutate: ['lambdas/api/**/*.ts', 'lambdas/handlers/**/*.ts', '!**/*.d.ts'],
  jest: { ...base.jest, config: { testPathIgnorePatterns: stryker.testPathIgnorePatterns.filter((p) => !HTTP_SUITES.includes(p)) } },
  incrementalFile: 'reports/stryker-incremental-api.json',
  htmlReporter: { fileName: 'reports/mutation/api/index.html' },
  jsonReporter: { fileName: 'reports/mutation/api/mutation.json' },
};
