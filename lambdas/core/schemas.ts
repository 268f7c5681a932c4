// Input schemas: the environment profile and the change request (the seed's change_plan_template.yml).
// Both accept YAML or JSON; every error names the field path. Defaults are the seed's KIS_CORE_V3 values.
import { z } from 'zod';
import { parse as parseYaml } from 'yaml';
import { ValidationError } from './errors';
import { FreezesSchema } from './freeze';
import { ApproversSchema, CallersSchema } from './identity';

/** A host command: one of the project's SSM documents with its parameters (validated by the document's allowedPattern when sent). */
export const CommandStepSchema = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case words joined by hyphens'),
  document: z.string().regex(/^runbook-[A-Za-z0-9]+$/, 'a project document name like runbook-ServiceControl'),
  parameters: z.record(z.string(), z.string()).default({}),
  timeoutSeconds: z.number().int().min(5).max(7200).default(600),
});
export type CommandStep = z.infer<typeof CommandStepSchema>;

/** A phase's steps: names are unique, since overrides and command records refer to steps by name. */
const StepListSchema = z.array(CommandStepSchema).min(1).superRefine((steps, ctx) => {
  const seen = new Set<string>();
  steps.forEach((step, i) => {
    if (seen.has(step.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate step name ${step.name}` });
    seen.add(step.name);
  });
});

const TargetsSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('local') }),
  z.object({ kind: z.literal('tag'), key: z.string().min(1), values: z.array(z.string().min(1)).min(1) }),
  z.object({ kind: z.literal('instances'), ids: z.array(z.string().regex(/^(i|mi)-[0-9a-f]{8,17}$/)).min(1) }),
]);

const HttpCheckSchema = z.object({
  name: z.string().min(1),
  method: z.enum(['GET', 'POST', 'PUT', 'DELETE', 'HEAD']).default('GET'),
  path: z.string().startsWith('/'),
  body: z.unknown().optional(),
  expectedStatus: z.number().int().min(100).max(599).default(200),
  /** Smoke tests come in suites (critical paths, API endpoints); the report groups them. */
  suite: z.enum(['critical-path', 'api-endpoint', 'database', 'external', 'performance-baseline']).default('api-endpoint'),
});
export type HttpCheck = z.infer<typeof HttpCheckSchema>;

export const EnvironmentProfileSchema = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lower-case letters, digits and hyphens'),
  description: z.string().optional(),
  system: z.string().default('KIS_CORE_V3'),
  targets: TargetsSchema,
  /** How services are managed on the hosts: systemd on real hosts, pid files for the local demo. */
  serviceManager: z.enum(['systemd', 'pidfile']).default('systemd'),
  services: z.array(z.string().regex(/^[a-z0-9][a-z0-9._-]*$/)).min(1),
  thresholds: z.object({
    cpuPercent: z.number().min(1).max(100).default(80),
    memoryPercent: z.number().min(1).max(100).default(85),
    diskPercent: z.number().min(1).max(100).default(90),
  }).prefault({}),
  /** Reached during pre-flight connectivity checks (http(s)://, tcp://, postgresql://, redis://). */
  endpoints: z.array(z.string().regex(/^(https?|tcp|postgresql|redis):\/\/[A-Za-z0-9.:/_-]+$/)).default([]),
  dependencies: z.array(z.object({
    name: z.string().min(1),
    kind: z.enum(['postgres', 'redis', 'http', 'tcp']),
    url: z.string().regex(/^(https?|tcp|postgresql|redis):\/\/[A-Za-z0-9.:/_@-]+$/),
    required: z.boolean().default(true),
  })).default([]),
  /** Names only: values live in Parameter Store / Secrets Manager (or the local parameter file). */
  requiredParameters: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_/.-]*$/)).default([]),
  backup: z.object({
    directory: z.string().regex(/^[A-Za-z0-9._/-]+$/).default('/backups'),
    database: z.string().regex(/^postgresql:\/\/[A-Za-z0-9.:/_@-]+$/).optional(),
    configFiles: z.array(z.string().regex(/^[A-Za-z0-9._/-]+$/)).default([]),
    stateSnapshot: z.boolean().default(true),
  }).prefault({}),
  act: z.object({ steps: StepListSchema }),
  healthCheck: z.object({
    urls: z.array(z.string().url()).min(1),
    attempts: z.number().int().min(1).max(60).default(10),
    intervalSeconds: z.number().int().min(1).max(300).default(10),
  }),
  rollback: z.object({ steps: StepListSchema }),
  monitoring: z.object({
    p95Ms: z.number().positive().default(2100),
    errorRate: z.number().min(0).max(1).default(0.01),
    windowSeconds: z.number().int().min(0).max(86400).default(1800),
    /** Automatic rollback fires at this multiple of a threshold (the seed: 150 %). */
    rollbackFactor: z.number().min(1).default(1.5),
    periodSeconds: z.number().int().min(1).default(60),
    evaluationPeriods: z.number().int().min(1).default(3),
    datapointsToAlarm: z.number().int().min(1).default(2),
    /** The endpoints the local probe samples to feed the alarms (AWS reads CloudWatch metrics instead). */
    probePaths: z.array(z.string().startsWith('/')).default(['/api/v1/health']),
    probeIntervalMs: z.number().int().min(50).default(1000),
  }).prefault({}),
  tests: z.object({
    baseUrl: z.string().url(),
    smoke: z.array(HttpCheckSchema).default([]),
    performance: z.object({
      virtualUsers: z.number().int().min(1).max(1000).default(50),
      // The load test runs inside the TEST Lambda, which stops at 15 minutes.
      durationSeconds: z.number().int().min(1).max(840).default(300),
      p95Ms: z.number().positive().default(2100),
      errorRate: z.number().min(0).max(1).default(0.01),
      paths: z.array(z.string().startsWith('/')).default(['/api/v1/health', '/api/v1/estimates']),
    }).prefault({}),
  }),
  notifications: z.object({
    slackWebhookSecret: z.string().optional(),
    file: z.string().optional(),
  }).prefault({}),
  maxAttempts: z.number().int().min(1).max(10).default(3),
  approvers: ApproversSchema,
  callers: CallersSchema,
  freezes: FreezesSchema,
});
export type EnvironmentProfile = z.infer<typeof EnvironmentProfileSchema>;

const WORD = z.string().min(1);
/** A change id: CR-YYYY-NNN. */
export const CHANGE_ID = /^CR-\d{4}-\d{3,}$/;

export const PROBABILITIES = ['very_low', 'low', 'medium', 'high', 'very_high'] as const;
export const IMPACTS = ['negligible', 'minor', 'moderate', 'major', 'severe'] as const;
/** The seed's template uses plain low/medium/high for impact; they map onto the 5-point scale. */
const IMPACT_ALIASES: Record<string, (typeof IMPACTS)[number]> = { low: 'minor', medium: 'moderate', high: 'major', critical: 'severe' };

export const ChangeRequestSchema = z.object({
  change_request: z.object({
    id: z.string().regex(CHANGE_ID, 'must look like CR-YYYY-NNN'),
    title: WORD,
    type: z.enum(['maintenance', 'bugfix', 'enhancement', 'emergency']),
    priority: z.enum(['low', 'medium', 'high', 'critical']),
    environment: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/).optional(),
  }),
  requester: z.object({ name: WORD, role: z.string().optional(), contact: z.string().optional() }),
  description: z.object({
    summary: WORD,
    business_justification: z.string().optional(),
    technical_details: z.string().optional(),
  }),
  scope: z.object({
    systems_affected: z.array(WORD).default([]),
    components_modified: z.array(WORD).default([]),
    data_changes: z.array(WORD).default([]),
  }).prefault({}),
  timeline: z.object({
    planned_start: z.iso.datetime({ offset: true }),
    estimated_duration: WORD,
    planned_completion: z.iso.datetime({ offset: true }).optional(),
    milestones: z.array(z.string()).default([]),
  }),
  risks_and_mitigations: z.array(z.object({
    risk: WORD,
    probability: z.enum(PROBABILITIES),
    impact: z.preprocess((v) => (typeof v === 'string' && v in IMPACT_ALIASES ? IMPACT_ALIASES[v] : v), z.enum(IMPACTS)),
    mitigation: z.string().optional(),
    owner: z.string().optional(),
  })).default([]),
  rollback_plan: z.object({
    trigger_conditions: z.array(WORD).min(1),
    rollback_steps: z.array(WORD).min(1),
    estimated_rollback_time: z.string().optional(),
  }),
  /** What this change deploys: per-step parameter values that override the profile's (validated by the documents when sent). */
  deployment: z.object({
    release: z.string().regex(/^v\d+\.\d+\.\d+(-[a-z0-9]+)?$/).optional(),
    step_parameters: z.record(z.string(), z.record(z.string(), z.string())).default({}),
  }).optional(),
  /** Kept as submitted for the record only: approvals are claims until made through the approvals route. */
  approval: z.record(z.string(), z.unknown()).optional(),
});
export type ChangeRequest = z.infer<typeof ChangeRequestSchema>;

/** Parses YAML or JSON text (JSON is YAML); a syntax error names the line. */
export function parseDocumentText(text: string, what: string): unknown {
  try {
    return parseYaml(text, { prettyErrors: true });
  } catch (err) {
    throw new ValidationError(`${what}: not valid YAML or JSON: ${(err as Error).message}`, [{ path: '', message: (err as Error).message }]);
  }
}

/** Validates against a schema; a failure becomes one ValidationError listing every field path. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  const lines = issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ');
  throw new ValidationError(`${what} is invalid: ${lines}`, issues);
}

export const parseProfile = (text: string): EnvironmentProfile => validate(EnvironmentProfileSchema, parseDocumentText(text, 'profile'), 'profile');
export const parseChangeRequest = (text: string): ChangeRequest => validate(ChangeRequestSchema, parseDocumentText(text, 'change request'), 'change request');
