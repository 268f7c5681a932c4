// scripts/mutate-sample.ts: which lines it may sample, that a seed draws the same sample again, and its interval.
import { codeLines, parseArgs, sampleRanges, seeded, wilson } from '../../scripts/mutate-sample';

describe('mutate:sample', () => {
  it('should offer only lines that can hold a mutant', () => {
    // Arrange: line numbers are 1-based
    const text = [
      "import { x } from './x';", // 1
      '// a comment', // 2
      '/* a block', // 3
      '   comment */', // 4
      'export type T = string;', // 5
      'export function f(a: number): number {', // 6
      '  return a > 1 ? a : 2;', // 7
      '}', // 8
      '', // 9
      'const y = { a: 1 };', // 10
      '/** one line */', // 11
      '});', // 12
    ].join('\n');

    // Act / Assert
    expect(codeLines(text)).toEqual([6, 7, 10]);
  });

  it('should draw the same distinct lines for the same seed and other lines for another', () => {
    // Act
    const first = sampleRanges('lambdas/handlers', 20, 7);
    const again = sampleRanges('lambdas/handlers', 20, 7);
    const other = sampleRanges('lambdas/handlers', 20, 8);

    // Assess
    expect(first).toEqual(again);
    expect(new Set(first).size).toBe(20);
    expect(other).not.toEqual(first);
    for (const range of first) expect(range).toMatch(/^lambdas\/handlers\/[\w-]+\.ts:(\d+)-\1$/);
  });

  it('should take every line once when asked for more lines than there are', () => {
    // Act
    const all = sampleRanges('lambdas/handlers', 1_000_000, 1);

    // Assess
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBeLessThan(1_000_000);
    expect(all.length).toBeGreaterThan(10);
  });

  it('should give a generator that stays within [0, 1)', () => {
    const random = seeded(42);
    const values = Array.from({ length: 1000 }, random);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    expect(new Set(values).size).toBeGreaterThan(990);
  });

  it('should give the 95 % Wilson interval around the score', () => {
    // Act: 80 of 100 (the textbook interval is 71.1–86.7 %)
    const [low, high] = wilson(80, 100);

    // Assess
    expect(low).toBeCloseTo(71.1, 1);
    expect(high).toBeCloseTo(86.7, 1);
    expect(wilson(0, 0)).toEqual([0, 100]);
  });
});

describe('mutate:sample arguments', () => {
  it('should read directory:lines groups and a seed', () => {
    expect(parseArgs(['lambdas/phases:60', 'lambdas/api/:20', '--seed', '3'])).toEqual({
      groups: [{ dir: 'lambdas/phases', lines: 60 }, { dir: 'lambdas/api', lines: 20 }], seed: 3,
    });
    expect(parseArgs(['lambdas/handlers:5']).seed).toBe(1);
  });

  it('should refuse a group without a count, a directory that is not there, a bad seed and no group, naming what is wrong', () => {
    expect(() => parseArgs(['lambdas/phases'])).toThrow(/"lambdas\/phases": expected <directory of the repository>:<number of lines>/);
    expect(() => parseArgs(['lambdas/nowhere:5'])).toThrow(/"lambdas\/nowhere:5"/);
    expect(() => parseArgs(['lambdas/phases:5', '--seed', 'x'])).toThrow(/--seed: expected a whole number, got "x"/);
    expect(() => parseArgs([])).toThrow(/at least one/);
  });
});
