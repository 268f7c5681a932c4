// Wires the embedded engine with the local adapters: dynalite-backed store (data under .runbook/),
// the project's SSM documents run on this machine, the endpoint probe feeding the rollback alarms,
// the HTTP load tester, and console/file notifications. One call builds it, one call tears it down.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoChangeStore, ensureTable } from '../adapters/dynamodb/change-store';
import { HttpLoadTester } from '../adapters/http/load-tester';
import { LocalHostCommands } from '../adapters/local/host-commands';
import { LocalNotifier } from '../adapters/local/notifier';
import { LocalParameterSource } from '../adapters/local/parameters';
import { LocalProbe } from '../adapters/local/probe';
import { rollbackAlarmDefinitions } from '../core/alarm-evaluator';
import type { EnvironmentProfile } from '../core/schemas';
import type { Alarms, Clock, HostCommands, LoadTester, Logger, Metrics, Notifier, ParameterSource } from '../ports';
import { ChangeFeed } from './change-feed';
import { startDynalite, type EmbeddedDynamo } from './dynalite';
import { EmbeddedEngine, routeEvents, type EngineOptions } from './engine';
import { LocalEventBus } from './event-bus';

export const LOCAL_TABLE_NAME = 'runbook-local';
export const DOCUMENTS_DIR = join(__dirname, '..', '..', 'documents');

export interface LocalRuntimeOptions {
  /** The embedded engine's home: data/, notifications.jsonl, reports/, executions/ (default .runbook). */
  home: string;
  profile: EnvironmentProfile;
  /** Where the host commands run (RUNBOOK_HOST_ROOT); the demo host's root. */
  hostRoot: string;
  /** Keep dynalite's data on disk under home/data (false: in memory, for tests). */
  persist?: boolean;
  log: Logger;
  clock?: Clock;
  /** Console output of notifications (default: none; the CLI prints its own progress). */
  writeNotification?: (text: string) => void;
  slackWebhookUrl?: string;
  /** While true the probe takes no samples (traffic is blocked on the host). */
  trafficBlocked?: () => boolean;
  /** The probe records nothing, as when nobody publishes the alarms' metrics (the `no-metrics` demo). */
  probeSilent?: boolean;
  engine?: Pick<EngineOptions, 'waitTimeOverrides' | 'retryIntervalOverrides' | 'onHistoryEvent' | 'onExecutionEnd'>;
  /**
   * Replaces adapters of the engine's deps (tests: in-memory hosts and tester, so an HTTP flow runs in seconds).
   * Called with the runtime's bus, which a stand-in for the hosts publishes its command status events on.
   */
  adapters?: (bus: LocalEventBus) => Partial<{ hosts: HostCommands; alarms: Alarms; metrics: Metrics; tester: LoadTester; parameters: ParameterSource; notifier: Notifier }>;
}

export interface LocalRuntime {
  engine: EmbeddedEngine;
  store: DynamoChangeStore;
  hosts: LocalHostCommands;
  probe: LocalProbe;
  bus: LocalEventBus;
  dynamo: EmbeddedDynamo;
  /** Every write of a change's record, event, approval or report, as it happens (the console's `GET /events`). */
  feed: ChangeFeed;
  close(): Promise<void>;
}

/** The change an execution belongs to: its name is the change id, `-<attempt>` and `-r<n>` after it. */
const CHANGE_ID_PREFIX = /^CR-\d{4}-\d{3,}/;

export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const clock = options.clock ?? { now: () => new Date() };
  mkdirSync(options.home, { recursive: true });
  const dynamo = await startDynalite(options.persist === false ? {} : { path: join(options.home, 'data') });
  try {
    await ensureTable(dynamo.client, LOCAL_TABLE_NAME);
  } catch (err) {
    await dynamo.close();
    throw err;
  }
  const feed = new ChangeFeed();
  // Sole writer: this process holds the home and its data directory (home-lock.ts, dynalite.ts), nothing else writes.
  const store = new DynamoChangeStore(dynamo.client, LOCAL_TABLE_NAME, { now: () => clock.now(), onWritten: (write) => feed.publish(write), soleWriter: true });
  const bus = new LocalEventBus({ log: options.log });
  const hosts = new LocalHostCommands({ documentsDir: DOCUMENTS_DIR, hostRoot: options.hostRoot, bus, clock });
  const { profile } = options;
  const probe = new LocalProbe({
    baseUrl: profile.tests.baseUrl, paths: profile.monitoring.probePaths, intervalMs: profile.monitoring.probeIntervalMs,
    concurrency: profile.monitoring.probeConcurrency, alarms: rollbackAlarmDefinitions(profile), bus, clock, log: options.log,
    ...(options.probeSilent ? { silent: true } : {}),
    ...(options.trafficBlocked ? { trafficBlocked: options.trafficBlocked } : {}),
  });
  const notifier = new LocalNotifier({
    write: options.writeNotification ?? (() => undefined),
    file: join(options.home, 'notifications.jsonl'),
    system: profile.system, clock, log: options.log,
    ...(options.slackWebhookUrl ? { slackWebhookUrl: options.slackWebhookUrl } : {}),
  });
  const engine = new EmbeddedEngine({
    deps: {
      store, hosts, alarms: probe, metrics: probe, notifier, clock, log: options.log,
      parameters: new LocalParameterSource({ file: join(options.home, 'parameters.json') }),
      tester: new HttpLoadTester(),
      ...options.adapters?.(bus),
    },
    executionsDir: join(options.home, 'executions'),
    ...options.engine,
    onExecutionEnd: (outcome) => {
      options.engine?.onExecutionEnd?.(outcome);
      // The console draws the graph from the run's history, whose last states come after the change's last write.
      const changeId = CHANGE_ID_PREFIX.exec(outcome.name)?.[0];
      if (changeId) feed.publish({ changeId, kind: 'execution', status: outcome.status, at: outcome.stoppedAt });
    },
  });
  routeEvents(bus, engine);
  return {
    engine, store, hosts, probe, bus, dynamo, feed,
    async close() {
      for (const name of engine.executionNames()) engine.abort(name);
      await probe.stop();
      await hosts.close();
      await bus.close();
      await engine.settled();
      await dynamo.close();
    },
  };
}
