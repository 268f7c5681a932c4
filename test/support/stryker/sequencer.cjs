// Stryker only (jest.stryker.config.js, testSequencer): in a mutant run, the test files that reached the mutant run
// cheapest first (their time in the initial run, record-test-files.cjs), after any file that failed in the previous
// run (jest's own first rule: the previous mutant, usually of the same code, was killed there). With bail-environment.cjs
// skipping everything after the first failure, a mutant that a fast in-process test kills no longer waits for the
// engine path tests. Jest's default order (slowest first, to keep parallel workers busy) is kept outside a mutant run.
const Sequencer = require('@jest/test-sequencer').default;
const { ACTIVE_MUTANT, loadRecord } = require('./record.cjs');

class CheapestFirst extends Sequencer {
  sort(tests) {
    const msByFile = process.env[ACTIVE_MUTANT] === undefined ? undefined : loadRecord()?.msByFile;
    if (!msByFile) return super.sort(tests);
    const cost = (test) => msByFile.get(test.path) ?? Number.MAX_SAFE_INTEGER;
    return [...tests].sort((a, b) => Number(this.hasFailed(b)) - Number(this.hasFailed(a)) || cost(a) - cost(b) || (a.path < b.path ? -1 : 1));
  }
}

module.exports = CheapestFirst;
