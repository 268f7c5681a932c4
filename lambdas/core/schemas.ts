// Input schemas: the environment profile and the change request (the seed's change_plan_template.yml).
// Both accept YAML or JSON; every error names the field path. Defaults are the seed's KIS_CORE_V3 values.
// Every field carries a .describe(): schemas/*.schema.json and docs/*.md are generated from them (npm run generate).
// Unknown keys: any object of the profile refuses them (found generically, see unknown-keys.ts, so a field added
// on a plain z.object is covered); a change request keeps them as written and reports them as warnings.
import * as z from 'zod';
import { parse as parseYaml } from 'yaml';
import { ValidationError, type FieldIssue } from './errors';
import { FreezesSchema } from './freeze';
import { ApproversSchema, CallersSchema } from './identity';
import { NUMBERED_TEXT, numberedItems } from './numbered-list';
import { parameterNameProblem } from './parameter-names';
import { PASSWORD_IN_URL_MESSAGE, hasPasswordInUrl } from './secrets';
import { findUnknownKeys, unknownKeyIssue, type UnknownKey } from './unknown-keys';

/**
 * The furthest a change window may be ahead of its submission. The state machine's execution timeout
 * (statemachines/runbook.asl.json TimeoutSeconds, 21 days) leaves a week after it for approvals already given,
 * ACT, the monitoring window, TEST and a rollback; test/statemachine/definition.test.ts keeps the two in step.
 */
export const MAX_LEAD_DAYS = 14;

/**
 * A step's own targets, narrower than the environment's: one or a few instances (a database backup or migration runs
 * on one host, not on every tagged host), or one more tag that SSM combines with the environment's tag (an instance
 * must carry both: https://docs.aws.amazon.com/systems-manager/latest/userguide/send-commands-multiple.html).
 */
const StepTargetsSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('instances').describe('These instances only.'),
    ids: z.array(z.string().regex(/^(i|mi)-[0-9a-f]{8,17}$/)).min(1).max(50).describe('EC2 (i-…) or hybrid (mi-…) managed instance ids of the environment.'),
  }).describe('Some of the environment\'s instances, by id.'),
  z.object({
    kind: z.literal('tag').describe('The environment\'s instances that also carry this tag.'),
    key: z.string().min(1).max(128).describe('A tag key other than the environment\'s (or the same key with fewer values), e.g. Role.'),
    values: z.array(z.string().min(1)).min(1).max(50).describe('Its values; an instance with any of them (and the environment\'s tag) is targeted.'),
  }).describe('The environment\'s instances narrowed by one more tag.'),
]).describe('Where this step runs, when narrower than the environment\'s targets (default: every target of the environment). Rate control (MaxConcurrency, MaxErrors 0) applies as to any step.');
export type StepTargets = z.infer<typeof StepTargetsSchema>;

/** A host command: one of the project's SSM documents with its parameters (validated by the document's allowedPattern when sent). */
export const CommandStepSchema = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case words joined by hyphens')
    .describe('Step name, unique within its phase (lower-case words joined by hyphens); a change overrides parameters by this name.'),
  document: z.string().regex(/^runbook-[A-Za-z0-9]+$/, 'a project document name like runbook-ServiceControl')
    .describe('The host-command document to send: one of documents/*.yml, e.g. runbook-ServiceControl.'),
  parameters: z.record(z.string(), z.string()).default({})
    .describe("The document's parameters (all values are strings); each is checked against the document's allowedPattern/allowedValues."),
  timeoutSeconds: z.number().int().min(5).max(7200).default(600).describe('How long the command may run before it counts as failed.'),
  targets: StepTargetsSchema.optional(),
}).describe('A host command: one of the project\'s documents with its parameters.');
export type CommandStep = z.infer<typeof CommandStepSchema>;

/**
 * One of the user's own CloudWatch metrics, as a rollback alarm reads it. Statistic names and units are CloudWatch's
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#Statistic).
 */
