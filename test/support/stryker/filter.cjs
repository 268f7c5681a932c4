// Stryker only (jest.stryker.config.js, `filter`): in a mutant run, keeps the test files whose tests reached the
// active mutant in the initial run (record-test-files.cjs). Stryker already narrows the tests by name
// (testNamePattern), but jest still loads every file it is given; this drops the files with no such test. Any doubt
// (no active mutant, no record, a mutant not recorded) keeps every file, as without this filter.
const { ACTIVE_MUTANT, loadRecord } = require('./record.cjs');

module.exports = async function filter(testPaths) {
  const mutant = process.env[ACTIVE_MUTANT];
  const files = mutant === undefined ? undefined : loadRecord()?.filesByMutant.get(mutant);
  return { filtered: files ? testPaths.filter((path) => files.has(path)) : testPaths };
};
