// The host commands: one SSM Command document per documents/*.yml (named <env>-<document>), the log group their
// full output goes to, and the rights to send them only to this environment's instances and to read the results.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { parse as parseYaml } from 'yaml';
import { DOCUMENTS_DIR, DOCUMENT_NAMES } from '../documents';
import { documentPolicyIssues, parseCommandDocument } from '../lambdas/core/documents';
import type { EnvironmentProfile } from '../lambdas/core/schemas';
import { UnscopedPolicy } from './unscoped-policy';

/** Document names carry the environment, so two environments' stacks can share an account and region. */
export const documentNamePrefix = (environment: string): string => `${environment}-`;

export interface HostCommandsProps {
  profile: EnvironmentProfile;
  logRetention?: logs.RetentionDays;
}

export class HostCommands extends Construct {
  readonly prefix: string;
  /** The deployed names, `<env>-<document>`. */
  readonly documentNames: string[];
  readonly documentArns: string[];
  readonly commandLogGroup: logs.LogGroup;
  private readonly targets: EnvironmentProfile['targets'];
  /** The command results (status-change events carry only the id). */
  private readonly resultsPolicy = new UnscopedPolicy(this, 'CommandResultsPolicy', {
    sid: 'ReadCommandResults',
    // ListCommands tells a command that reached no instance (TargetCount 0) from one not yet listed.
    actions: ['ssm:GetCommandInvocation', 'ssm:ListCommandInvocations', 'ssm:ListCommands'],
  }, 'ssm:GetCommandInvocation, ssm:ListCommandInvocations and ssm:ListCommands support no resource-level permissions (Service Authorization Reference); they only read the status and output of commands.');

  /**
   * CancelCommand for the rollback, which stops a step still running before it rolls back. It takes no resource ARN
   * (Service Authorization Reference, https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html).
   */
  private readonly cancelPolicy = new UnscopedPolicy(this, 'CancelCommandsPolicy', { sid: 'CancelRunningCommands', actions: ['ssm:CancelCommand'] },
    'ssm:CancelCommand supports no resource-level permissions (Service Authorization Reference); the rollback only cancels commands of its own change, read from the change table.');

  /**
   * PRE-FLIGHT's SSM Agent version check (lambdas/core/agent-version.ts). DescribeInstanceInformation takes no resource
   * ARN (Service Authorization Reference, https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssystemsmanager.html).
   */
  private readonly agentsPolicy = new UnscopedPolicy(this, 'AgentVersionsPolicy', { sid: 'ReadAgentVersions', actions: ['ssm:DescribeInstanceInformation'] },
    'ssm:DescribeInstanceInformation supports no resource-level permissions (Service Authorization Reference); PRE-FLIGHT reads only the SSM Agent version and ping status of the targets, filtered by their ids or tag.');

  constructor(scope: Construct, id: string, props: HostCommandsProps) {
    super(scope, id);
    const { profile } = props;
    this.targets = profile.targets;
    this.prefix = documentNamePrefix(profile.name);
    this.documentNames = DOCUMENT_NAMES.map((docName) => `${this.prefix}${docName}`);
    this.documentArns = DOCUMENT_NAMES.map((docName) => {
      const text = readFileSync(join(DOCUMENTS_DIR, `${docName}.yml`), 'utf8');
      // The project's own rules (every parameter constrained, ENV_VAR only, no {{ }} in scripts) fail the synth,
      // not the first send: a document that breaks them must never reach an account.
      const issues = documentPolicyIssues(parseCommandDocument(text));
      if (issues.length > 0) {
        throw new Error(`documents/${docName}.yml breaks the document policy: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
      }
      const name = `${this.prefix}${docName}`;
      new ssm.CfnDocument(this, docName, {
        name,
        documentType: 'Command',
        documentFormat: 'YAML',
        // Deployed as written in the file (not the schema-defaulted copy), so the agent runs what was reviewed.
        content: parseYaml(text) as unknown,
        // A named document cannot be replaced in place; a content change becomes its new default version.
        updateMethod: 'NewVersion',
      });
      return Stack.of(this).formatArn({ service: 'ssm', resource: 'document', resourceName: name });
    });
    this.commandLogGroup = new logs.LogGroup(this, 'CommandOutput', {
      // No fixed name: the group is retained with the output it holds, and a retained group with a fixed name would
      // make the next deploy under the same stack name fail (the functions get the generated name from the stack).
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /**
   * ssm:SendCommand on these documents and on the environment's instances only. SendCommand is authorized against
   * the document and each instance separately, so the tag condition sits on an instance-only statement: on the
   * document statement it would never match (documents do not carry the tag) and deny every send.
   */
  grantSend(grantee: iam.IGrantable): void {
    const principal = grantee.grantPrincipal;
    principal.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'SendRunbookDocuments', actions: ['ssm:SendCommand'], resources: this.documentArns,
    }));
    const stack = Stack.of(this);
    switch (this.targets.kind) {
      case 'tag':
        principal.addToPrincipalPolicy(new iam.PolicyStatement({
          sid: 'SendToEnvironmentInstances',
          actions: ['ssm:SendCommand'],
          resources: [
            stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' }),
            stack.formatArn({ service: 'ssm', resource: 'managed-instance', resourceName: '*' }),
          ],
          conditions: { StringEquals: { [`ssm:resourceTag/${this.targets.key}`]: this.targets.values } },
        }));
        if (Construct.isConstruct(principal)) {
          for (const resource of ['ec2:<AWS::Region>:<AWS::AccountId>:instance/*', 'ssm:<AWS::Region>:<AWS::AccountId>:managed-instance/*']) {
            Validations.of(principal).acknowledge({
              id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:${resource}]`,
              reason: `Run Command targets instances by tag; the statement's condition ssm:resourceTag/${this.targets.key} = ${this.targets.values.join('|')} limits it to this environment's instances.`,
            });
          }
        }
        break;
      case 'instances':
        principal.addToPrincipalPolicy(new iam.PolicyStatement({
          sid: 'SendToEnvironmentInstances',
          actions: ['ssm:SendCommand'],
          resources: this.targets.ids.map((id) => id.startsWith('mi-')
            ? stack.formatArn({ service: 'ssm', resource: 'managed-instance', resourceName: id })
            : stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: id })),
        }));
        break;
      case 'local':
        // A `local` profile has no AWS hosts: the documents may be sent nowhere.
        break;
    }
  }

  /** CancelCommand for the rollback (see cancelPolicy). */
  grantCancel(grantee: iam.IGrantable & { role?: iam.IRole }): void {
    const role = grantee.role;
    if (!role) throw new Error('grantCancel needs a grantee with a role');
    this.cancelPolicy.attachTo(role);
  }

  /** The targets' SSM Agent versions (see agentsPolicy). */
  grantAgentVersions(grantee: iam.IGrantable & { role?: iam.IRole }): void {
    const role = grantee.role;
    if (!role) throw new Error('grantAgentVersions needs a grantee with a role');
    this.agentsPolicy.attachTo(role);
  }

  /** The command results (see resultsPolicy). */
  grantResults(grantee: iam.IGrantable & { role?: iam.IRole }): void {
    const role = grantee.role;
    if (!role) throw new Error('grantResults needs a grantee with a role');
    this.resultsPolicy.attachTo(role);
  }
}
