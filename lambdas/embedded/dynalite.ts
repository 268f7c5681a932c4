// The embedded engine's DynamoDB: dynalite in this process on 127.0.0.1, data on disk under a path (the CLI's
// .runbook/data) or in memory, and a DynamoDB client wired to it that never consults AWS configuration.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface StartDynaliteOptions {
  /** LevelDB directory (created if missing); in memory when absent. */
  path?: string;
  /** How long a new table stays CREATING; 0 by default since nothing local needs to see that state. */
  createTableMs?: number;
}

export interface EmbeddedDynamo {
  endpoint: string;
  client: DynamoDBClient;
  close(): Promise<void>;
}

const PID_FILE = 'runbook-dynalite.pid';

/** Whether a process of that id exists (EPERM: it does, under another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Claims the data directory for this process. LevelDB opens a directory exclusively, and dynalite reports a
 * second opener's failure by throwing from its request handler, which kills the process on the first request;
 * a pid file turns that into a clear error before dynalite starts.
 */
async function claimDataDirectory(dir: string): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, PID_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(file, String(process.pid), { flag: 'wx' });
      return () => rm(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
        throw new Error(`${dir} is in use by process ${holder}${holder === process.pid ? ' (this one)' : ''}: its data can be open in one place at a time`);
      }
      // Left by a process that died without closing: the directory is free.
      await rm(file, { force: true });
    }
  }
  throw new Error(`could not claim ${dir}: its pid file keeps reappearing`);
}

/** Starts dynalite on a free port of 127.0.0.1 and returns a client for it; close() stops both. */
export async function startDynalite(options: StartDynaliteOptions = {}): Promise<EmbeddedDynamo> {
  const release = options.path !== undefined ? await claimDataDirectory(options.path) : async () => {};
  const server = dynalite({ createTableMs: options.createTableMs ?? 0, ...(options.path !== undefined ? { path: options.path } : {}) });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await release();
    throw err;
  }
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    // dynalite checks that a request is signed, not by whom.
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    // Each setting below is otherwise read from AWS_* variables or ~/.aws/config (and AWS_PROFILE's profile):
    // given here, the local engine behaves the same on any machine, whatever AWS setup it has or lacks.
    maxAttempts: 3,
    retryMode: 'standard',
    defaultsMode: 'standard',
    useDualstackEndpoint: false,
    useFipsEndpoint: false,
    endpointDiscoveryEnabled: false,
    accountIdEndpointMode: 'disabled',
    authSchemePreference: [],
    userAgentAppId: 'runbook-local',
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000 },
  });

  let closing: Promise<void> | undefined;
  return {
    endpoint,
    client,
    close: () => {
      closing ??= (async () => {
        // Destroying the client first drops its keep-alive sockets, which would otherwise hold server.close open.
        client.destroy();
        try {
          await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
        } finally {
          await release();
        }
      })();
      return closing;
    },
  };
}
