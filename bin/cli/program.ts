// The `runbook` command line as a function: builds the commander program, runs one command and returns its exit
// code (bin/runbook.ts exits with it; tests call it in-process). Exit codes: 0 ok; 1 refused or failed (a 4xx from
// the API, a change that ended otherwise); 2 bad usage or invalid input; 3 cannot reach the server or the
// environment failed; `run` keeps its own (see its help).
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '../../lambdas/core/errors';
import { ROLES, type ApprovalRole } from '../../lambdas/core/records';
import { REPORT_FORMATS } from '../../lambdas/api/reports';
import { CliError, EXIT } from './client';
import * as commands from './commands';
import { WATCH_EXIT_CODES } from './commands';
import type { ClientFlags, Io, Timing } from './commands';
import { HomeInUseError } from '../../lambdas/embedded/home-lock';
import { DemoServiceError } from './embedded';
import { EXIT as RUN_EXIT, runDemo, SCENARIOS, type Scenario } from './run';
import { DEFAULT_PORT, startServer } from './serve';
import { KINDS, validateCommand, type Kind } from './validate';
import { planCommand } from './plan';

const stdio: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

const CLIENT_EXIT_CODES = `
Exit codes:
  0  done
  1  refused or failed: the API answered 4xx (the message says why), or the change ended otherwise
  2  bad usage or invalid input
  3  cannot reach the server (no \`runbook serve\` running, network, credentials) or it failed (5xx)`;

const defaultHome = (): string => process.env.RUNBOOK_HOME ?? '.runbook';

function role(value: string): ApprovalRole {
  if (!(ROLES as readonly string[]).includes(value)) throw new InvalidArgumentError(`must be one of ${ROLES.join(', ')}`);
  return value as ApprovalRole;
}

function withClient(cmd: Command): Command {
  return cmd
    .option('--home <dir>', 'where the local server keeps serve.json and operator-token', defaultHome())
    .option('--endpoint <url>', 'a deployed API (https://….execute-api.<region>.amazonaws.com/v1), called with SigV4 and your AWS credentials')
    .option('--region <region>', 'the region for --endpoint (default: from the URL, then AWS_REGION)')
    .option('--token <token>', 'operator token for the local server (default: $RUNBOOK_TOKEN, then <home>/operator-token)')
    .option('--json', 'print the API\'s JSON instead of text (for scripts)')
    .addHelpText('after', CLIENT_EXIT_CODES);
}

const flagsOf = (o: ClientFlags): ClientFlags => o;

export interface MainOptions {
  timing?: Timing;
  /** Resolves when `serve` should stop (tests); SIGINT/SIGTERM by default. */
  serveUntil?: Promise<void>;
}

