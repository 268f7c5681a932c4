// Jest for Stryker (`npm run mutate`): only the fast in-process unit tests of the mutated layers. The e2e project,
// the CDK template tests (synth), the CLI tests (child processes, which never see the active mutant) and the two
// HTTP-server suites (a minute each here) stay out: under Stryker every surviving mutant reruns its covering tests.
const { projects } = require('./jest.config.js');
const unit = projects.find((p) => p.displayName === 'unit');
module.exports = {
  ...unit,
  displayName: undefined,
  rootDir: __dirname,
  testMatch: [
    '<rootDir>/test/core/**/*.test.ts',
    '<rootDir>/test/phases/**/*.test.ts',
    '<rootDir>/test/documents/**/*.test.ts',
    '<rootDir>/test/statemachine/**/*.test.ts',
    '<rootDir>/test/api/**/*.test.ts',
    '<rootDir>/test/aws/**/*.test.ts',
  ],
  testPathIgnorePatterns: [
    '/node_modules/', '<rootDir>/test/api/server.test.ts', '<rootDir>/test/api/flow.test.ts', '<rootDir>/test/api/console.test.ts',
    // One run per Catch of the ASL (~80 s); paths.test.ts already runs the phases on the engine.
    '<rootDir>/test/statemachine/branch-coverage.test.ts',
  ],
  // Per mutant, only the test files whose tests reached it in the initial run (test/support/stryker/).
  setupFilesAfterEnv: [...(unit.setupFilesAfterEnv ?? []), '<rootDir>/test/support/stryker/record-test-files.cjs'],
  filter: '<rootDir>/test/support/stryker/filter.cjs',
  // Per mutant, those files cheapest first, and nothing more once one test has failed (the mutant is killed).
  testSequencer: '<rootDir>/test/support/stryker/sequencer.cjs',
  // An absolute path: Stryker loads the environment itself (to mix its own in), without resolving <rootDir>.
  testEnvironment: require('node:path').join(__dirname, 'test/support/stryker/bail-environment.cjs'),
};
