// Where record-test-files.cjs writes and filter.cjs reads: inside the Stryker sandbox (a fresh copy per run, removed
// after it), shared by the sandbox's test-runner processes; the initial run finishes before any mutant run starts.
const { join } = require('node:path');

module.exports = { RECORD_FILE: join(__dirname, '..', '..', '..', '.stryker-test-files.jsonl') };
