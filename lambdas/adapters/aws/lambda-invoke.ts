// The active probe's first invocation, sent by PLAN so the rollback alarms have data at once rather than at the
// schedule's first minute. Invoke https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html (InvocationType Event:
// queued, answered 202). Its own module so that only the plan function bundles the Lambda client.
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { FirstInvocation } from './scheduler-active-probe';
import { callAws } from './errors';

export function asyncInvoker(client: LambdaClient, functionArn: string): FirstInvocation {
  return async (input: string) => {
    await callAws('Lambda Invoke', () => client.send(new InvokeCommand({
      FunctionName: functionArn,
      InvocationType: 'Event',
      Payload: new TextEncoder().encode(input),
    })));
  };
}