export const UserMetricSchema = z.object({
  namespace: z.string().regex(/^[A-Za-z0-9._\-/#:]{1,255}$/, 'a CloudWatch namespace like AWS/ApplicationELB')
    .describe('CloudWatch namespace, e.g. AWS/ApplicationELB, AWS/ApiGateway or your own.'),
  metricName: z.string().min(1).max(255).describe('Metric name, e.g. TargetResponseTime, HTTPCode_Target_5XX_Count, RequestCount, Latency, 5XXError, Count.'),
  dimensions: z.record(z.string().min(1).max(255), z.string().min(1).max(1024)).default({})
    .refine((d) => Object.keys(d).length <= 30, 'at most 30 dimensions')
    .describe('Dimension name to value, exactly as the metric is published (e.g. LoadBalancer: app/my-alb/0123456789abcdef).'),
  statistic: z.string().regex(/^(SampleCount|Average|Sum|Minimum|Maximum|p(\d{1,2}(\.\d{1,2})?|100))$/, 'SampleCount, Average, Sum, Minimum, Maximum or a percentile like p95')
    .describe('The statistic over each period: p95 for latency, Sum for counts.'),
  unit: z.enum(['Seconds', 'Milliseconds', 'Microseconds', 'Count', 'Percent', 'None']).optional()
    .describe('Only datapoints published with this unit (optional; CloudWatch matches every unit when left out).'),
  scale: z.number().positive().default(1)
    .describe('Multiplies the value into the unit of the threshold: 1000 turns seconds (ALB TargetResponseTime) into the milliseconds of monitoring.p95Ms.'),
}).describe('One of your own CloudWatch metrics.');
export type UserMetric = z.infer<typeof UserMetricSchema>;

/** A phase's steps: names are unique, since overrides and command records refer to steps by name. */
const StepListSchema = z.array(CommandStepSchema).min(1).superRefine((steps, ctx) => {
  const seen = new Set<string>();
  steps.forEach((step, i) => {
    if (seen.has(step.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate step name ${step.name}` });
    seen.add(step.name);
  });
});

const Severity = z.enum(['fatal', 'warning']);

/**
 * What each pre-flight finding does: fatal stops the change before anything is touched; warning lets it go on and is
 * reported (the pre-flight event, the report's issues). The defaults are the seed's: its scripts `exit 1` on a stopped
 * service, a failed database or cache connection and an unset variable, and only print a warning for high resource
 * usage and an external API that does not answer 200.
 */
export const PreflightSeveritySchema = z.object({
  services: Severity.default('fatal').describe('A service that is not active (the seed: fails).'),
  resources: Severity.default('warning').describe('CPU, memory or disk use above thresholds (the seed: warns).'),
  connectivity: Severity.default('fatal').describe('An endpoint of `endpoints`, or a required tcp dependency, unreachable (fails).'),
  database: Severity.default('fatal').describe('A required postgres dependency that does not answer (the seed: fails).'),
  cache: Severity.default('fatal').describe('A required redis dependency that does not answer (the seed: fails).'),
  externalApis: Severity.default('warning').describe('A required http dependency (an external API) that does not answer 2xx/3xx (the seed: warns).'),
  parameters: Severity.default('fatal').describe('A required parameter (or TEST credential) that is not set (the seed: fails).'),
}).prefault({}).describe('Per pre-flight check: fatal (stops the change) or warning (reported; the change goes on). A dependency with required: false is always a warning.');
export type PreflightSeverity = z.infer<typeof PreflightSeveritySchema>;

const TargetsSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('local').describe('This machine: the embedded engine runs the documents\' shell steps here.') })
    .describe('This machine, on the embedded engine only.'),
  z.object({
    kind: z.literal('tag').describe('SSM targets by tag.'),
    key: z.string().min(1).describe('The tag key, e.g. Environment.'),
    values: z.array(z.string().min(1)).min(1).describe('The tag values; an instance with any of them is targeted.'),
  }).describe('Managed instances selected by tag.'),
  z.object({
    kind: z.literal('instances').describe('SSM targets by instance id.'),
    ids: z.array(z.string().regex(/^(i|mi)-[0-9a-f]{8,17}$/)).min(1).describe('EC2 (i-…) or hybrid (mi-…) managed instance ids.'),
  }).describe('Managed instances by id.'),
]).describe('Where host commands run: `local`, SSM targets by tag, or instance ids.');

const HttpCheckSchema = z.object({
  name: z.string().min(1).describe('Name shown in the report.'),
  method: z.enum(['GET', 'POST', 'PUT', 'DELETE', 'HEAD']).default('GET').describe('HTTP method.'),
  path: z.string().startsWith('/').describe('Path under tests.baseUrl, starting with /.'),
  body: z.unknown().optional().describe('JSON body to send (any value).'),
  expectedStatus: z.number().int().min(100).max(599).default(200).describe('The HTTP status that counts as a pass.'),
  /** Smoke tests come in suites (critical paths, API endpoints); the report groups them. */
  suite: z.enum(['critical-path', 'api-endpoint', 'database', 'external', 'performance-baseline']).default('api-endpoint')
    .describe('The suite the report groups this check under.'),
  login: z.boolean().default(false)
    .describe('The seed\'s "User Authentication" check: POST the tests.auth credentials (resolved from their parameter names) as the JSON body; the token in a passing answer is sent as a Bearer header by every later check. Needs tests.auth and no body.'),
}).superRefine((check, ctx) => {
  if (check.login && check.body !== undefined) ctx.addIssue({ code: 'custom', path: ['body'], message: 'a login check sends the tests.auth credentials: give it no body' });
  if (check.body !== undefined) {
    for (const path of secretKeysIn(check.body)) {
      ctx.addIssue({ code: 'custom', path: ['body', ...path], message: 'secrets are never literals in a profile: name a parameter in tests.auth.credentials and mark the check login: true' });
    }
  }
}).describe('One smoke-test HTTP check.');
export type HttpCheck = z.infer<typeof HttpCheckSchema>;

/** Keys that hold secrets by their name (password, secret, api key, token): a profile names parameters instead. */
const SECRET_KEY = /pass(word|wd)?$|secret|api[_-]?key|token$|credential/i;

function secretKeysIn(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => secretKeysIn(v, [...path, i]));
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => (SECRET_KEY.test(k) ? [[...path, k]] : secretKeysIn(v, [...path, k])));
}

/** The target API's login for TEST: body fields whose values are read from Parameter Store / Secrets Manager by name. */
const TestAuthSchema = z.object({
  loginPath: z.string().startsWith('/').default('/api/v1/auth/login').describe('POST with a JSON body of the resolved credentials; answers the token.'),
  credentials: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'a JSON field name'), z.string().regex(/^[A-Za-z_/][A-Za-z0-9_/.-]*$/, 'a parameter name (Parameter Store path or variable name), never the value'))
    .refine((c) => Object.keys(c).length > 0, 'at least one credential field')
    .describe('Login body field → parameter NAME holding its value (e.g. password: /runbook/<environment>/test-user-password). Values are resolved at TEST through the ParameterSource port and never stored; PRE-FLIGHT checks they are set.'),
  tokenField: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).default('token').describe('Field of the login answer\'s JSON that holds the bearer token.'),
}).describe('How TEST logs in to the target API: the smoke login check and every load-test virtual user use it.');
export type TestAuth = z.infer<typeof TestAuthSchema>;

/** A k6-style check on the load test's answers for one path: a request that fails its check counts as failed. */
const LoadCheckSchema = z.object({
  path: z.string().startsWith('/').describe('One of tests.performance.paths.'),
  expectedStatus: z.number().int().min(100).max(599).optional().describe('The answer must have exactly this status (k6: check(r => r.status === N)).'),
  maxResponseMs: z.number().positive().optional().describe('The answer must come within this many milliseconds (k6: r.timings.duration < N).'),
});
export type LoadCheck = z.infer<typeof LoadCheckSchema>;

export const EnvironmentProfileSchema = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lower-case letters, digits and hyphens')
    .describe('Environment name (lower-case letters, digits, hyphens); a change request\'s change_request.environment must match it.'),
  description: z.string().optional().describe('Free text for people.'),
  system: z.string().default('KIS_CORE_V3').describe('The system this environment runs (shown in reports).'),
  targets: TargetsSchema,
  /** How services are managed on the hosts: systemd on real hosts, pid files for the local demo. */
  serviceManager: z.enum(['systemd', 'pidfile']).default('systemd').describe('How services are managed on the hosts: systemd on real hosts, pid files for the local demo.'),
  services: z.array(z.string().regex(/^[a-z0-9][a-z0-9._-]*$/)).min(1).describe('Services that must be active (pre-flight) and that the steps stop and start.'),
  thresholds: z.object({
    cpuPercent: z.number().min(1).max(100).default(80).describe('Host CPU use above this percentage is a pre-flight finding (a warning, or fatal by preflightSeverity.resources).'),
    memoryPercent: z.number().min(1).max(100).default(85).describe('Host memory use above this percentage is a pre-flight finding (a warning, or fatal by preflightSeverity.resources).'),
    diskPercent: z.number().min(1).max(100).default(90).describe('Host disk use above this percentage is a pre-flight finding (a warning, or fatal by preflightSeverity.resources).'),
  }).prefault({}).describe('Pre-flight system-health limits (the seed: CPU 80 %, memory 85 %, disk 90 %).'),
  preflightSeverity: PreflightSeveritySchema,
  /** Reached during pre-flight connectivity checks (http(s)://, tcp://, postgresql://, redis://). */
  endpoints: z.array(z.string().regex(/^(https?|tcp|postgresql|redis):\/\/[A-Za-z0-9.:/_-]+$/)).default([])
    .describe('Reached during pre-flight connectivity checks (http(s)://, tcp://, postgresql://, redis://).'),
  dependencies: z.array(z.object({
    name: z.string().min(1).describe('Name shown in the pre-flight result.'),
    kind: z.enum(['postgres', 'redis', 'http', 'tcp']).describe('How the dependency is checked.'),
    url: z.string().regex(/^(https?|tcp|postgresql|redis):\/\/[A-Za-z0-9.:/_@-]+$/).describe('Where the dependency answers (no passwords: secrets live in Parameter Store / Secrets Manager).'),
    required: z.boolean().default(true).describe('A required dependency is checked with its kind\'s preflightSeverity; an optional one is checked too and only reported (a warning).'),
  }).describe('One dependency checked in pre-flight.')).default([]).describe('Databases, caches and external APIs checked in pre-flight.'),
  /** Names only: values live in Parameter Store / Secrets Manager (or the local parameter file). */
  requiredParameters: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_/.-]*$/)).default([])
    .describe('Parameter names that must exist, bare (DATABASE_URL): on AWS read as /runbook/<environment>/NAME, the only path the functions may read (SecureString for secrets); locally from the parameter file or the environment.'),
  parameterKmsKeyArn: z.string().regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/, 'a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)').optional()
    .describe('The customer managed KMS key that encrypts the SecureString parameters under /runbook/<environment>/; the functions get kms:Decrypt on it only through SSM. Leave out with the aws/ssm key, which every principal of the account may already use through SSM.'),
  backup: z.object({
    directory: z.string().regex(/^[A-Za-z0-9._/-]+$/).default('/backups').describe('Where backups are written on the hosts.'),
    database: z.string().regex(/^postgresql:\/\/[A-Za-z0-9.:/_@-]+$/).optional().describe('PostgreSQL database to dump (postgresql://host:port/name, no password).'),
    configFiles: z.array(z.string().regex(/^[A-Za-z0-9._/-]+$/)).default([]).describe('Configuration files to copy into the backup.'),
    stateSnapshot: z.boolean().default(true).describe('Also record a state snapshot (service status, versions) with the backup metadata.'),
  }).prefault({}).describe('The pre-flight backup (database dump, config files, state snapshot, metadata JSON).'),
  act: z.object({ steps: StepListSchema.describe('ACT steps in order; a failure after the first rolls back.') }).describe('The ACT phase: block traffic, stop, back up, deploy, migrate, start, health check, restore traffic.'),
  healthCheck: z.object({
    urls: z.array(z.string().url()).min(1).describe('URLs that must answer 2xx.'),
    attempts: z.number().int().min(1).max(60).default(10).describe('Attempts before the health check fails.'),
    intervalSeconds: z.number().int().min(1).max(300).default(10).describe('Seconds between attempts.'),
  }).describe('Health check after a deployment and after a rollback.'),
  rollback: z.object({ steps: StepListSchema.describe('ROLLBACK steps in order.') }).describe('The ROLLBACK phase\'s steps.'),
  monitoring: z.object({
    p95Ms: z.number().positive().default(2100).describe('p95 latency threshold in milliseconds.'),
    errorRate: z.number().min(0).max(1).default(0.01).describe('Error-rate threshold as a fraction (0.01 = 1 %).'),
    windowSeconds: z.number().int().min(0).max(86400).default(1800).describe('Length of the monitoring window after ACT, in seconds.'),
    /** Automatic rollback fires at this multiple of a threshold (the seed: 150 %). */
    rollbackFactor: z.number().min(1).default(1.5).describe('Automatic rollback fires at this multiple of a threshold (the seed: 1.5 = 150 %).'),
    periodSeconds: z.number().int().min(1).default(60).describe('Alarm period in seconds (CloudWatch semantics).'),
    evaluationPeriods: z.number().int().min(1).default(3).describe('Alarm evaluation periods (CloudWatch semantics).'),
    datapointsToAlarm: z.number().int().min(1).default(2).describe('Breaching datapoints within the evaluation periods that put the alarm in ALARM.'),
    /** The endpoints the local probe samples to feed the alarms (AWS reads CloudWatch metrics instead). */
    probePaths: z.array(z.string().startsWith('/')).default(['/api/v1/health']).describe('Paths under tests.baseUrl the probe samples to feed the alarms.'),
    probeIntervalMs: z.number().int().min(50).default(1000).describe('Milliseconds between probe samples.'),
    probeConcurrency: z.number().int().min(1).max(50).default(4)
      .describe('Requests the local probe sends per round, together and spread over probePaths in turn.'),
    missingData: z.enum(['breaching', 'notBreaching']).default('breaching')
      .describe('How the rollback alarms treat a period without datapoints (CloudWatch treatMissingData): silence is not health unless the profile says so.'),
    recentDataSeconds: z.number().int().min(1).max(86400).default(600)
      .describe('PLAN refuses to start ACT when a rollback alarm\'s metric has had no datapoint within this many seconds: nothing would be watching.'),
    probeVpc: z.object({
      subnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, 'a subnet id like subnet-0123456789abcdef0')).min(1).max(16)
        .describe('Subnets the probe function runs in (private subnets that reach the endpoints).'),
      securityGroupIds: z.array(z.string().regex(/^sg-[0-9a-f]{8,17}$/, 'a security group id like sg-0123456789abcdef0')).min(1).max(5)
        .describe('Security groups of the probe function: they must allow its requests out to the endpoints.'),
    }).optional()
      .describe('On AWS with source: probe, runs the probe function inside these VPC subnets, for endpoints that are not public (optional: outside any VPC otherwise).'),
    source: z.enum(['probe', 'cloudwatch']).default('probe')
      .describe('Where the rollback alarms read from: probe (the control plane samples the endpoints itself) or cloudwatch (your own metrics, monitoring.cloudwatch).'),
    cloudwatch: z.object({
      latency: UserMetricSchema.describe('The p95 latency the latency alarm compares with rollbackFactor × p95Ms (after scale, in ms).'),
      errors: UserMetricSchema.describe('The error count of each period (e.g. HTTPCode_Target_5XX_Count or 5XXError, Sum); a period without it counts 0 errors.'),
      requests: UserMetricSchema.describe('The request count of each period (e.g. RequestCount or Count, Sum); error rate = errors / requests.'),
    }).optional()
      .describe('Your own metrics, with source: cloudwatch. The error-rate alarm is metric math: FILL(errors, 0) / requests.'),
  }).superRefine((m, ctx) => {
    if (m.source === 'cloudwatch' && !m.cloudwatch) ctx.addIssue({ code: 'custom', path: ['cloudwatch'], message: 'is required when source is cloudwatch (latency, errors, requests)' });
    if (m.source === 'probe' && m.cloudwatch) ctx.addIssue({ code: 'custom', path: ['cloudwatch'], message: 'is read only with source: cloudwatch; set source or remove it' });
  }).prefault({}).describe('The rollback alarms and the monitoring window (the seed: p95 2100 ms, error rate 1 %, 30 min, rollback at 150 %).'),
  tests: z.object({
    baseUrl: z.string().url().describe('Base URL of the service under test.'),
    auth: TestAuthSchema.optional(),
    smoke: z.array(HttpCheckSchema).default([]).describe('Smoke tests of critical paths and API endpoints.'),
    regression: z.array(HttpCheckSchema).default([])
      .describe('Regression checks, run after the smoke tests as a list of their own (start it with a login check if they need the token); the report lists them under regression_tests, and says so when none are declared.'),
    performance: z.object({
      virtualUsers: z.number().int().min(1).max(1000).default(50).describe('Concurrent virtual users of the load test.'),
      // The load test runs inside the TEST Lambda, which stops at 15 minutes.
      durationSeconds: z.number().int().min(1).max(840).default(300).describe('Load test duration in seconds (at most 840: it runs inside the TEST Lambda).'),
      p95Ms: z.number().positive().default(2100).describe('The load test fails when p95 latency is above this many milliseconds.'),
      errorRate: z.number().min(0).max(1).default(0.01).describe('The load test fails when the error rate is above this fraction.'),
      paths: z.array(z.string().startsWith('/')).min(1).default(['/api/v1/health', '/api/v1/estimates']).describe('Paths under tests.baseUrl the load test requests.'),
      thinkTimeSeconds: z.number().min(0).max(60).default(1)
        .describe('Each virtual user\'s pause after a round of its paths (the seed\'s k6 sleep(1)); 0 sends without pause. The load generator paces whole requests per second, so it is at most the number of paths.'),
      checks: z.array(LoadCheckSchema).default([])
        .describe('k6-style checks on the answers (the seed: status is 200, response time < 2100 ms); a failed check fails the request. Without one, a request fails only on status >= 400 or no answer; 3xx is not an error.'),
    }).prefault({}).superRefine((perf, ctx) => {
      if (perf.thinkTimeSeconds > perf.paths.length) {
        ctx.addIssue({ code: 'custom', path: ['thinkTimeSeconds'], message: `at most ${perf.paths.length} (one per path): the load generator paces whole requests per second` });
      }
      perf.checks.forEach((c, i) => {
        if (!perf.paths.includes(c.path)) ctx.addIssue({ code: 'custom', path: ['checks', i, 'path'], message: `not one of tests.performance.paths (${perf.paths.join(', ')})` });
      });
    }).describe('The performance regression test (the seed: 50 users, 300 s, p95 ≤ 2100 ms, errors ≤ 1 %).'),
  }).superRefine((tests, ctx) => {
    const logins = (list: HttpCheck[], key: string) => list.forEach((c, i) => {
      if (c.login && !tests.auth) ctx.addIssue({ code: 'custom', path: [key, i, 'login'], message: 'a login check needs tests.auth (the login path and the credentials\' parameter names)' });
    });
    logins(tests.smoke, 'smoke');
    logins(tests.regression, 'regression');
  }).describe('The TEST phase.'),
  notifications: z.object({
    slackWebhookSecret: z.string().optional().describe('Name of the Secrets Manager secret the stack creates for the Slack webhook URL (default: a generated name; a fixed name stays taken through the secret\'s recovery window after the stack is destroyed).'),
    file: z.string().optional().describe('A file that notifications are appended to (embedded engine).'),
  }).prefault({}).describe('Where notifications go besides the console / SNS topic.'),
  maxAttempts: z.number().int().min(1).max(10).default(3).describe('How many attempts a change may make (each rollback returns it to PLAN for another).'),
  maxLeadDays: z.number().int().min(1).max(MAX_LEAD_DAYS).default(MAX_LEAD_DAYS)
    .describe(`How far ahead timeline.planned_start may be at submission, in days (at most ${MAX_LEAD_DAYS}): the execution waits for the change window, and must not reach its own timeout while waiting.`),
  preflightRecheckAfterMinutes: z.number().int().min(0).max(MAX_LEAD_DAYS * 24 * 60).default(60)
    .describe('When more than this many minutes pass between the pre-flight checks and the change window opening (approvals, the wait), the system-health check runs again right before ACT; 0 always re-checks.'),
  onInterrupted: z.enum(['rollback', 'hold']).default('rollback')
    .describe('Embedded engine: what the next `runbook serve`/`run` does with a change whose process stopped or died after ACT began. rollback (default): runs the rollback steps before accepting new work; hold: keeps the environment locked until `runbook rollback ID`.'),
  approvers: ApproversSchema,
  callers: CallersSchema,
  freezes: FreezesSchema,
}).superRefine((profile, ctx) => {
  // On AWS the functions may read only /runbook/<name>/ (lib/profile-parameter.ts): refuse a name they could not read
  // (requiredParameters are bare names by their pattern, read under that path).
  const check = (name: string, path: (string | number)[]): void => {
    const problem = parameterNameProblem(profile.name, name);
    if (problem) ctx.addIssue({ code: 'custom', path, message: problem });
  };
  for (const [field, name] of Object.entries(profile.tests.auth?.credentials ?? {})) check(name, ['tests', 'auth', 'credentials', field]);
  // Secrets are never values: a URL with a password anywhere in the profile is refused, naming the field.
  const urls: [string, (string | number)[]][] = [
    ...profile.endpoints.map((u, i): [string, (string | number)[]] => [u, ['endpoints', i]]),
    ...profile.dependencies.map((d, i): [string, (string | number)[]] => [d.url, ['dependencies', i, 'url']]),
    ...profile.healthCheck.urls.map((u, i): [string, (string | number)[]] => [u, ['healthCheck', 'urls', i]]),
    [profile.tests.baseUrl, ['tests', 'baseUrl']],
    ...(profile.backup.database ? [[profile.backup.database, ['backup', 'database']] as [string, (string | number)[]]] : []),
    ...(['act', 'rollback'] as const).flatMap((phase) => profile[phase].steps.flatMap((st, i) =>
      Object.entries(st.parameters).map(([k, v]): [string, (string | number)[]] => [v, [phase, 'steps', i, 'parameters', k]]))),
  ];
  for (const [url, path] of urls) if (hasPasswordInUrl(url)) ctx.addIssue({ code: 'custom', path, message: PASSWORD_IN_URL_MESSAGE });
  // A step's targets must stay within the environment's (the send grant covers only the environment's instances).
  for (const phase of ['act', 'rollback'] as const) {
    profile[phase].steps.forEach((step, i) => {
      const problem = step.targets && stepTargetsProblem(profile.targets, step.targets);
      if (problem) ctx.addIssue({ code: 'custom', path: [phase, 'steps', i, 'targets'], message: problem });
    });
  }
}).describe('An environment profile: where and how changes run, with the safety settings.');
export type EnvironmentProfile = z.infer<typeof EnvironmentProfileSchema>;

/** Why a step's targets are not a narrowing of the environment's, or undefined when they are. */
export function stepTargetsProblem(environment: z.infer<typeof TargetsSchema>, step: StepTargets): string | undefined {
  if (environment.kind === 'local') return 'the environment runs on this machine (targets kind local): a step cannot narrow it';
  if (environment.kind === 'instances') {
    if (step.kind === 'tag') return 'the environment targets instance ids: narrow a step with some of those ids (kind instances), not a tag';
    const outside = step.ids.filter((id) => !environment.ids.includes(id));
    return outside.length > 0 ? `not instances of the environment: ${outside.join(', ')}` : undefined;
  }
  if (step.kind === 'tag' && step.key === environment.key) {
    const outside = step.values.filter((v) => !environment.values.includes(v));
    if (outside.length > 0) return `tag ${step.key} values outside the environment's (${environment.values.join(', ')}): ${outside.join(', ')}`;
  }
  // Instance ids under a tag environment: the send grant's tag condition and PRE-FLIGHT's agent check cover them.
  return undefined;
}

const WORD = z.string().min(1);

/**
 * A list of words that may also be written as numbered plain text, as the seed's change template writes
 * rollback_steps ("1. … 2. …" lines, which YAML reads as one string): such a string is read as its items.
 */
function itemList<T extends z.ZodType<string[]>>(array: T) {
  return z.union([
    array,
    z.string().regex(NUMBERED_TEXT, 'a list, or numbered plain text starting "1."').transform((text, ctx) => {
      const items = numberedItems(text);
      if (items) return items;
      ctx.addIssue({ code: 'custom', message: 'numbered plain text must count up 1., 2., 3., … with text after each number' });
      return z.NEVER;
    }),
  ]);
}
/** A change id: CR-YYYY-NNN. */
export const CHANGE_ID = /^CR-\d{4}-\d{3,}$/;

export const PROBABILITIES = ['very_low', 'low', 'medium', 'high', 'very_high'] as const;
export const IMPACTS = ['negligible', 'minor', 'moderate', 'major', 'severe'] as const;
/** The seed's template uses plain low/medium/high for impact; they map onto the 5-point scale. */
type Impact = (typeof IMPACTS)[number];
const IMPACT_ALIAS_WORDS = ['low', 'medium', 'high', 'critical'] as const;
const IMPACT_ALIASES: Record<string, Impact> = { low: 'minor', medium: 'moderate', high: 'major', critical: 'severe' };

export const ChangeRequestSchema = z.object({
  change_request: z.object({
    id: z.string().regex(CHANGE_ID, 'must look like CR-YYYY-NNN').describe('Change id, CR-YYYY-NNN; the same id with the same body is the same change.'),
    title: WORD.describe('Short title.'),
    type: z.enum(['maintenance', 'bugfix', 'enhancement', 'emergency']).describe('Kind of change.'),
    priority: z.enum(['low', 'medium', 'high', 'critical']).describe('Priority.'),
    environment: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/).optional().describe('The profile name this change is for (default: the served profile); must match it.'),
  }).describe('What the change is.'),
  requester: z.object({
    name: WORD.describe('Who asks for the change; they can never approve it.'),
    role: z.string().optional().describe('Their role.'),
    contact: z.string().optional().describe('How to reach them.'),
  }).describe('Who asks for the change.'),
  description: z.object({
    summary: WORD.describe('One-line summary.'),
    business_justification: z.string().optional().describe('Why, for the business.'),
    technical_details: z.string().optional().describe('What changes, technically.'),
  }).describe('What and why.'),
  scope: z.object({
    systems_affected: itemList(z.array(WORD)).default([]).describe('Systems the change touches (a list, or numbered plain text "1. … 2. …").'),
    components_modified: itemList(z.array(WORD)).default([]).describe('Components it modifies (a list, or numbered plain text).'),
    data_changes: itemList(z.array(WORD)).default([]).describe('Data it changes (migrations, models; a list, or numbered plain text).'),
  }).prefault({}).describe('What the change touches.'),
  timeline: z.object({
    planned_start: z.iso.datetime({ offset: true }).describe('Start of the change window (ISO 8601 with offset); ACT waits for it.'),
    estimated_duration: WORD.describe('Expected duration, as people write it (e.g. "2 hours").'),
    planned_completion: z.iso.datetime({ offset: true }).optional().describe('Expected end (ISO 8601 with offset).'),
    milestones: itemList(z.array(z.string())).default([]).describe('Milestones, free text (a list, or numbered plain text).'),
  }).describe('The change window.'),
  risks_and_mitigations: z.array(z.object({
    risk: WORD.describe('The risk.'),
    probability: z.enum(PROBABILITIES).describe('Probability on the 5-point scale.'),
    impact: z.enum([...IMPACTS, ...IMPACT_ALIAS_WORDS]).transform((v) => (v in IMPACT_ALIASES ? IMPACT_ALIASES[v] as Impact : v as Impact))
      .describe("Impact on the 5-point scale (the seed's low/medium/high/critical map to minor/moderate/major/severe)."),
    mitigation: z.string().optional().describe('How the risk is reduced.'),
    owner: z.string().optional().describe('Who owns the mitigation.'),
  }).describe('One risk: probability × impact on the 5×5 matrix.')).default([]).describe('Risks; the highest score sets the risk level (HIGH/CRITICAL need executive approval).'),
  rollback_plan: z.object({
    trigger_conditions: itemList(z.array(WORD).min(1)).describe('When to roll back, in words (the profile\'s alarms act on them; a list, or numbered plain text).'),
    rollback_steps: itemList(z.array(WORD).min(1))
      .describe('The rollback, in words (the profile\'s rollback steps carry it out): a list, or numbered plain text "1. … 2. …" as the seed\'s template writes it.'),
    estimated_rollback_time: z.string().optional().describe('Expected rollback time.'),
  }).describe('The rollback plan, for people.'),
  /** What this change deploys: per-step parameter values that override the profile's (validated by the documents when sent). */
  deployment: z.object({
    release: z.string().regex(/^v\d+\.\d+\.\d+(-[a-z0-9]+)?$/).optional().describe('The release this change deploys (vX.Y.Z or vX.Y.Z-tag).'),
    step_parameters: z.record(z.string(), z.record(z.string(), z.string())).default({})
      .describe('Per ACT step name, parameter values that override the profile\'s; checked against the documents at submission.'),
  }).optional().describe('What this change deploys.'),
  /** Kept as submitted for the record only: approvals are claims until made through the approvals route. */
  approval: z.record(z.string(), z.unknown()).optional().describe('Approvals written in the document: kept as claims for the record; only the approvals route approves.'),
}).describe("A change request: the seed's change_plan_template.yml.");
export type ChangeRequest = z.infer<typeof ChangeRequestSchema>;

/** Parses YAML or JSON text (JSON is YAML); a syntax error names the line. */
export function parseDocumentText(text: string, what: string): unknown {
  try {
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: yaml's parse defaults prettyErrors to true; stated for the reader
    return parseYaml(text, { prettyErrors: true });
  } catch (err) {
    throw new ValidationError(`${what}: not valid YAML or JSON: ${(err as Error).message}`, [{ path: '', message: (err as Error).message }]);
  }
}

/** What to do with keys a schema does not know: a profile refuses them; a change request keeps them and warns. */
export type UnknownKeyPolicy = 'error' | 'warn';
const unknownKeyPolicies = new WeakMap<z.ZodType, UnknownKeyPolicy>();
unknownKeyPolicies.set(EnvironmentProfileSchema, 'error');
unknownKeyPolicies.set(ChangeRequestSchema, 'warn');

export interface Validated<T> {
  value: T;
  /** Unknown keys of a lenient schema (kept in `value` as written). */
  warnings: FieldIssue[];
}

const issueLines = (issues: FieldIssue[]): string => issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ');

/** Copies each unknown key's value from the input into the parsed value, so nothing submitted is dropped. */
function keepUnknownKeys(parsed: unknown, raw: unknown, unknown: UnknownKey[]): void {
  for (const u of unknown) {
    const parent = u.path.slice(0, -1);
    const target = parent.reduce<unknown>((node, k) => (node && typeof node === 'object' ? (node as Record<string | number, unknown>)[k] : undefined), parsed);
    const source = u.path.reduce<unknown>((node, k) => (node && typeof node === 'object' ? (node as Record<string | number, unknown>)[k] : undefined), raw);
    if (target && typeof target === 'object' && !Array.isArray(target)) (target as Record<string, unknown>)[u.key] = structuredClone(source);
  }
}

/**
 * Validates against a schema and reports unknown keys by the schema's policy: errors for the profile (with the
 * nearest known key), warnings for the change request (the keys are kept). A failure is one ValidationError
 * listing every field path.
 */
export function validateWithWarnings<S extends z.ZodType>(schema: S, value: unknown, what: string): Validated<z.infer<S>> {
  const result = schema.safeParse(value);
  const policy = unknownKeyPolicies.get(schema);
  const unknown = policy ? findUnknownKeys(schema, value) : [];
  const issues = result.success ? [] : result.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  if (policy === 'error') issues.push(...unknown.map((u) => unknownKeyIssue(u)));
  // A lenient document that fails anyway: a misspelt key is the likely reason, so name the close ones.
  else if (issues.length > 0) issues.push(...unknown.filter((u) => u.suggestion).map((u) => unknownKeyIssue(u)));
  if (issues.length > 0 || !result.success) throw new ValidationError(`${what} is invalid: ${issueLines(issues)}`, issues);
  const warnings = policy === 'warn' ? unknown.map((u) => unknownKeyIssue(u, ' (kept as written, not used)')) : [];
  if (unknown.length > 0) keepUnknownKeys(result.data, value, unknown);
  return { value: result.data, warnings };
}

/** Validates against a schema (see validateWithWarnings); the warnings are dropped, the unknown keys kept. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  return validateWithWarnings(schema, value, what).value;
}

export const parseProfile = (text: string): EnvironmentProfile => validate(EnvironmentProfileSchema, parseDocumentText(text, 'profile'), 'profile');
export const parseChangeRequest = (text: string): ChangeRequest => validate(ChangeRequestSchema, parseDocumentText(text, 'change request'), 'change request');
