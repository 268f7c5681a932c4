// The benchmark table: one row per figure of issue 9, each with what was measured, the target and whether it was
// met, and the comparison with the previous run kept in bench/last.json.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface BenchRow {
  /** Which figure (stable across runs: bench/last.json is keyed by it). */
  figure: string;
  /** What was measured, in words and numbers. */
  measured: string;
  target: string;
  met: boolean;
  /** The headline number, kept in bench/last.json for the next run's delta. */
  value?: number;
  /** Why a target was missed or what the figure leaves out. */
  note?: string;
}

export const LAST_RESULT_FILE = join(__dirname, '..', '..', 'bench', 'last.json');

export interface LastResult {
  at: string;
  quick: boolean;
  values: Record<string, number>;
}

export function readLast(file = LAST_RESULT_FILE): LastResult | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LastResult;
  } catch {
    return undefined;
  }
}

export function writeLast(rows: BenchRow[], quick: boolean, file = LAST_RESULT_FILE, now = new Date()): void {
  const values = Object.fromEntries(rows.filter((r) => r.value !== undefined).map((r) => [r.figure, r.value as number]));
  const result: LastResult = { at: now.toISOString(), quick, values };
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
}

/** "1,234.5 (last 1,100.0, +12%)" for rows that have a value and a previous one. */
export function withDelta(row: BenchRow, last: LastResult | undefined): BenchRow {
  const before = last?.values[row.figure];
  if (row.value === undefined || before === undefined) return row;
  const change = before === 0 ? '' : `, ${row.value >= before ? '+' : ''}${(((row.value - before) / before) * 100).toFixed(0)}%`;
  return { ...row, measured: `${row.measured} (last run ${formatNumber(before)}${change}, ${last?.at.slice(0, 10)})` };
}

export function formatNumber(n: number): string {
  if (Number.isInteger(n) || n >= 100) return n.toFixed(0);
  return n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

export const ms = (n: number): string => `${n.toFixed(0)} ms`;
export const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;

/** The value at quantile q (0..1) of the values, nearest rank. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) throw new Error('quantile of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

export const median = (values: number[]): number => quantile(values, 0.5);

const escapeCell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** A Markdown table (it reads in a terminal and pastes into the README as it is). */
export function renderTable(rows: BenchRow[]): string {
  const lines = ['| figure | measured | target | met |', '|---|---|---|---|'];
  for (const r of rows) lines.push(`| ${escapeCell(r.figure)} | ${escapeCell(r.measured)} | ${escapeCell(r.target)} | ${r.met ? 'met' : '**NOT MET**'} |`);
  const notes = rows.filter((r) => r.note);
  if (notes.length > 0) {
    lines.push('');
    for (const r of notes) lines.push(`- ${r.figure}: ${r.note}`);
  }
  return lines.join('\n');
}
