// Mutation testing (`npm run mutate`, `npm run mutate:core` in CI). Stryker 9 (10 needs Node 22) with the jest runner
// over jest.stryker.config.js. No TypeScript checker: @swc/jest does not type-check, so type-invalid mutants run and
// are killed (or survive) like any other; the checker cost more time here than the few mutants it would drop.
// Static mutants (module-level values such as the zod schemas) would rerun every test per mutant; they are ignored
// for speed (`ignoreStatic`) and the limits they hold are pinned by tests that read them from the schemas.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  // No findRelatedTests: jest's `filter` (test/support/stryker/filter.cjs, set in jest.stryker.config.js) already hands
  // each mutant run only the test files whose tests reached the mutant, which is narrower than the import graph.
  jest: { projectType: 'custom', configFile: 'jest.stryker.config.js', enableFindRelatedTests: false },
  coverageAnalysis: 'perTest',
  ignoreStatic: true,
  mutate: [
    'lambdas/core/**/*.ts',
    'lambdas/phases/**/*.ts',
    'lambdas/api/**/*.ts',
    'lambdas/handlers/**/*.ts',
    '!**/*.d.ts',
  ],
  ignorePatterns: ['reports', '.runbook', 'cdk.out', 'coverage', 'dist', '.git', 'test/mutation'],
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['html', 'json', 'clear-text', 'progress'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportTests: false, reportScoreTable: true, reportMutants: false },
  concurrency: 2,
  timeoutMS: 5000,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  thresholds: { high: 90, low: 80, break: null },
};
