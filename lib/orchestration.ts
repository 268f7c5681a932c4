// The runbook workflow: the Standard state machine defined by statemachines/runbook.asl.json, its ARNs filled with
// the same substitution map the embedded engine applies, and the grants CDK cannot infer from an ASL file.
import { ArnFormat, Aws, Fn, RemovalPolicy, Stack, Validations, type CfnResource } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { definitionSubstitutions, PHASE_FUNCTIONS, type PhaseFunction } from '../lambdas/core/workflow';
import { STATE_MACHINE_FILE } from './paths';

export interface OrchestrationProps {
  environment: string;
  /** The function behind each `${<Phase>FunctionArn}` placeholder. */
  phaseFunctions: Record<PhaseFunction, lambda.IFunction>;
  logRetention?: logs.RetentionDays;
}

export class Orchestration extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;
  private taskResponsePolicy: iam.Policy | undefined;
  private executionPolicy: iam.Policy | undefined;
  private startPolicy: iam.Policy | undefined;

  constructor(scope: Construct, id: string, props: OrchestrationProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      // The /aws/vendedlogs/ prefix keeps Step Functions from growing the account's CloudWatch Logs resource policy.
      // The stack id's UUID makes the name unique per stack creation: the group is retained with the execution logs,
      // and a fixed name would make a redeploy under the same stack name fail ("already exists").
      logGroupName: `/aws/vendedlogs/states/runbook-${props.environment}-${Fn.select(2, Fn.split('/', Aws.STACK_ID))}`,
      retention: props.logRetention ?? logs.RetentionDays.SIX_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromFile(STATE_MACHINE_FILE),
      definitionSubstitutions: definitionSubstitutions((fn) => props.phaseFunctions[fn].functionArn),
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });
    // The definition comes from a file, so CDK sees no Task and grants nothing: invoke rights are stated here, on
    // exactly the six functions the definition names (unqualified ARNs, which is how the ASL names them).
    this.stateMachine.addToRolePolicy(new iam.PolicyStatement({
      sid: 'InvokePhaseFunctions',
      actions: ['lambda:InvokeFunction'],
      resources: PHASE_FUNCTIONS.map((fn) => props.phaseFunctions[fn].functionArn),
    }));
    Validations.of(this.stateMachine.role.node.findChild('DefaultPolicy')).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Added by CDK for logging level ALL and X-Ray tracing: logs:*LogDelivery*, logs:DescribeResourcePolicies/DescribeLogGroups and xray:PutTraceSegments/GetSamplingRules support no resource-level permissions.',
    });
  }

  /**
   * SendTaskSuccess/SendTaskFailure for the functions that complete waiting tasks. A separate policy, not the
   * functions' default ones: the state machine already depends on those functions, and a default-policy statement
   * naming the state machine would close a dependency cycle.
   */
  grantTaskResponse(role: iam.IRole): void {
    this.taskResponsePolicy ??= new iam.Policy(this, 'TaskResponsePolicy', {
      statements: [new iam.PolicyStatement({
        sid: 'CompleteWaitingTasks',
        actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
        resources: [this.stateMachine.stateMachineArn],
      })],
    });
    this.taskResponsePolicy.attachToRole(role);
  }

  /** StartExecution on this state machine only (rollback-only runs of an unfinished attempt); a separate policy, as above. */
  grantStartExecution(role: iam.IRole): void {
    this.startPolicy ??= new iam.Policy(this, 'StartExecutionPolicy', {
      statements: [new iam.PolicyStatement({ sid: 'StartRollbackRuns', actions: ['states:StartExecution'], resources: [this.stateMachine.stateMachineArn] })],
    });
    this.startPolicy.attachToRole(role);
  }

  /**
   * The api function's control of executions: start them (submissions, re-attempts) on the state machine, and
   * describe, stop (cancel) and read the history of this state machine's executions only.
   */
  grantExecutionControl(role: iam.IRole): void {
    if (!this.executionPolicy) {
      const sm = this.stateMachine;
      const executions = Stack.of(this).formatArn({
        service: 'states', resource: 'execution', resourceName: `${sm.stateMachineName}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
      this.executionPolicy = new iam.Policy(this, 'ExecutionControlPolicy', {
        statements: [
          new iam.PolicyStatement({ sid: 'StartRunbookExecutions', actions: ['states:StartExecution'], resources: [sm.stateMachineArn] }),
          new iam.PolicyStatement({
            sid: 'ControlRunbookExecutions',
            actions: ['states:DescribeExecution', 'states:StopExecution', 'states:GetExecutionHistory'],
            resources: [executions],
          }),
        ],
      });
      Validations.of(this.executionPolicy).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<${Stack.of(this).getLogicalId(sm.node.defaultChild as CfnResource)}.Name>:*]`,
        reason: 'Execution ARNs are named per change at run time (CR-YYYY-NNN-<attempt>); the pattern is limited to the executions of this one state machine.',
      });
    }
    this.executionPolicy.attachToRole(role);
  }
}