function untilSignal(): Promise<void> {
  return new Promise((resolveSignal) => {
    const stop = (): void => {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
      resolveSignal();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** The project's version (package.json), for `runbook --version`. */
function version(): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
}

export async function main(argv: string[], io: Io = stdio, options: MainOptions = {}): Promise<number> {
  // With --json, stdout carries exactly one JSON object in every case: an error is `{ "error": … }` there, and
  // nothing else is printed.
  const json = argv.includes('--json');
  let usageError = '';
  const code = await run(argv, io, options, json, (line) => { usageError = usageError ? `${usageError}\n${line}` : line; }).catch((err: unknown) => failure(err));
  return code;

  function failure(err: unknown): number {
    const { exitCode, message, detail } = describeFailure(err, usageError);
    if (json) io.out(JSON.stringify({ error: detail ?? { code: EXIT_NAMES[exitCode] ?? 'Failed', message } }));
    else if (message) io.err(`runbook: ${message}`);
    return exitCode;
  }
}

const EXIT_NAMES: Record<number, string> = { 1: 'Refused', 2: 'Usage', 3: 'Unavailable' };

function describeFailure(err: unknown, usageError: string): { exitCode: number; message: string; detail?: object } {
  if (err instanceof CommanderError) {
    // Commander printed its own message already (to stderr), unless --json captured it.
    return err.exitCode === 0 ? { exitCode: EXIT.OK, message: '' } : { exitCode: EXIT.USAGE, message: usageError.replace(/^error: /, '') };
  }
  if (err instanceof CliError) return { exitCode: err.exitCode, message: err.message, ...(err.api ? { detail: err.api } : {}) };
  if (err instanceof ValidationError) return { exitCode: EXIT.USAGE, message: err.message, detail: { code: 'ValidationError', message: err.message, fields: err.issues } };
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'EADDRINUSE') return { exitCode: EXIT.UNREACHABLE, message: `${e.message}: another server uses that port (pass --port N, or --port 0 for any free port)` };
  if (err instanceof DemoServiceError || err instanceof HomeInUseError) return { exitCode: EXIT.UNREACHABLE, message: err.message };
  return { exitCode: RUN_EXIT.ENVIRONMENT, message: e.message ?? String(err) };
}

async function run(argv: string[], io: Io, options: MainOptions, json: boolean, captureError: (line: string) => void): Promise<number> {
  let code: number = EXIT.OK;
  const program = new Command();
  program
    .name('runbook')
    .description('Runbook Control Plane: PRE-FLIGHT → PLAN → ACT → TEST → REPORT, with automatic rollback.')
    .version(version(), '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => (json ? captureError(s.trimEnd()) : io.err(s.trimEnd())) })
    .showHelpAfterError(json ? false : '(add --help for usage)');

  program
    .command('run')
    .description('Run the example change against the local demo service through all five phases (the embedded engine).')
    .option('--scenario <name>', `${SCENARIOS.join(' | ')}`, (v: string): Scenario => {
      if (!(SCENARIOS as readonly string[]).includes(v)) throw new InvalidArgumentError(`--scenario must be one of ${SCENARIOS.join(', ')}`);
      return v as Scenario;
    }, 'happy' as Scenario)
    .option('--home <dir>', 'where the embedded engine keeps its data, reports and demo host', defaultHome())
    .option('--json', 'print one JSON object with the outcome instead of progress lines')
    .addHelpText('after', `
Exit codes:
  0  the scenario ended as it should (happy: COMPLETED on the new release; bad-release and error-release: ROLLED_BACK
     on the previous release, started by the right alarm (the detection time is printed); no-metrics: BLOCKED before ACT,
     nothing touched, still on the previous release)
  1  the change ended some other way
  2  bad usage or invalid input (the message names the field)
  3  the local environment failed (store busy, demo service did not start)
  130 interrupted (Ctrl-C): the change is left INTERRUPTED, holding its environment; the next run or serve rolls it
      back if ACT had begun`)
    .action(async (opts: { scenario: Scenario; home: string; json?: boolean }) => {
      code = (await runDemo({ scenario: opts.scenario, home: opts.home, json: opts.json === true, write: io.out })).exitCode;
    });

  program
    .command('serve')
    .description('Serve the API on 127.0.0.1 over the embedded engine for one profile (the local demo by default); Ctrl-C stops it.')
    .option('--port <n>', 'port on 127.0.0.1 (0: any free port)', (v: string) => {
      if (!/^\d+$/.test(v) || Number(v) > 65535) throw new InvalidArgumentError('a port number from 0 to 65535');
      return Number(v);
    }, DEFAULT_PORT)
    .option('--profile <file>', 'environment profile (YAML or JSON); default: examples/local-demo.profile.yml')
    .option('--demo', 'lay out the demo host and run the demo service (default with the local demo profile)')
    .option('--no-demo', 'do not start the demo service')
    .option('--host-root <dir>', 'root the host-command documents act under (default: <home>/host with the demo, / otherwise)')
    .option('--home <dir>', 'where the server keeps its data, operators, reports', defaultHome())
    .addHelpText('after', `
Writes <home>/serve.json (url, pid) for the CLI and <home>/operator-token (0600) for this OS user; removes serve.json on exit.
Exit codes:
  0  stopped by SIGINT/SIGTERM (running executions stopped, their changes INTERRUPTED: they keep their environment and
     resume on the next start — rolled back if ACT had begun, or held with profile onInterrupted: hold)
  2  bad usage or an invalid profile (the message names the field)
  3  the environment failed (port in use, store in use by another runbook process, demo service did not start)`)
    .action(async (opts: { port: number; profile?: string; demo?: boolean; hostRoot?: string; home: string }) => {
      const server = await startServer({
        home: opts.home, port: opts.port, write: io.out, operator: userInfo().username,
        ...(opts.profile ? { profile: opts.profile } : {}), ...(opts.demo !== undefined ? { demo: opts.demo } : {}),
        ...(opts.hostRoot ? { hostRoot: opts.hostRoot } : {}),
      });
      io.out('Ctrl-C stops the server.');
      await (options.serveUntil ?? untilSignal());
      io.out('stopping: running executions are stopped and their changes marked INTERRUPTED (they keep their environment and resume on the next start)');
      await server.close();
      io.out('stopped');
      code = EXIT.OK;
    });

  program
    .command('validate')
    .argument('<files...>', 'environment profiles and change requests (YAML or JSON)')
    .description('Check profiles and change requests offline (no server, no AWS) with the checks the server runs.')
    .addOption(new Option('--kind <kind>', 'what the files are (default: detected from their keys)').choices(KINDS))
    .option('--profile <file>', 'check each change request against this profile (default: a profile among the files that it names)')
    .option('--json', 'print one JSON object: { valid, files: [{ file, kind, valid, problems, warnings, notes }] }')
    .addHelpText('after', `
Unknown keys are errors in a profile (with the nearest known key) and warnings in a change request (kept as written).
Exit codes:
  0  every file is valid
  2  a file is invalid or unreadable, or bad usage`)
    .action(async (files: string[], opts: { kind?: Kind; profile?: string; json?: boolean }) => {
      code = await validateCommand(files, { ...(opts.kind ? { kind: opts.kind } : {}), ...(opts.profile ? { profile: opts.profile } : {}), ...(opts.json ? { json: true } : {}) }, io);
    });

  withClient(program.command('submit').argument('<file>', 'change request (YAML or JSON)').description('Submit a change request: validated, risk-assessed, environment locked, execution started.'))
    .action(async (file: string, opts: ClientFlags) => { code = await commands.submit(file, flagsOf(opts), io); });

  withClient(program.command('plan').argument('<file>', 'change request (YAML or JSON)')
    .description('Dry run: what submitting the change would do — risk, approvals, window and freezes, every step with its parameters, targets and timeouts, the rollback alarms, the tests, the longest time — with nothing written or started.')
    .option('--profile <file>', 'plan against this profile file, offline (default: the running server\'s profile, else examples/local-demo.profile.yml)')
    .addHelpText('after', `
Without --profile: the profile of the server running in --home (or --endpoint), through POST /changes?dryRun=true;
with no server, offline against examples/local-demo.profile.yml. The checks and their messages are the submission's.
Plan exit codes: 0 the change would be accepted; 1 it would be refused (a freeze; the plan is still printed);
2 invalid (each field named).`))
    .action(async (file: string, opts: ClientFlags & { profile?: string }) => {
      code = await planCommand(file, { ...flagsOf(opts), ...(opts.profile ? { profile: opts.profile } : {}) }, io);
    });

  withClient(program.command('approve').argument('<id>', 'change id').description('Record your approval (or rejection) for one role; your identity is the caller\'s, never a parameter.')
    .addOption(new Option('--role <role>', `the role you approve as: ${ROLES.join(', ')}`).argParser(role).makeOptionMandatory())
    .option('--reject', 'reject instead: the change ends REJECTED')
    .option('--comment <text>', 'why'))
    .action(async (id: string, opts: ClientFlags & { role: ApprovalRole; reject?: boolean; comment?: string }) => {
      code = await commands.approve(id, { role: opts.role, ...(opts.reject ? { reject: true } : {}), ...(opts.comment ? { comment: opts.comment } : {}) }, flagsOf(opts), io);
    });

  withClient(program.command('status').argument('<id>', 'change id').description('Status, phase, attempt, approvals and the timeline of a change.')
    .option('--watch', 'follow the change until it ends, is rolled back, waits for approvals, or is held')
    .addHelpText('after', `
With --watch, the status it stops on sets the exit code: 0 COMPLETED (only); ${Object.entries(WATCH_EXIT_CODES).filter(([, c]) => c !== 0).map(([s, c]) => `${c} ${s}`).join(', ')}.`))
    .action(async (id: string, opts: ClientFlags & { watch?: boolean }) => {
      code = await commands.status(id, { ...(opts.watch ? { watch: true } : {}) }, flagsOf(opts), io, options.timing);
    });

  withClient(program.command('list').description('Changes, newest first.')
    .option('--status <status>', 'only changes in this status')
    .option('--environment <name>', 'only changes of this environment')
    .option('--limit <n>', 'page size (1–100, default 25)')
    .option('--next-token <token>', 'the page after the one that printed this token')
    .option('--all', 'every page'))
    .action(async (opts: ClientFlags & { status?: string; environment?: string; limit?: string; nextToken?: string; all?: boolean }) => {
      code = await commands.list(opts, flagsOf(opts), io);
    });

  withClient(program.command('inspect').argument('<id>', 'change id').description('The execution\'s states in order with their durations and results (as the Step Functions console shows them).')
    .option('--attempt <n>', 'an earlier attempt (default: the current one)')
    .option('--events', 'also list every history event with its time from the start'))
    .action(async (id: string, opts: ClientFlags & { attempt?: string; events?: boolean }) => {
      code = await commands.inspect(id, { ...(opts.attempt ? { attempt: opts.attempt } : {}), ...(opts.events ? { events: true } : {}) }, flagsOf(opts), io);
    });

  withClient(program.command('report').argument('<id>', 'change id').description('The stored report of an attempt.')
    .addOption(new Option('--format <format>', 'json, md (Markdown), qc (the 12-line QC summary) or retro (retrospective draft, YAML)').choices(REPORT_FORMATS).default('json'))
    .option('--attempt <n>', 'an earlier attempt (default: the latest report)'))
    .action(async (id: string, opts: ClientFlags & { format: string; attempt?: string }) => {
      code = await commands.report(id, { format: opts.format, ...(opts.attempt ? { attempt: opts.attempt } : {}) }, flagsOf(opts), io);
    });

  withClient(program.command('cancel').argument('<id>', 'change id').description('Cancel a change: before ACT it is stopped; from ACT on it is rolled back, then closed as CANCELLED.')
    .option('--reason <text>', 'why (recorded with the change and in its report)')
    .option('--no-wait', 'return once the cancel is accepted instead of following the rollback'))
    .action(async (id: string, opts: ClientFlags & { reason?: string; wait: boolean }) => {
      code = await commands.cancel(id, { ...(opts.reason ? { reason: opts.reason } : {}), wait: opts.wait }, flagsOf(opts), io, options.timing);
    });

  withClient(program.command('release').argument('<id>', 'change id')
    .description('After MANUAL_INTERVENTION, once the service is restored by hand: free the environment for the next change.')
    .option('--reason <text>', 'what was done (recorded with the change)'))
    .action(async (id: string, opts: ClientFlags & { reason?: string }) => {
      code = await commands.release(id, { ...(opts.reason ? { reason: opts.reason } : {}) }, flagsOf(opts), io);
    });

  withClient(program.command('rollback').argument('<id>', 'change id')
    .description('Roll back a change interrupted after ACT began that is held (profile onInterrupted: hold), as a rollback-only run of the same state machine.'))
    .action(async (id: string, opts: ClientFlags) => {
      code = await commands.rollback(id, flagsOf(opts), io);
    });

  withClient(program.command('audit').argument('<id>', 'change id')
    .description('Verify the change\'s record: every event hash-chained from the submitted body to the head (exit 1 names the first event that does not verify).')
    .option('--expect <sha256>', 'a head hash kept elsewhere (report, notification): the verified chain must hold it'))
    .action(async (id: string, opts: ClientFlags & { expect?: string }) => {
      code = await commands.audit(id, { ...(opts.expect ? { expect: opts.expect } : {}) }, flagsOf(opts), io);
    });

  const operator = program.command('operator').description('Operators of the local server (bearer tokens).');
  operator.command('add').argument('<name>', 'the operator\'s identity, as approvals will record it')
    .description('Create an operator and print its token once (the server keeps only its SHA-256).')
    .option('--role <role>', 'narrow this operator to a role (repeat for more); it may approve only where the profile\'s approvers also list it', (v: string, prev: ApprovalRole[] | undefined) => [...(prev ?? []), role(v)])
    .option('--quiet', 'print only the token (for RUNBOOK_TOKEN=$(…))')
    .option('--json', 'print name, roles and token as JSON')
    .option('--home <dir>', 'the local server\'s home (operators.json)', defaultHome())
    .addHelpText('after', '\nExit codes:\n  0  added\n  1  an operator of that name exists\n  2  bad usage (invalid name)')
    .action((name: string, opts: { role?: ApprovalRole[]; quiet?: boolean; json?: boolean; home: string }) => {
      code = commands.operatorAdd(name, { ...(opts.role ? { role: opts.role } : {}), ...(opts.quiet ? { quiet: true } : {}) }, { home: opts.home, ...(opts.json ? { json: true } : {}) }, io);
    });

  operator.command('remove').argument('<name>', 'the operator to remove')
    .description('Remove an operator: its token stops working at once.')
    .option('--json', 'print the result as JSON')
    .option('--home <dir>', 'the local server\'s home (operators.json)', defaultHome())
    .addHelpText('after', '\nExit codes:\n  0  removed\n  1  no operator of that name\n  2  bad usage (invalid name)')
    .action((name: string, opts: { json?: boolean; home: string }) => {
      code = commands.operatorRemove(name, { home: opts.home, ...(opts.json ? { json: true } : {}) }, io);
    });
  operator.command('rotate').argument('<name>', 'the operator whose token to replace')
    .description('Give an operator a new token, printed once; the old one stops working at once.')
    .option('--quiet', 'print only the token')
    .option('--json', 'print name, roles and token as JSON')
    .option('--home <dir>', 'the local server\'s home (operators.json)', defaultHome())
    .addHelpText('after', '\nExit codes:\n  0  rotated\n  1  no operator of that name\n  2  bad usage (invalid name)')
    .action((name: string, opts: { quiet?: boolean; json?: boolean; home: string }) => {
      code = commands.operatorRotate(name, { ...(opts.quiet ? { quiet: true } : {}) }, { home: opts.home, ...(opts.json ? { json: true } : {}) }, io);
    });

  withClient(program.command('check').description('Run the scheduled pre-flight check now (system health, dependencies, required parameters) on the local server.')
    .option('--history', 'list the recent check results instead of running one'))
    .action(async (opts: ClientFlags & { history?: boolean }) => {
      code = await commands.check({ ...(opts.history ? { history: true } : {}) }, flagsOf(opts), io);
    });

  await program.parseAsync(argv, { from: 'user' });
  return code;
}
