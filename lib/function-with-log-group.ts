// One Lambda function of the control plane, set up the same way everywhere: newest Node.js on arm64, bundled by
// the local esbuild (SDK included, minified, options in ./bundling.ts), X-Ray, JSON logs into its own log group with retention,
// its own role (no AWS managed policy), and an environment typed from the handler's own zod schema.
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { FunctionEnvInput, FunctionName } from '../lambdas/aws/env';
import { bundleAliases, BUNDLE_TARGET, copyDocumentsCommands, MAIN_FIELDS, yamlChunkCommands } from './bundling';
import { functionEntry, LOCK_FILE, REPO_ROOT, TSCONFIG } from './paths';

/** The newest Node.js runtime aws-cdk-lib 2.276 offers (NODEJS_LATEST lags behind it on purpose). */
export const RUNTIME = lambda.Runtime.NODEJS_24_X;

export interface FunctionWithLogGroupProps<F extends FunctionName> {
  /** Which handler: lambdas/aws/<name>.ts, and which env schema types `environment`. */
  name: F;
  environment: FunctionEnvInput<F>;
  description: string;
  timeout: Duration;
  memorySize?: number;
  /** Copies documents/*.yml into the bundle as documents/ (as JSON where yaml is stood in for: lib/bundling.ts), for the functions that validate and send host commands. */
  withDocuments?: boolean;
  logRetention?: logs.RetentionDays;
  /** Dead-letter queue for asynchronous invocations (EventBridge targets). */
  deadLetterQueue?: lambda.FunctionProps['deadLetterQueue'];
}

/** Lambda takes strings only; the schema's optional inputs are simply left out when not given. */
function environmentVariables(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

export class FunctionWithLogGroup<F extends FunctionName = FunctionName> extends NodejsFunction {
  readonly logicalName: F;
  readonly logGroupOfFunction: logs.LogGroup;
  readonly executionRole: iam.Role;

  constructor(scope: Construct, id: string, props: FunctionWithLogGroupProps<F>) {
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // An own role instead of AWSLambdaBasicExecutionRole: that policy may write to every log group in the account.
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runbook ${props.name} function`,
    });
    const withDocuments = props.withDocuments === true;
    super(scope, id, {
      entry: functionEntry(props.name),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: LOCK_FILE,
      runtime: RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      tracing: lambda.Tracing.ACTIVE,
      loggingFormat: lambda.LoggingFormat.JSON,
      logGroup,
      role,
      description: props.description,
      timeout: props.timeout,
      memorySize: props.memorySize ?? 512,
      deadLetterQueue: props.deadLetterQueue,
      // No NODE_OPTIONS=--enable-source-maps: the bundle ships no source map (lib/bundling.ts says why).
      environment: environmentVariables(props.environment as Record<string, string | undefined>),
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.CJS,
        minify: true,
        // No keepNames (lib/bundling.ts says why): the error names the state machine routes on are string literals.
        keepNames: false,
        sourceMap: false,
        target: BUNDLE_TARGET,
        mainFields: MAIN_FIELDS,
        esbuildArgs: Object.fromEntries(Object.entries(bundleAliases(props.name)).map(([from, to]) => [`--alias:${from}`, to])),
        // The bundled, minified SDK cold-starts faster than the runtime's copy and pins the version we test.
        bundleAwsSDK: true,
        externalModules: [],
        tsconfig: TSCONFIG,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir: string, outputDir: string) => [
            ...(withDocuments ? copyDocumentsCommands(inputDir, outputDir) : []),
            ...yamlChunkCommands(props.name, inputDir, outputDir),
          ],
        },
      },
    });
    this.logicalName = props.name;
    this.logGroupOfFunction = logGroup;
    this.executionRole = role;
    logGroup.grantWrite(role);
    // Tracing put the X-Ray statement into the role's default policy; only that policy is acknowledged, and the
    // infra tests check that nothing else with Resource "*" ever lands in it.
    Validations.of(role.node.findChild('DefaultPolicy')).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions.',
    });
  }
}
