// Stryker only (jest.stryker.config.js, testEnvironment): in a mutant run, once one test has failed the mutant is
// killed, so every later test and test file of that run is skipped (their describe blocks, beforeAll hooks included).
// Stryker's jest runner cannot bail (it sets jest's `bail: false`: jest would exit the process), so without this a
// killed mutant still ran every test that covered it: for a mutant of lambdas/phases, the engine path tests, seconds
// each. Which tests run does not change whether a mutant is killed, only how many ran after the first failure.
// Outside a mutant run (no active mutant: plain jest, or Stryker's initial run) this is jest's node environment.
const { TestEnvironment } = require('jest-environment-node');

const { ACTIVE_MUTANT } = require('./record.cjs');
// Stryker runs jest in band (one process per test runner, one mutant at a time): process.env is shared by the test
// files of a run, and the mutant's id keeps one run's failure from skipping the next run's tests.
const KILLED = 'RUNBOOK_STRYKER_KILLED_MUTANT';

class BailEnvironment extends TestEnvironment {
  async handleTestEvent(event) {
    const mutant = process.env[ACTIVE_MUTANT];
    if (mutant === undefined) return;
    const killed = process.env[KILLED] === mutant;
    if (event.name === 'run_describe_start' && killed) event.describeBlock.mode = 'skip';
    else if (event.name === 'test_start' && killed) event.test.mode = 'skip';
    else if ((event.name === 'test_done' && event.test.errors.length > 0) || event.name === 'hook_failure') process.env[KILLED] = mutant;
  }
}

module.exports = BailEnvironment;
