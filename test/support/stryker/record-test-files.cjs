// Stryker only (jest.stryker.config.js, setupFilesAfterEnv): during the initial perTest run, records which test files
// reached which mutants, so that filter.cjs can hand jest only those files for a mutant. Without it, every mutant run
// loads every test file related to its source file (all of them for errors.ts or schemas.ts), and loading a file
// (zod schemas, yaml, the harness) costs far more than its few matching tests: ~4 CPU-s a mutant of errors.ts for 23
// files of which each test ran none. It also records how long each file took (loading it included), for
// sequencer.cjs to run the cheap files first. Outside Stryker (no `__stryker__` context) this file does nothing.
/* global beforeEach, afterAll, expect */
const { appendFileSync } = require('node:fs');
const { RECORD_FILE } = require('./paths.cjs');

const context = globalThis.__stryker__;
// mutantCoverage appears with the first instrumented code run, possibly after this file loads: read it in afterAll.
if (context) {
  // This file loads before the test file: from here to afterAll is the file's whole cost.
  const started = Date.now();
  const testIds = new Set();
  // The Stryker environment sets currentTestId at test_start, before the beforeEach hooks run; it is unset in mutant
  // runs, so only the initial run records anything.
  beforeEach(() => {
    if (context.currentTestId !== undefined) testIds.add(context.currentTestId);
  });
  afterAll(() => {
    const perTest = context.mutantCoverage?.perTest;
    if (testIds.size === 0 || !perTest) return;
    const mutants = new Set();
    for (const id of testIds) for (const mutant of Object.keys(perTest[id] ?? {})) mutants.add(mutant);
    // Same-named tests in two files share one coverage entry: both files are then recorded for its mutants (more files
    // than needed, never fewer).
    appendFileSync(RECORD_FILE, `${JSON.stringify({ testFile: expect.getState().testPath, mutants: [...mutants], ms: Date.now() - started })}\n`);
  });
}
