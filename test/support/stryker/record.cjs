// What record-test-files.cjs wrote in Stryker's initial run, read once per test-runner process: the test files whose
// tests reached each mutant (filter.cjs) and how long each file took (sequencer.cjs). Undefined when there is no
// record (plain jest, or the initial run itself).
const { existsSync, readFileSync } = require('node:fs');
const { RECORD_FILE } = require('./paths.cjs');

let record;

function loadRecord() {
  if (record || !existsSync(RECORD_FILE)) return record;
  const filesByMutant = new Map();
  const msByFile = new Map();
  for (const line of readFileSync(RECORD_FILE, 'utf8').split('\n')) {
    if (!line) continue;
    const { testFile, mutants, ms } = JSON.parse(line);
    if (typeof ms === 'number') msByFile.set(testFile, ms);
    for (const mutant of mutants) {
      if (!filesByMutant.has(mutant)) filesByMutant.set(mutant, new Set());
      filesByMutant.get(mutant).add(testFile);
    }
  }
  record = { filesByMutant, msByFile };
  return record;
}

module.exports = { ACTIVE_MUTANT: '__STRYKER_ACTIVE_MUTANT__', loadRecord };
