// The one queue that keeps events the control plane failed to handle (EventBridge deliveries and asynchronous
// Lambda invocations that ran out of retries), so a lost alarm or command-status event can be found and replayed.
import { Duration, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export class DeadLetters extends Construct {
  readonly queue: sqs.Queue;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // SQS's longest: an operator has two weeks to look at a failed event.
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.queue).acknowledge({
      id: 'Serverless-SQSRedrivePolicy',
      reason: 'This queue is itself the dead-letter queue of the EventBridge targets and the asynchronous Lambda invocations; a DLQ behind it would only move the same messages again.',
    });
  }
}
