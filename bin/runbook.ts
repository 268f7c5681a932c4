// The `runbook` command line. `run` drives a real change through all five phases on the embedded engine.
import { Command, InvalidArgumentError } from 'commander';
import { EXIT, runDemo, SCENARIOS, type Scenario } from './cli/run';

const program = new Command();
program
  .name('runbook')
  .description('Runbook Control Plane: PRE-FLIGHT → PLAN → ACT → TEST → REPORT, with automatic rollback.')
  .showHelpAfterError()
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : EXIT.USAGE));

program
  .command('run')
  .description('Run the example change against the local demo service through all five phases (the embedded engine).')
  .option('--scenario <name>', `${SCENARIOS.join(' | ')}`, (v: string): Scenario => {
    if (!(SCENARIOS as readonly string[]).includes(v)) throw new InvalidArgumentError(`--scenario must be one of ${SCENARIOS.join(', ')}`);
    return v as Scenario;
  }, 'happy' as Scenario)
  .option('--home <dir>', 'where the embedded engine keeps its data, reports and demo host', process.env.RUNBOOK_HOME ?? '.runbook')
  .option('--json', 'print one JSON object with the outcome instead of progress lines')
  .addHelpText('after', `
Exit codes:
  0  the scenario ended as it should (happy: COMPLETED on the new release; bad-release: ROLLED_BACK on the previous release)
  1  the change ended some other way
  2  bad usage or invalid input (the message names the field)
  3  the local environment failed (store busy, demo service did not start)
  130 interrupted (Ctrl-C): the change is left INTERRUPTED`)
  .action(async (opts: { scenario: Scenario; home: string; json?: boolean }) => {
    const result = await runDemo({ scenario: opts.scenario, home: opts.home, json: opts.json === true });
    process.exit(result.exitCode);
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`runbook: ${(err as Error).message}`);
  process.exit(EXIT.ENVIRONMENT);
});
