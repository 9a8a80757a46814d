/**
 * A DynamoDB client of a local table that counts the commands it sends, by name (`Query`,
 * `BatchWriteItem`, …): for tests that pin how many round trips a store makes.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export function countingClient(endpoint: string) {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const sent: Record<string, number> = {};
  client.middlewareStack.add(
    (next, context) => (args) => {
      const name = String(context.commandName).replace(/Command$/, '');
      sent[name] = (sent[name] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'testCount' },
  );
  return { client, sent };
}
