// Builds one Lambda function's Deps from the adapters its entry wires, and nothing else: each entry (lambdas/aws/<fn>.ts)
// constructs only the SDK clients its handler's code calls (through the small factories in ./wiring/), so esbuild
// bundles only those clients and adapters. A port the entry leaves out is filled with a stand-in that fails loudly,
// naming the function and the reason, should the code ever reach it. Clients and adapters are created once per
// container when the entry module loads (no network call until a handler runs), then reused by every invocation.
// test/infra/iam-derived.test.ts checks, from each entry's esbuild metafile, which clients and commands a bundle holds.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { PowertoolsLoggerAdapter } from '../adapters/aws/logger';
import type { EnvironmentProfile } from '../core/schemas';
import type { Clock, Deps } from '../ports';
import type { FunctionEnv, FunctionName } from './env';

/** Every function's environment has at least what the phase functions need; api and execution-status add the state machine. */
export type AwsEnv = FunctionEnv<'preflight'> & { STATE_MACHINE_ARN?: string };

/** Where the bundled SSM documents sit next to the function's index.js (the CDK bundling copies them there). */
export const BUNDLED_DOCUMENTS_DIR = 'documents';

/**
 * `<bundle>/documents` on Lambda; the repository's documents/ when run from source (tests, tsx), where this file
 * sits two levels below the root.
 */
export function documentsDir(base: string = __dirname): string {
  const bundled = join(base, BUNDLED_DOCUMENTS_DIR);
  if (existsSync(bundled)) return bundled;
  const source = join(base, '..', '..', 'documents');
  if (existsSync(source)) return source;
  throw new Error(`no SSM documents: expected ${bundled} (copied there by the CDK bundling) or ${source} (source tree)`);
}

/** What every function has, whatever it wires: its environment, clock and logger. */
export interface AwsBase {
  name: FunctionName;
  env: AwsEnv;
  clock: Clock;
  log: PowertoolsLoggerAdapter;
}

/** The ports an entry wires (clock and log come with the base), and the profile loader where its code reads the profile. */
export type AwsPorts = Partial<Omit<Deps, 'clock' | 'log'>> & { profile?: () => Promise<EnvironmentProfile> };
type PortName = Exclude<keyof AwsPorts, undefined>;
const PORT_NAMES = ['store', 'hosts', 'alarms', 'metrics', 'callbacks', 'notifier', 'parameters', 'tester', 'executions', 'profile'] as const satisfies readonly PortName[];

/** Raised by a port a function does not wire: a bug in the entry or in the code it runs, never a transient failure. */
export class PortNotWired extends Error {
  override name = 'PortNotWired';
}

/** Why a function may lack a port, where there is more to say than "its code never calls it". */
const WHY_ABSENT: Partial<Record<PortName, string>> = {
  executions: 'only the functions given STATE_MACHINE_ARN (api, execution-status) start executions',
  tester: 'smoke and load tests run in the test function only (its load generator would weigh ~350 KB in every other bundle)',
};

/** A stand-in whose every method rejects with PortNotWired, naming the function, the call and the reason. */
function notWired<T>(fn: FunctionName, port: PortName, wired: readonly string[]): T {
  const reason = WHY_ABSENT[port] ?? `the code of lambdas/aws/${fn}.ts never calls it, so its bundle leaves the adapter out`;
  const fail = (method: string) => () => Promise.reject(new PortNotWired(
    `${fn}: ${port}.${method} is not available in this function (it wires ${wired.join(', ') || 'no port'}): ${reason}`));
  // `then` stays undefined so that awaiting the stand-in itself is not mistaken for a thenable.
  return new Proxy({}, { get: (_target, key) => (typeof key === 'string' && key !== 'then' ? fail(key) : undefined) }) as T;
}

/**
 * A port of which a function implements some methods only (the api validates steps, never sends them): the others
 * reject with PortNotWired like an unwired port's, naming the function, the call and why.
 */
export function partialPort<T extends object>(fn: FunctionName, port: PortName, methods: Partial<T>, why: string): T {
  return new Proxy(methods, {
    get: (target, key) => {
      if (key in target) return (target as Record<PropertyKey, unknown>)[key];
      if (typeof key !== 'string' || key === 'then') return undefined;
      return () => Promise.reject(new PortNotWired(`${fn}: ${port}.${key} is not available in this function (it implements ${Object.keys(methods).join(', ')} only): ${why}`));
    },
  }) as T;
}

export interface AwsRuntime {
  name: FunctionName;
  deps: Deps;
  log: PowertoolsLoggerAdapter;
  /** The environment profile from PROFILE_PARAMETER_NAME, read on first use and kept for the container. */
  profile: () => Promise<EnvironmentProfile>;
  /** The ports this function wired, in PORT_NAMES order. */
  wired: PortName[];
}

export interface AwsRuntimeOptions {
  clock?: Clock;
}

/**
 * One function's runtime: `wire` receives the base (environment, clock, logger) and returns the adapters this function
 * uses, built from clients the entry constructs; every other port fails loudly when called.
 */
export function awsRuntime(name: FunctionName, env: AwsEnv, wire: (base: AwsBase) => AwsPorts, options: AwsRuntimeOptions = {}): AwsRuntime {
  const clock = options.clock ?? { now: () => new Date() };
  const log = new PowertoolsLoggerAdapter({ serviceName: env.POWERTOOLS_SERVICE_NAME, logLevel: env.POWERTOOLS_LOG_LEVEL });
  const ports = wire({ name, env, clock, log });
  const wired = PORT_NAMES.filter((p) => ports[p] !== undefined);
  const port = <P extends PortName>(p: P): NonNullable<AwsPorts[P]> => ports[p] ?? notWired<NonNullable<AwsPorts[P]>>(name, p, wired);
  const profileLoader = ports.profile ?? (() => Promise.reject(new PortNotWired(
    `${name}: the environment profile is not available in this function (it wires ${wired.join(', ')}): the code of lambdas/aws/${name}.ts never reads it`)));
  const deps: Deps = {
    store: port('store'),
    hosts: port('hosts'),
    alarms: port('alarms'),
    metrics: port('metrics'),
    callbacks: port('callbacks'),
    notifier: port('notifier'),
    parameters: port('parameters'),
    tester: port('tester'),
    executions: port('executions'),
    // Optional in Deps: the code asks `if (deps.activeProbe)`, so a function without one leaves it undefined.
    ...(ports.activeProbe ? { activeProbe: ports.activeProbe } : {}),
    clock,
    log,
  };
  return { name, deps, log, profile: profileLoader, wired };
}

export type LambdaHandler = (event: unknown, context?: Context) => Promise<unknown>;

/** The Lambda handler around one of the handler modules the embedded engine also calls. */
export function lambdaHandler(handle: (event: unknown, deps: Deps) => Promise<unknown>, runtime: AwsRuntime): LambdaHandler {
  return async (event, context) => {
    if (context) runtime.log.addContext(context);
    return handle(event, runtime.deps);
  };
}
