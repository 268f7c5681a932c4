// A policy for IAM actions that take no resource ARN (Resource "*"): one per construct, created when the first role
// needs it, acknowledged once for cdk-nag with its reason, and attached to every role that makes those calls.
import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

export class UnscopedPolicy {
  private policy: iam.Policy | undefined;

  constructor(
    private readonly scope: Construct,
    private readonly id: string,
    private readonly statement: { sid: string; actions: string[] },
    /** Why Resource "*" is right here (cdk-nag AwsSolutions-IAM5). */
    private readonly reason: string,
  ) {}

  attachTo(role: iam.IRole): void {
    if (!this.policy) {
      this.policy = new iam.Policy(this.scope, this.id, {
        statements: [new iam.PolicyStatement({ sid: this.statement.sid, actions: this.statement.actions, resources: ['*'] })],
      });
      Validations.of(this.policy).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: this.reason });
    }
    this.policy.attachToRole(role);
  }
}
