// The validated environment profile as JSON in Parameter Store (/runbook/<env>/profile): the handlers read the
// profile from there, so the deployed functions and the synthesized stack agree on one copy of it.
import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { EnvironmentProfile } from '../lambdas/core/schemas';

/** Standard parameters hold 4 KB, advanced ones 8 KB (and cost money), so the tier follows the size. */
export const STANDARD_TIER_MAX_BYTES = 4096;
export const ADVANCED_TIER_MAX_BYTES = 8192;

export const parameterPath = (environment: string): string => `/runbook/${environment}`;

export function parameterTierFor(json: string): ssm.ParameterTier {
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > ADVANCED_TIER_MAX_BYTES) throw new Error(`profile JSON is ${bytes} bytes; Parameter Store holds at most ${ADVANCED_TIER_MAX_BYTES}`);
  return bytes > STANDARD_TIER_MAX_BYTES ? ssm.ParameterTier.ADVANCED : ssm.ParameterTier.STANDARD;
}

export interface ProfileParameterProps {
  profile: EnvironmentProfile;
}

export class ProfileParameter extends Construct {
  readonly parameter: ssm.StringParameter;
  readonly parameterName: string;
  /** Everything under /runbook/<env>/: the profile and the values of the profile's required parameters. */
  readonly pathArn: string;
  private readonly environment: string;

  constructor(scope: Construct, id: string, props: ProfileParameterProps) {
    super(scope, id);
    this.environment = props.profile.name;
    const json = JSON.stringify(props.profile);
    const path = parameterPath(props.profile.name);
    this.parameterName = `${path}/profile`;
    this.parameter = new ssm.StringParameter(this, 'Parameter', {
      parameterName: this.parameterName,
      description: `Runbook environment profile ${props.profile.name} (validated JSON)`,
      stringValue: json,
      tier: parameterTierFor(json),
    });
    this.pathArn = Stack.of(this).formatArn({ service: 'ssm', resource: 'parameter', resourceName: `${path.slice(1)}/*` });
  }

  /** The profile itself: every function reads it (the notifier's footer, the api's submissions). */
  grantReadProfile(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadProfile', actions: ['ssm:GetParameter'], resources: [this.parameter.parameterArn],
    }));
  }

  /**
   * PRE-FLIGHT's required-parameter check (GetParameters by name): everything under /runbook/<env>/, plus the
   * profile's requiredParameters by exact name, since profiles name them as they are (DATABASE_URL, not a path).
   */
  grantRequiredParameters(grantee: iam.IGrantable, names: readonly string[]): void {
    const stack = Stack.of(this);
    // Names under the environment's own path are covered by its wildcard already.
    const exact = [...new Set(names)].filter((name) => !name.startsWith(`${parameterPath(this.environment)}/`)).map((name) => stack.formatArn({
      service: 'ssm', resource: 'parameter', resourceName: name.startsWith('/') ? name.slice(1) : name,
    }));
    const principal = grantee.grantPrincipal;
    principal.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadRequiredParameters', actions: ['ssm:GetParameters'], resources: [this.pathArn, ...exact],
    }));
    if (Construct.isConstruct(principal)) {
      Validations.of(principal).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter${parameterPath(this.environment)}/*]`,
        reason: `The environment's own parameter path ${parameterPath(this.environment)}/: operators add required parameters there after the deploy, so their names are not known at synth time; read-only.`,
      });
    }
  }
}
