// LocalHostCommands: runs a document's script the way the SSM agent would and announces the end as an SSM
// "Command Status-change" event. Uses small test documents so each behaviour is quick and isolated.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotFoundError, ValidationError } from '../../../lambdas/core/errors';
import { LocalHostCommands, OUTPUT_LIMIT, documentNames } from '../../../lambdas/adapters/local/host-commands';
import { DOCUMENTS_DIR } from '../../../documents';
import { lastLineJson } from '../../../lambdas/phases/events';
import { RecordingBus, commandRequest, isRunning, runToEnd } from './harness';

const NOW = new Date('2025-09-23T02:00:00.000Z');
const clock = { now: () => NOW };

// Message admits `$`, `(`, `)` and spaces on purpose: an allowed value must still never be evaluated.
const PROBE_DOCUMENT = `
schemaVersion: "2.2"
description: Test document for the local runner.
parameters:
  Mode:
    type: String
    allowedValues: [echo, env, flood, chatter, sleepchild, background]
    interpolationType: ENV_VAR
  Message:
    type: String
    default: hello
    allowedPattern: "^[A-Za-z0-9 $();/_.-]{1,100}$"
    interpolationType: ENV_VAR
  ExitCode:
    type: String
    default: "0"
    allowedPattern: "^[0-9]{1,3}$"
    interpolationType: ENV_VAR
  SleepSeconds:
    type: String
    default: "0"
    allowedPattern: "^[0-9]{1,2}$"
    interpolationType: ENV_VAR
mainSteps:
  - action: aws:runShellScript
    name: probe
    inputs:
      runCommand:
        - set -euo pipefail
        - |
          case "$SSM_Mode" in
            echo) printf 'message=%s\\n' "$SSM_Message"; echo "to stderr" >&2 ;;
            env) env | sort ;;
            flood) head -c 60000 /dev/zero | tr '\\0' 'x'; echo; echo END ;;
            chatter) exec 3>&1 1>&2; for i in $(seq 1 1000); do printf 'progress %090d\\n' "$i"; done; printf '{"lines":1000}\\n' >&3 ;;
            sleepchild) sleep "$SSM_SleepSeconds" & echo $! > "$RUNBOOK_HOST_ROOT/child.pid"; wait ;;
            background) sleep 30 & echo $! > "$RUNBOOK_HOST_ROOT/background.pid"; echo started ;;
          esac
        - exit "$SSM_ExitCode"
`;
// The project documents' execution-timeout parameter: the agent's timeoutSeconds input, filled from the step.
const TIMED_DOCUMENT = `
schemaVersion: "2.2"
parameters:
  executionTimeout: { type: String, default: "3600", allowedPattern: "^([1-9][0-9]{0,4}|1[0-6][0-9]{4}|17[01][0-9]{3}|172[0-7][0-9]{2}|172800)$" }
mainSteps:
  - { action: aws:runShellScript, name: s, inputs: { timeoutSeconds: "{{ executionTimeout }}", runCommand: ["sleep 30"] } }
`;
const TEXT_INTERPOLATING_DOCUMENT = `
schemaVersion: "2.2"
parameters:
  Name: { type: String, allowedPattern: "^[a-z]+$", interpolationType: ENV_VAR }
mainSteps:
  - { action: aws:runShellScript, name: s, inputs: { runCommand: ["echo {{ Name }}"] } }
`;

