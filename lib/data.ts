// The change records: one DynamoDB table whose keys, index and TTL attribute come from the adapter's own layout
// module, so the table CDK deploys is the table the DynamoDB adapter (and dynalite locally) expects.
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { GSI1_NAME, GSI1_PARTITION_KEY, GSI1_SORT_KEY, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE } from '../lambdas/adapters/dynamodb/table';

/**
 * What the change store calls (lambdas/adapters/dynamodb/change-store.ts): single-item conditional writes, Query,
 * BatchGetItem. No Scan, no BatchWriteItem, no transactions, no table administration.
 */
export const RECORD_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
] as const;

export class ChangeTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      sortKey: { name: SORT_KEY, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TTL_ATTRIBUTE,
      // The table is the audit trail of every change: a stack deletion must not take it along.
      removalPolicy: RemovalPolicy.RETAIN,
      deletionProtection: true,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: GSI1_NAME,
      partitionKey: { name: GSI1_PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      sortKey: { name: GSI1_SORT_KEY, type: dynamodb.AttributeType.STRING },
      // The listing returns whole records (see createTableInput).
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }

  /** Read/write on the table and its one index, named exactly (no `index/*`). */
  grantRecords(grantee: iam.IGrantable): void {
    const indexArn = `${this.table.tableArn}/index/${GSI1_NAME}`;
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ChangeRecords',
      actions: [...RECORD_ACTIONS],
      resources: [this.table.tableArn, indexArn],
    }));
  }
}
