// A host for the documents whose PATH holds only bash, timeout and curl, plus whichever stand-in clients (psql,
// pg_isready, redis-cli) a test adds: the test decides which clients exist and sees the arguments they were given.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalHostCommands } from '../../lambdas/adapters/local/host-commands';
import { DOCUMENTS_DIR } from '../../documents';
import { RecordingBus } from '../adapters/local/harness';

export interface ClientSandbox {
  hosts: LocalHostCommands;
  bus: RecordingBus;
  /** Adds a client that records its arguments, prints `stdout` and exits with `exitCode`. */
  fakeClient(name: string, stdout: string, exitCode?: number): void;
  /** The arguments the client was last called with (ENOENT when it never ran). */
  argsOf(name: string): string[];
  close(): Promise<void>;
}

const which = (tool: string): string => execFileSync('bash', ['-c', 'command -v "$1"', '_', tool], { encoding: 'utf8' }).trim();

export function clientSandbox(): ClientSandbox {
  const dir = mkdtempSync(join(tmpdir(), 'runbook-clients-'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  for (const tool of ['bash', 'timeout', 'curl']) symlinkSync(which(tool), join(bin, tool));
  const bus = new RecordingBus();
  const hosts = new LocalHostCommands({ documentsDir: DOCUMENTS_DIR, hostRoot: dir, bus, clock: { now: () => new Date() }, env: { PATH: bin } });
  return {
    hosts, bus,
    fakeClient(name, stdout, exitCode = 0) {
      const file = join(bin, name);
      writeFileSync(file, `#!/bin/bash\nprintf '%s\\n' "$@" > '${join(dir, `${name}.args`)}'\n${stdout ? `echo '${stdout}'\n` : ''}exit ${exitCode}\n`);
      chmodSync(file, 0o755);
    },
    argsOf: (name) => readFileSync(join(dir, `${name}.args`), 'utf8').trimEnd().split('\n'),
    async close() {
      await hosts.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
