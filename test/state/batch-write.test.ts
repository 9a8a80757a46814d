import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { batchWrite, type WriteRequest } from '../../lambda/state/batch-write.js';

const ddb = mockClient(DynamoDBDocumentClient);
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
afterEach(() => ddb.reset());

const put = (i: number): WriteRequest => ({ PutRequest: { Item: { pk: 'p', sk: `k${i}` } } });

describe('batchWrite', () => {
  it('writes 25 items per call and builds items only one batch ahead', async () => {
    const built: number[] = [];
    const sent: number[] = [];
    ddb.on(BatchWriteCommand).callsFake((input) => {
      sent.push(input.RequestItems.t.length);
      built.push(made);
      return {};
    });
    let made = 0;
    function* requests() {
      for (let i = 0; i < 60; i++) {
        made++;
        yield put(i);
      }
    }
    await batchWrite(doc, 't', requests());
    expect(sent).toEqual([25, 25, 10]);
    expect(built).toEqual([25, 50, 60]);
  });

  it('resends what DynamoDB left unprocessed until nothing remains', async () => {
    ddb
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { t: [put(3)] } })
      .resolves({});
    await batchWrite(doc, 't', [put(1), put(2), put(3)]);
    const calls = ddb.commandCalls(BatchWriteCommand).map((c) => c.args[0].input.RequestItems?.t?.length);
    expect(calls).toEqual([3, 1]);
  });
});
