// The `runbook` command line: `run` drives a real change through all five phases on the embedded engine, `serve`
// hosts the API locally, and the other commands talk to that API (or a deployed one). See bin/cli/program.ts.
import { main } from './cli/program';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`runbook: ${(err as Error).message}`);
    process.exit(3);
  },
);
