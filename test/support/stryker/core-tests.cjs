// The test files of the core mutation run (stryker.core.config.mjs), also read by scripts/mutate-core.ts to fingerprint
// what they import: only the in-process unit tests of the core and of the documents/profiles it validates, each
// milliseconds a test. The phase tests (6–18 s a file: most drive the embedded engine) and the engine path tests would
// also kill core mutants, but per mutant they would take this run far past the 15 minutes CI gives it; the core's
// behaviour is pinned by its own tests instead.
module.exports = {
  testMatch: ['<rootDir>/test/core/**/*.test.ts', '<rootDir>/test/documents/**/*.test.ts'],
  // schema-limits.test.ts (10 s) pins the schemas' numeric bounds: static values this run does not mutate
  // (ignoreStatic), while it would rerun for every mutant of validate() and the parsers that every test calls.
  // hostile-parameters.test.ts sends ~1,000 values through the local runner per mutant of documents.ts, whose
  // rules document-rules.test.ts and documents.test.ts pin directly.
  // dependency-checks.test.ts runs the runbook-Dependencies script in bash (five runs with real sockets) for every
  // mutant of the parameter checks it passes through; those checks are pinned by the two document tests above.
  testPathIgnorePatterns: [
    '/node_modules/', '<rootDir>/test/core/schema-limits.test.ts', '<rootDir>/test/documents/hostile-parameters.test.ts',
    '<rootDir>/test/documents/dependency-checks.test.ts',
  ],
};
