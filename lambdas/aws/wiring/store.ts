// The change store on DynamoDB, for the entries that wire it (every function keeps its records there).
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoChangeStore } from '../../adapters/dynamodb/change-store';
import type { AwsBase } from '../deps';

export function changeStore(client: DynamoDBClient, base: AwsBase): DynamoChangeStore {
  return new DynamoChangeStore(client, base.env.TABLE_NAME, { now: () => base.clock.now() });
}
