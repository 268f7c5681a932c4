// Commands that must work with no server running: they claim the home (so no server starts on it meanwhile), open
// its store themselves, do one thing through the same phase function the API route calls, and close it again.
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoChangeStore, ensureTable } from '../../lambdas/adapters/dynamodb/change-store';
import { LocalNotifier } from '../../lambdas/adapters/local/notifier';
import { startDynalite } from '../../lambdas/embedded/dynalite';
import { claimHome, HomeInUseError } from '../../lambdas/embedded/home-lock';
import { LOCAL_TABLE_NAME } from '../../lambdas/embedded/runtime';
import type { Clock, Notifier } from '../../lambdas/ports';
import { CliError, EXIT } from './client';

export interface OfflineDeps {
  store: DynamoChangeStore;
  clock: Clock;
  notifier: Notifier;
  /** Who is acting: the OS user (the server's own operator identity on this machine). */
  actor: string;
}

export async function withLocalStore<T>(home: string, command: string, fn: (deps: OfflineDeps) => Promise<T>): Promise<T> {
  let lock: ReturnType<typeof claimHome>;
  try {
    lock = claimHome(home, command);
  } catch (err) {
    if (err instanceof HomeInUseError) throw new CliError(`${err.message} (it serves no API this command could use: is it \`runbook run\`?)`, EXIT.UNREACHABLE);
    throw err;
  }
  try {
    const dynamo = await startDynalite({ path: join(resolve(home), 'data') });
    try {
      await ensureTable(dynamo.client, LOCAL_TABLE_NAME);
      const clock: Clock = { now: () => new Date() };
      const store = new DynamoChangeStore(dynamo.client, LOCAL_TABLE_NAME, { now: () => clock.now() });
      const notifier = new LocalNotifier({ write: () => undefined, file: join(resolve(home), 'notifications.jsonl'), clock, log: { info: () => undefined, warn: () => undefined, error: () => undefined } });
      return await fn({ store, clock, notifier, actor: userInfo().username });
    } finally {
      await dynamo.close();
    }
  } finally {
    lock.release();
  }
}
