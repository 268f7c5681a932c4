// scripts/mutate-core.ts: what it fingerprints beside Stryker's own incremental diff (so a changed helper, fixture or
// config makes the git-kept baseline stale), how it tells a stale baseline, and the score it prints.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BASELINE, changedInputs, coreTestFiles, INPUTS, packageName, summarise, untrackedInputs } from '../../scripts/mutate-core';

const mutants = (...statuses: string[]): { status: string }[] => statuses.map((status) => ({ status }));

describe('mutate:core fingerprint', () => {
  it('should list the helpers, data and configs the core tests use, and neither the mutated files nor the test files', () => {
    // Act
    const inputs = Object.keys(untrackedInputs());
    const tests = coreTestFiles();

    // Assess: imported helpers, fs-read data, the lockfile and the configs are fingerprinted
    expect(inputs).toEqual(expect.arrayContaining([
      'test/support/validation.ts', 'examples/kis-core-v3.profile.yml', 'statemachines/runbook.asl.json', 'package:zod', 'package:jest',
      'stryker.core.config.mjs', 'jest.stryker.config.js', 'test/support/stryker/filter.cjs',
    ]));
    // Stryker diffs these itself
    expect(inputs.filter((path) => path.startsWith('lambdas/core/'))).toEqual([]);
    expect(inputs.filter((path) => tests.includes(path))).toEqual([]);
    // No core test loads the engine, the phases or the handlers: a change there must not make the baseline stale
    expect(inputs.filter((path) => /^lambdas\/(embedded|phases|handlers)\//.test(path))).toEqual([]);
  });

  it('should select the core run test files as the Stryker config does, without the ones it leaves out', () => {
    // Act
    const tests = coreTestFiles();

    // Assess
    expect(tests).toContain('test/core/audit.test.ts');
    expect(tests).toContain('test/documents/documents.test.ts');
    expect(tests).not.toContain('test/core/schema-limits.test.ts');
    expect(tests).not.toContain('test/documents/hostile-parameters.test.ts');
    expect(tests.every((path) => path.endsWith('.test.ts'))).toBe(true);
  });

  it('should name a package by its root, and nothing for built-ins, relative paths or names not installed', () => {
    expect(packageName('zod/mini')).toBe('zod');
    expect(packageName('@aws-sdk/client-ssm/dist-cjs/index.js')).toBe('@aws-sdk/client-ssm');
    expect(packageName('node:fs')).toBeUndefined();
    expect(packageName('./x')).toBeUndefined();
    expect(packageName('no-such-package-here')).toBeUndefined();
  });

  it('should name every input changed, added or removed since the baseline, and none when they agree', () => {
    // Arrange
    const recorded = { 'a.ts': '1', 'b.ts': '2', 'gone.ts': '3' };
    const current = { 'a.ts': '1', 'b.ts': '9', 'new.ts': '4' };

    // Act / Assert
    expect(changedInputs(recorded, current)).toEqual(['b.ts', 'gone.ts', 'new.ts']);
    expect(changedInputs(recorded, { ...recorded })).toEqual([]);
  });
});

describe('mutate:core score', () => {
  it('should count killed and timed-out mutants as detected over those plus survived and not covered, as Stryker does', () => {
    // Arrange: runtime and compile errors and ignored mutants are not valid mutants
    const report = { files: {
      'a.ts': { mutants: mutants('Killed', 'Killed', 'Timeout', 'Survived', 'RuntimeError') },
      'b.ts': { mutants: mutants('NoCoverage', 'Killed', 'CompileError', 'Ignored', 'Killed') },
    } };

    // Act
    const { counts, score } = summarise(report);

    // Assess: 5 detected of 7 valid
    expect(score).toBeCloseTo((100 * 5) / 7, 10);
    expect(counts).toEqual({ Killed: 4, Timeout: 1, Survived: 1, RuntimeError: 1, NoCoverage: 1, CompileError: 1, Ignored: 1 });
  });

  it('should score an empty report 0, not 100', () => {
    expect(summarise({ files: {} }).score).toBe(0);
  });
});

// The baseline CI reuses (.ci/run `npm run mutate:core -- --ci`) must have been taken with the inputs of this tree,
// or CI refuses it: this says so in `npm test`, before CI does.
describe('mutate:core baseline in git', () => {
  it('should have been taken with the helpers, data, configs and packages of this tree', () => {
    // Arrange
    expect(existsSync(join(__dirname, '..', '..', BASELINE))).toBe(true);
    const recorded = JSON.parse(readFileSync(join(__dirname, '..', '..', INPUTS), 'utf8')) as Record<string, string>;

    // Act
    const changed = changedInputs(recorded, untrackedInputs());

    // Assess: if this fails, run `npm run mutate:core` (a full run, ~45 min on 2 cores) and commit test/mutation/
    expect(changed).toEqual([]);
  });
});
