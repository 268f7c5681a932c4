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
  private readonly kmsKeyArn: string | undefined;

  constructor(scope: Construct, id: string, props: ProfileParameterProps) {
    super(scope, id);
    this.environment = props.profile.name;
    this.kmsKeyArn = props.profile.parameterKmsKeyArn;
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
   * PRE-FLIGHT's required-parameter check and TEST's login credentials (GetParameters by name): exactly the
   * environment's path /runbook/<env>/*, where the SSM adapter reads every name the profile gives
   * (lambdas/core/parameter-names.ts). SecureString values under the aws/ssm key need no KMS grant (that key lets
   * every principal of the account decrypt through SSM); under the profile's customer key, kms:Decrypt is granted
   * only through SSM and only for parameters of this path (the encryption context SSM sets is PARAMETER_ARN:
   * https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-setting-up.html#ps-kms-permissions).
   */
  grantRequiredParameters(grantee: iam.IGrantable): void {
    const principal = grantee.grantPrincipal;
    principal.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadRequiredParameters', actions: ['ssm:GetParameters'], resources: [this.pathArn],
    }));
    if (this.kmsKeyArn !== undefined) {
      principal.addToPrincipalPolicy(new iam.PolicyStatement({
        sid: 'DecryptRequiredParameters',
        actions: ['kms:Decrypt'],
        resources: [this.kmsKeyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': `ssm.${Stack.of(this).region}.amazonaws.com` },
          StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': this.pathArn },
        },
      }));
    }
    if (Construct.isConstruct(principal)) {
      Validations.of(principal).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter${parameterPath(this.environment)}/*]`,
        reason: `The environment's own parameter path ${parameterPath(this.environment)}/: operators add required parameters there after the deploy, so their names are not known at synth time; read-only.`,
      });
    }
  }
}
