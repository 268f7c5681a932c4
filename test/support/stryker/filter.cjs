// Stryker only (jest.stryker.config.js, `filter`): in a mutant run, keeps the test files whose tests reached the
// active mutant in the initial run (record-test-files.cjs). Stryker already narrows the tests by name
// (testNamePattern), but jest still loads every file it is given; this drops the files with no such test. Any doubt
// (no active mutant, no record, a mutant not recorded) keeps every file, as without this filter.
const { existsSync, readFileSync } = require('node:fs');
const { RECORD_FILE } = require('./paths.cjs');

const ACTIVE_MUTANT = '__STRYKER_ACTIVE_MUTANT__';
let filesByMutant;

function load() {
  if (filesByMutant || !existsSync(RECORD_FILE)) return filesByMutant;
  const map = new Map();
  for (const line of readFileSync(RECORD_FILE, 'utf8').split('\n')) {
    if (!line) continue;
    const { testFile, mutants } = JSON.parse(line);
    for (const mutant of mutants) {
      if (!map.has(mutant)) map.set(mutant, new Set());
      map.get(mutant).add(testFile);
    }
  }
  filesByMutant = map;
  return filesByMutant;
}

module.exports = async function filter(testPaths) {
  const mutant = process.env[ACTIVE_MUTANT];
  const files = mutant === undefined ? undefined : load()?.get(mutant);
  return { filtered: files ? testPaths.filter((path) => files.has(path)) : testPaths };
};
