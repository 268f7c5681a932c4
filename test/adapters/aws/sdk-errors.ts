// Service errors shaped as the SDK deserializes them, for the error codes that have no exported class
// (CloudWatch's query-protocol "Throttling") or where a test wants the name alone to matter.
export function sdkError(name: string, fault: 'client' | 'server' = 'client', message = `${name} raised by the test`): Error {
  return Object.assign(new Error(message), { name, $fault: fault, $metadata: { httpStatusCode: fault === 'server' ? 500 : 400 } });
}
