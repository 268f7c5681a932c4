// Lambda entry of the TEST phase function (smoke tests, load test): the handler module the embedded engine calls, with the AWS adapters.
import { HttpLoadTester } from '../adapters/http/load-tester';
import { handle } from '../handlers/test';
import { awsRuntime, lambdaHandler } from './deps';
import { parseEnv } from './env';

export const handler = lambdaHandler(handle, awsRuntime(parseEnv('test'), { tester: new HttpLoadTester() }));
