// Builds the handlers' Deps on AWS from a function's parsed environment: SDK clients and adapters are created once
// per container when an entry module loads (no network call until a handler runs), then reused by every invocation.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { Context } from 'aws-lambda';
import { CloudWatchAlarms } from '../adapters/aws/cloudwatch-alarms';
import { PowertoolsLoggerAdapter } from '../adapters/aws/logger';
import { SfnCallbacks, SfnExecutions } from '../adapters/aws/sfn-callbacks';
import { SnsSlackNotifier } from '../adapters/aws/sns-notifier';
import { SsmHostCommands, loadDocuments } from '../adapters/aws/ssm-host-commands';
import { SsmParameterSource, cachedProfileLoader } from '../adapters/aws/ssm-parameters';
import { DynamoChangeStore } from '../adapters/dynamodb/change-store';
import type { EnvironmentProfile } from '../core/schemas';
import type { Clock, Deps, Executions, LoadTester } from '../ports';
import type { FunctionEnv } from './env';

/** Every function's environment has at least what the phase functions need; the api function adds the state machine. */
export type AwsEnv = FunctionEnv<'preflight'> & { STATE_MACHINE_ARN?: string };

/** Where the bundled SSM documents sit next to the function's index.js (the CDK bundling copies them there). */
export const BUNDLED_DOCUMENTS_DIR = 'documents';

export interface AwsClients {
  dynamodb: DynamoDBClient;
  ssm: SSMClient;
  cloudwatch: CloudWatchClient;
  sfn: SFNClient;
  sns: SNSClient;
  secrets: SecretsManagerClient;
}

/** Region and credentials come from the Lambda environment; constructing a client sends nothing. */
export function createClients(): AwsClients {
  return {
    dynamodb: new DynamoDBClient({}),
    ssm: new SSMClient({}),
    cloudwatch: new CloudWatchClient({}),
    sfn: new SFNClient({}),
    sns: new SNSClient({}),
    secrets: new SecretsManagerClient({}),
  };
}

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

/** Only the api function starts executions; the others get this so a stray call fails with a reason. */
class NoExecutions implements Executions {
  async start(name: string): Promise<{ executionId: string; alreadyStarted: boolean }> {
    throw new Error(`cannot start execution ${name}: this function has no STATE_MACHINE_ARN (only the api function starts executions)`);
  }
}

/**
 * Only the TEST function generates load; its entry passes the HTTP load tester. Importing it here would put
 * autocannon and its dependencies (~350 KB minified) into every other function's bundle.
 */
class NoLoadTester implements LoadTester {
  async smoke(): Promise<never> {
    throw new Error('smoke tests run in the test function only');
  }

  async load(): Promise<never> {
    throw new Error('load tests run in the test function only');
  }
}

export interface AwsRuntime {
  deps: Deps;
  log: PowertoolsLoggerAdapter;
  clients: AwsClients;
  /** The environment profile from PROFILE_PARAMETER_NAME, read on first use and kept for the container. */
  profile: () => Promise<EnvironmentProfile>;
}

export interface AwsRuntimeOptions {
  clients?: AwsClients;
  documentsDir?: string;
  clock?: Clock;
  /** The TEST function's load tester; the other functions never test. */
  tester?: LoadTester;
}

export function awsRuntime(env: AwsEnv, options: AwsRuntimeOptions = {}): AwsRuntime {
  const clients = options.clients ?? createClients();
  const clock = options.clock ?? { now: () => new Date() };
  const log = new PowertoolsLoggerAdapter({ serviceName: env.POWERTOOLS_SERVICE_NAME, logLevel: env.POWERTOOLS_LOG_LEVEL });
  const profile = cachedProfileLoader(clients.ssm, env.PROFILE_PARAMETER_NAME);
  const cloudwatch = new CloudWatchAlarms(clients.cloudwatch, { environment: env.ENVIRONMENT_NAME, clock });
  const deps: Deps = {
    store: new DynamoChangeStore(clients.dynamodb, env.TABLE_NAME, { now: () => clock.now() }),
    hosts: new SsmHostCommands(clients.ssm, {
      // Read at cold start: a function deployed without its documents fails at once, not at the first ACT step.
      documents: loadDocuments(options.documentsDir ?? documentsDir()),
      documentNamePrefix: env.DOCUMENT_NAME_PREFIX,
      logGroupName: env.COMMAND_LOG_GROUP,
    }),
    alarms: cloudwatch,
    metrics: cloudwatch,
    callbacks: new SfnCallbacks(clients.sfn),
    notifier: new SnsSlackNotifier(clients.sns, clients.secrets, {
      topicArn: env.TOPIC_ARN,
      slackSecretArn: env.SLACK_SECRET_ARN,
      system: async () => (await profile()).system,
      log,
      clock,
    }),
    clock,
    parameters: new SsmParameterSource(clients.ssm, env.ENVIRONMENT_NAME),
    tester: options.tester ?? new NoLoadTester(),
    executions: env.STATE_MACHINE_ARN ? new SfnExecutions(clients.sfn, env.STATE_MACHINE_ARN) : new NoExecutions(),
    log,
  };
  return { deps, log, clients, profile };
}

export type LambdaHandler = (event: unknown, context?: Context) => Promise<unknown>;

/** The Lambda handler around one of the handler modules the embedded engine also calls. */
export function lambdaHandler(handle: (event: unknown, deps: Deps) => Promise<unknown>, runtime: AwsRuntime): LambdaHandler {
  return async (event, context) => {
    if (context) runtime.log.addContext(context);
    return handle(event, runtime.deps);
  };
}
