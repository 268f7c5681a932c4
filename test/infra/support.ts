// Shared set-up for the infrastructure tests: the app synthesized without bundling (the functions' entries are not
// built) and without the built-in CloudFormation validation, so a template test costs seconds, not a full synth.
import { Stack, type App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { createRunbookApp, type RunbookAppOptions } from '../../lib/app';
import type { FunctionWithLogGroup } from '../../lib/function-with-log-group';
import type { RunbookStack } from '../../lib/runbook-stack';

/** Skips esbuild for every stack: template tests look at properties, `cdk synth` builds the bundles. */
export const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] as string[] };

export interface Synthesized {
  app: App;
  stack: RunbookStack;
  template: Template;
}

export function synthRunbook(options: RunbookAppOptions & { context?: Record<string, unknown> } = {}): Synthesized {
  const { context, ...rest } = options;
  const { app, stack } = createRunbookApp({
    nag: false,
    builtinCloudFormationValidation: false,
    stackTraces: false,
    ...rest,
    context: { ...NO_BUNDLING, ...context },
  });
  return { app, stack, template: Template.fromStack(stack) };
}

export function logicalIdOf(fn: FunctionWithLogGroup): string {
  return Stack.of(fn).getLogicalId(fn.node.defaultChild as CfnFunction);
}

export type Json = Record<string, unknown>;
export interface Statement { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown; Condition?: Json; Principal?: unknown }

export const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Every policy statement of the template, with where it sits (identity policies, key, topic and queue policies). */
export function allStatements(template: Template): { resource: string; type: string; statement: Statement }[] {
  const out: { resource: string; type: string; statement: Statement }[] = [];
  for (const [id, res] of Object.entries(template.toJSON().Resources as Record<string, { Type: string; Properties?: Json }>)) {
    const p = res.Properties ?? {};
    const docs: unknown[] = [];
    if (res.Type === 'AWS::IAM::Policy' || res.Type === 'AWS::IAM::ManagedPolicy') docs.push(p.PolicyDocument);
    if (res.Type === 'AWS::IAM::Role') {
      docs.push(p.AssumeRolePolicyDocument);
      for (const inline of asArray(p.Policies as { PolicyDocument: unknown }[] | undefined)) docs.push(inline.PolicyDocument);
    }
    if (res.Type === 'AWS::KMS::Key') docs.push(p.KeyPolicy);
    if (['AWS::SNS::TopicPolicy', 'AWS::SQS::QueuePolicy'].includes(res.Type)) docs.push(p.PolicyDocument);
    for (const doc of docs) {
      for (const statement of asArray((doc as { Statement?: Statement[] } | undefined)?.Statement)) out.push({ resource: id, type: res.Type, statement });
    }
  }
  return out;
}

/** The identity-policy statements attached to one role (its default policy and any shared policy naming it). */
export function roleStatements(template: Template, roleLogicalId: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy') as Record<string, { Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: Statement[] } } }>;
  return Object.values(policies)
    .filter((p) => p.Properties.Roles.some((r) => r.Ref === roleLogicalId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

export const actionsOf = (s: Statement): string[] => asArray(s.Action);