describe('LocalHostCommands', () => {
  let dir: string;
  let documentsDir: string;
  let hostRoot: string;
  let bus: RecordingBus;
  let hosts: LocalHostCommands;
  const stray: number[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'runbook-hc-'));
    documentsDir = join(dir, 'documents');
    hostRoot = join(dir, 'host');
    mkdirSync(documentsDir);
    mkdirSync(hostRoot);
    writeFileSync(join(documentsDir, 'runbook-Probe.yml'), PROBE_DOCUMENT);
    writeFileSync(join(documentsDir, 'runbook-Interpolating.yml'), TEXT_INTERPOLATING_DOCUMENT);
    writeFileSync(join(documentsDir, 'runbook-Timed.yml'), TIMED_DOCUMENT);
    bus = new RecordingBus();
    hosts = new LocalHostCommands({ documentsDir, hostRoot, bus, clock, env: { EXTRA_SETTING: 'on', SSM_Mode: 'forged' } });
  });

  afterEach(async () => {
    await hosts.close();
    for (const pid of stray.splice(0)) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('should return a command id at once and publish Success with the SSM event detail after the script ends', async () => {
    // Act
    const { commandId } = await hosts.send(commandRequest('runbook-Probe', { Mode: 'echo' }, 30));
    const publishedBeforeReturn = bus.events.length;
    const event = await bus.waitFor(commandId);

    // Assess
    expect(commandId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(publishedBeforeReturn).toBe(0);
    expect(event).toMatchObject({ 'detail-type': 'EC2 Command Status-change Notification', source: 'aws.ssm', time: NOW.toISOString() });
    expect(event.detail).toEqual({
      'command-id': commandId,
      'document-name': 'runbook-Probe',
      status: 'Success',
      parameters: { Mode: ['echo'], Message: ['hello'], ExitCode: ['0'], SleepSeconds: ['0'] },
      'requested-date-time': '2025-09-23T02:00:00.000Z',
      'expire-after': '2025-09-23T02:00:30.000Z',
    });
    expect(await hosts.outcome(commandId)).toEqual({ status: 'Success', exitCode: 0, stdout: 'message=hello\n', stderr: 'to stderr\n' });
  });

  it('should report InProgress while the script runs', async () => {
    // Act
    const { commandId } = await hosts.send(commandRequest('runbook-Probe', { Mode: 'sleepchild', SleepSeconds: '1' }));
    const during = await hosts.outcome(commandId);
    await bus.waitFor(commandId);

    // Assess
    expect(during.status).toBe('InProgress');
    expect(during.exitCode).toBeUndefined();
  });

  it('should publish Failed with the exit code when the script fails', async () => {
    // Act
    const { event, outcome } = await runToEnd(hosts, bus, 'runbook-Probe', { Mode: 'echo', ExitCode: '3' });

    // Assess
    expect(event.detail.status).toBe('Failed');
    expect(outcome).toMatchObject({ status: 'Failed', exitCode: 3 });
  });

  it('should kill the whole process group and publish TimedOut when the execution timeout passes', async () => {
    // Act: runToEnd waits at most the timeout plus 10 s for the status event, less than the 30 s sleep, so a timeout
    // that never fired fails here without a wall-clock assertion.
    const { event, outcome } = await runToEnd(hosts, bus, 'runbook-Probe', { Mode: 'sleepchild', SleepSeconds: '30' }, 1);
    const child = Number(readFileSync(join(hostRoot, 'child.pid'), 'utf8'));

    // Assess
    expect(event.detail.status).toBe('TimedOut');
    expect(event.detail['expire-after']).toBe('2025-09-23T02:00:01.000Z');
    expect(outcome.status).toBe('TimedOut');
    expect(outcome.stderr).toMatch(/timed out/);
    expect(isRunning(child)).toBe(false);
  });

  it('should cancel a running command: its process group is killed and it ends Cancelled', async () => {
    // Prepare
    const { commandId } = await hosts.send(commandRequest('runbook-Probe', { Mode: 'sleepchild', SleepSeconds: '30' }, 60));
    const deadline = Date.now() + 5000;
    while (!existsSync(join(hostRoot, 'child.pid')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const child = Number(readFileSync(join(hostRoot, 'child.pid'), 'utf8'));

    // Act
    const first = await hosts.cancel(commandId);
    const event = await bus.waitFor(commandId);
    const again = await hosts.cancel(commandId);

    // Assess
    expect(first).toEqual({ cancelled: true });
    expect(again).toEqual({ cancelled: false });
    expect(event.detail.status).toBe('Cancelled');
    expect((await hosts.outcome(commandId)).status).toBe('Cancelled');
    expect(isRunning(child)).toBe(false);
  });

  it("should fill a document's executionTimeout from the step's timeoutSeconds and stop the script at it, as the agent would", async () => {
    // Act
    const started = Date.now();
    const { event, outcome } = await runToEnd(hosts, bus, 'runbook-Timed', {}, 1);

    // Assess
    expect(event.detail.parameters).toEqual({ executionTimeout: ['1'] });
    expect(event.detail.status).toBe('TimedOut');
    expect(outcome.status).toBe('TimedOut');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('should refuse a step that sets executionTimeout itself, naming the parameter', async () => {
    // Act
    const sending = hosts.send(commandRequest('runbook-Timed', { executionTimeout: '999' }, 1));

    // Assess
    await expect(sending).rejects.toMatchObject({ name: 'ValidationError', issues: [{ path: 'parameters.executionTimeout' }] });
    expect(bus.events).toHaveLength(0);
  });

  it('should pass parameters only as SSM_<Name> variables in a clean environment', async () => {
    // Prepare
    process.env.RUNBOOK_TEST_LEAK = 'must-not-reach-scripts';

    // Act
    const { outcome } = await runToEnd(hosts, bus, 'runbook-Probe', { Mode: 'env', Message: 'hi there' });
    delete process.env.RUNBOOK_TEST_LEAK;
    const env = Object.fromEntries(outcome.stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

    // Assess
    expect(env).toMatchObject({ SSM_Mode: 'env', SSM_Message: 'hi there', SSM_ExitCode: '0', RUNBOOK_HOST_ROOT: hostRoot, EXTRA_SETTING: 'on', PWD: hostRoot });
    expect(env.RUNBOOK_TEST_LEAK).toBeUndefined();
    const bashOwn = ['PWD', 'SHLVL', '_', 'OLDPWD'];
    const unexpected = Object.keys(env).filter((k) => !k.startsWith('SSM_') && !['PATH', 'HOME', 'RUNBOOK_HOST_ROOT', 'EXTRA_SETTING', ...bashOwn].includes(k));
    expect(unexpected).toEqual([]);
  });

  it('should never evaluate an allowed value that looks like a command substitution', async () => {
    // Act
    const { outcome } = await runToEnd(hosts, bus, 'runbook-Probe', { Mode: 'echo', Message: '$(touch pwned)' });

    // Assess
    expect(outcome.stdout).toBe('message=$(touch pwned)\n');
    expect(existsSync(join(hostRoot, 'pwned'))).toBe(false);
  });

  it('should refuse a value outside the pattern before running anything, naming the parameter', async () => {
    // Act
    const send = hosts.send(commandRequest('runbook-Probe', { Mode: 'echo', ExitCode: '$(touch pwned)' }));

    // Assess
    await expect(send).rejects.toThrow(ValidationError);
    await expect(send).rejects.toMatchObject({ issues: [{ path: 'parameters.ExitCode' }] });
    expect(existsSync(join(hostRoot, 'pwned'))).toBe(false);
    expect(bus.events).toEqual([]);
  });

  it('should refuse an injection into a project document, naming the parameter', async () => {
    // Prepare
    const real = new LocalHostCommands({ documentsDir: DOCUMENTS_DIR, hostRoot, bus, clock });

    // Act
    const send = real.send(commandRequest('runbook-DeployRelease', { Release: 'v2.4.0; rm -rf /', Method: 'artifact', Services: 'estimator-service' }));

    // Assess
    await expect(send).rejects.toMatchObject({ name: 'ValidationError', issues: [{ path: 'parameters.Release' }] });
    await real.close();
  });

  it('should refuse an unknown document, naming document', async () => {
    // Act
    const unknown = hosts.send(commandRequest('runbook-Nope', {}));
    const traversal = hosts.send(commandRequest('../documents/runbook-Probe', { Mode: 'echo' }));

    // Assess
    await expect(unknown).rejects.toMatchObject({ name: 'ValidationError', issues: [{ path: 'document' }] });
    await expect(traversal).rejects.toMatchObject({ name: 'ValidationError', issues: [{ path: 'document' }] });
  });

  it('should refuse to run a document that interpolates parameters into its script text', async () => {
    // Act
    const send = hosts.send(commandRequest('runbook-Interpolating', { Name: 'abc' }));

    // Assess
    await expect(send).rejects.toMatchObject({ name: 'ValidationError', issues: [{ path: 'document.mainSteps.0.inputs.runCommand.0' }] });
  });

  it('should refuse targets other than this machine', async () => {
    // Prepare
    const request = { ...commandRequest('runbook-Probe', { Mode: 'echo' }), targets: { kind: 'tag' as const, key: 'Environment', values: ['production'] } };

    // Act
    const send = hosts.send(request);

    // Assess
    await expect(send).rejects.toMatchObject({ name: 'ValidationError', issues: [{ path: 'targets' }] });
  });

  it('should keep only the last 24,000 characters of output and say how much it dropped', async () => {
    // Act
    const { outcome } = await runToEnd(hosts, bus, 'runbook-Probe', { Mode: 'flood' });

    // Assess
    expect(outcome.stdout).toHaveLength(OUTPUT_LIMIT);
    expect(outcome.stdout.endsWith('\nEND\n')).toBe(true);
    expect(outcome.truncated).toEqual({ streams: ['stdout'], note: expect.stringContaining(`the first ${60_005 - OUTPUT_LIMIT} characters of stdout were dropped`) });
  });

  it('should keep the result of a step whose 100,000 characters of progress go to stderr, saying the progress was cut', async () => {
    // Act
    const { event, outcome, result } = await runToEnd(hosts, bus, 'runbook-Probe', { Mode: 'chatter' });

    // Assess: 1000 lines of 100 characters on stderr, one JSON line on stdout
    expect(event.detail.status).toBe('Success');
    expect(outcome.stdout).toBe('{"lines":1000}\n');
    expect(lastLineJson(outcome.stdout)).toEqual({ lines: 1000 });
    expect(result).toEqual({ lines: 1000 });
    expect(outcome.stderr).toHaveLength(OUTPUT_LIMIT);
    expect(outcome.stderr.endsWith(`progress ${'1000'.padStart(90, '0')}\n`)).toBe(true);
    expect(outcome.truncated).toEqual({ streams: ['stderr'], note: expect.stringContaining(`the first ${100_000 - OUTPUT_LIMIT} characters of stderr were dropped`) });
  });

  it('should finish a command whose background process still holds its output', async () => {
    // Act
    const { event, outcome } = await runToEnd(hosts, bus, 'runbook-Probe', { Mode: 'background' }, 20);
    stray.push(Number(readFileSync(join(hostRoot, 'background.pid'), 'utf8')));

    // Assess
    expect(event.detail.status).toBe('Success');
    expect(outcome.stdout).toBe('started\n');
  });

  it('should throw NotFoundError for an unknown command id', async () => {
    // Act
    const outcome = hosts.outcome('00000000-0000-0000-0000-000000000000');

    // Assess
    await expect(outcome).rejects.toThrow(NotFoundError);
  });

  it('should kill running commands on close and publish nothing for them', async () => {
    // Prepare
    const { commandId } = await hosts.send(commandRequest('runbook-Probe', { Mode: 'sleepchild', SleepSeconds: '30' }));
    const childPidFile = join(hostRoot, 'child.pid');
    for (let i = 0; i < 50 && !existsSync(childPidFile); i += 1) await new Promise((r) => setTimeout(r, 20));
    const child = Number(readFileSync(childPidFile, 'utf8'));

    // Act
    await hosts.close();
    await new Promise((r) => setTimeout(r, 50));

    // Assess
    expect((await hosts.outcome(commandId)).status).toBe('Cancelled');
    expect(isRunning(child)).toBe(false);
    expect(bus.events).toEqual([]);
  });

  it('should list the document names in a directory', () => {
    // Act
    const names = documentNames(documentsDir);

    // Assess
    expect(names).toEqual(['runbook-Interpolating', 'runbook-Probe', 'runbook-Timed']);
  });
});
