// Substituted for `@smithy/core/event-streams` in every bundle (see lib/bundling.ts). The SDK's HttpProtocol loads it
// with a dynamic import only for an operation whose input or output is an event stream (loadEventStreamCapability);
// no command the functions send has one (DynamoDB, SSM, CloudWatch, Step Functions, SNS, Secrets Manager, Scheduler
// requests and answers are plain documents), so the ~15 KB codec never runs. Reaching it is a bug, and it says so
// where the import is awaited.
throw new Error('an AWS SDK event stream was requested, but the Lambda bundles leave @smithy/core/event-streams out (lib/bundling.ts): no command the functions send streams events');
