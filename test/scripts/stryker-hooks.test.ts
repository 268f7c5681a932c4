// The jest hooks of the mutation runs (test/support/stryker/): a mutant run stops at its first failing test (the
// mutant is killed; nothing after it runs, in that file or the next), and runs the cheapest test files first. Both
// are checked outside Stryker: jest run on throwaway test files with Stryker's active-mutant variable set.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const ENVIRONMENT = join(ROOT, 'test/support/stryker/bail-environment.cjs');
const SEQUENCER = join(ROOT, 'test/support/stryker/sequencer.cjs');
const RECORD = join(ROOT, 'test/support/stryker/record.cjs');
const ACTIVE_MUTANT = '__STRYKER_ACTIVE_MUTANT__';

/** Runs jest in band over two files in a fresh directory (a.test.js then b.test.js); returns what ran, in order. */
function runTwoFiles(env: Record<string, string>): { ran: string[]; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'stryker-hooks-'));
  try {
    const log = JSON.stringify(join(dir, 'ran.log'));
    const mark = (what: string): string => `require('fs').appendFileSync(${log}, '${what}\\n')`;
    writeFileSync(join(dir, 'a.test.js'), [
      `test('a1 passes', () => { ${mark('a1')}; });`,
      `test('a2 fails', () => { ${mark('a2')}; expect(1).toBe(2); });`,
      `test('a3 after the failure', () => { ${mark('a3')}; });`,
    ].join('\n'));
    writeFileSync(join(dir, 'b.test.js'), [
      `beforeAll(() => { ${mark('b-beforeAll')}; });`,
      `test('b1 in the next file', () => { ${mark('b1')}; });`,
    ].join('\n'));
    // Files by name, so a.test.js (with the failure) runs first whatever their sizes.
    writeFileSync(join(dir, 'by-name.cjs'), `const S = require(${JSON.stringify(require.resolve('@jest/test-sequencer'))}).default;\n`
      + 'module.exports = class extends S { sort(tests) { return [...tests].sort((a, b) => (a.path < b.path ? -1 : 1)); } };\n');
    writeFileSync(join(dir, 'jest.config.js'), `module.exports = { rootDir: __dirname, testEnvironment: ${JSON.stringify(ENVIRONMENT)}, `
      + `testSequencer: ${JSON.stringify(join(dir, 'by-name.cjs'))}, cache: false };\n`);
    const inherited = { ...process.env };
    delete inherited[ACTIVE_MUTANT];
    const run = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), '-c', join(dir, 'jest.config.js'), '--runInBand'], {
      cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...inherited, ...env },
    });
    const logFile = join(dir, 'ran.log');
    return { ran: existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n') : [], output: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('bail-environment (a mutant run stops at its first failure)', () => {
  it('should skip the later tests of the file and every later file, its beforeAll included, once a test has failed', () => {
    // Act
    const { ran, output } = runTwoFiles({ [ACTIVE_MUTANT]: '7' });

    // Assess
    expect(ran).toEqual(['a1', 'a2']);
    expect(output).toMatch(/Tests:\s+1 failed, 2 skipped, 1 passed, 4 total/);
  });

  it('should run every test outside a mutant run', () => {
    // Act: no active mutant (plain jest, or Stryker's initial run)
    const { ran } = runTwoFiles({});

    // Assess
    expect(ran).toEqual(['a1', 'a2', 'a3', 'b-beforeAll', 'b1']);
  });

  it('should not skip a run because an earlier run, of another mutant, failed', () => {
    // Act: the process already saw mutant 6 killed
    const { ran } = runTwoFiles({ [ACTIVE_MUTANT]: '7', RUNBOOK_STRYKER_KILLED_MUTANT: '6' });

    // Assess: mutant 7's run stops at its own first failure, not before
    expect(ran).toEqual(['a1', 'a2']);
  });
});

describe('sequencer (cheapest test files first in a mutant run)', () => {
  type Test = { path: string; context: { config: { cache: boolean }; hasteFS: { getSize: (path: string) => number } } };
  const context = { config: { cache: false }, hasteFS: { getSize: (path: string) => ({ '/t/slow': 300, '/t/fast': 100, '/t/unknown': 200 })[path] ?? 0 } };
  const tests = (): Test[] => ['/t/slow', '/t/unknown', '/t/fast'].map((path) => ({ path, context }));

  function sequencer(msByFile: Record<string, number> | undefined): { sort(tests: Test[]): Test[]; hasFailed(test: Test): boolean } {
    let Sequencer: new () => { sort(tests: Test[]): Test[]; hasFailed(test: Test): boolean } = undefined as never;
    jest.isolateModules(() => {
      jest.doMock(RECORD, () => ({ ACTIVE_MUTANT, loadRecord: () => (msByFile ? { msByFile: new Map(Object.entries(msByFile)) } : undefined) }));
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh load per test, under the mock of record.cjs
      Sequencer = require(SEQUENCER);
    });
    return new Sequencer();
  }

  afterEach(() => {
    delete process.env[ACTIVE_MUTANT];
  });

  it('should order a mutant run by the time each file took in the initial run, unrecorded files last', () => {
    // Arrange
    process.env[ACTIVE_MUTANT] = '3';
    const subject = sequencer({ '/t/slow': 9000, '/t/fast': 40 });

    // Act
    const order = subject.sort(tests()).map((test) => test.path);

    // Assess
    expect(order).toEqual(['/t/fast', '/t/slow', '/t/unknown']);
  });

  it('should put a file that failed in the previous run first', () => {
    // Arrange
    process.env[ACTIVE_MUTANT] = '3';
    const subject = sequencer({ '/t/slow': 9000, '/t/fast': 40, '/t/unknown': 500 });
    subject.hasFailed = (test) => test.path === '/t/slow';

    // Act
    const order = subject.sort(tests()).map((test) => test.path);

    // Assess
    expect(order).toEqual(['/t/slow', '/t/fast', '/t/unknown']);
  });

  it("should keep jest's own order (largest first without timings) outside a mutant run or without a record", () => {
    // Act
    const plain = sequencer({ '/t/slow': 9000, '/t/fast': 40 }).sort(tests()).map((test) => test.path);
    process.env[ACTIVE_MUTANT] = '3';
    const unrecorded = sequencer(undefined).sort(tests()).map((test) => test.path);

    // Assess
    expect(plain).toEqual(['/t/slow', '/t/unknown', '/t/fast']);
    expect(unrecorded).toEqual(['/t/slow', '/t/unknown', '/t/fast']);
  });
});
