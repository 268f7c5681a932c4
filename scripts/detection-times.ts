// Measures how fast the demo's bad releases are caught: runs each rollback scenario N times (`runbook run`, real demo
// service, embedded engine) and prints detection.seconds (release live → rollback started), the alarm and the outcome.
// Prints numbers only; nothing here is asserted. Run it on an otherwise idle machine.
// Run: npx tsx scripts/detection-times.ts [runs per scenario, default 5] [home, default a fresh temp dir]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDemo, type Scenario } from '../bin/cli/run';

const runs = Number(process.argv[2] ?? 5);
const home = process.argv[3] ?? mkdtempSync(join(tmpdir(), 'runbook-detection-'));

async function main(): Promise<void> {
  const scenarios: Scenario[] = ['bad-release', 'error-release'];
  const table: Record<string, number[]> = {};
  for (const scenario of scenarios) {
    table[scenario] = [];
    for (let i = 1; i <= runs; i += 1) {
      const r = await runDemo({ scenario, home, write: () => undefined, json: false });
      const d = r.detection;
      process.stdout.write(`${scenario} run ${i}: exit ${r.exitCode} ${r.status ?? '-'} on ${r.releaseAfter ?? '-'}; `
        + `${d ? `detection ${d.seconds.toFixed(2)} s by ${d.alarmName ?? '?'} (alarm ${((Date.parse(d.alarmAt) - Date.parse(d.releaseLiveAt)) / 1000).toFixed(2)} s after live)` : 'no detection'}`
        + `${r.problems.length ? ` — ${r.problems.join('; ')}` : ''}\n`);
      if (d) table[scenario]?.push(d.seconds);
    }
  }
  for (const [scenario, values] of Object.entries(table)) {
    const sorted = [...values].sort((a, b) => a - b);
    process.stdout.write(`${scenario}: ${values.map((v) => v.toFixed(2)).join(', ')} s (min ${sorted[0]?.toFixed(2)}, max ${sorted[sorted.length - 1]?.toFixed(2)})\n`);
  }
  if (!process.argv[3]) rmSync(home, { recursive: true, force: true });
}

void main();
