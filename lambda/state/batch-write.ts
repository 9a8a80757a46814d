import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export type WriteRequest =
  | { PutRequest: { Item: Record<string, unknown> } }
  | { DeleteRequest: { Key: Record<string, unknown> } };

/**
 * Writes any number of items, 25 per BatchWrite, resending what DynamoDB left unprocessed
 * (with backoff) until nothing remains. Requests are taken from the iterable one batch at a time,
 * so a generator can build 100,000 items without all of them existing at once.
 */
export async function batchWrite(
  doc: DynamoDBDocumentClient,
  tableName: string,
  requests: Iterable<WriteRequest>,
): Promise<void> {
  let batch: WriteRequest[] = [];
  for (const request of requests) {
    batch.push(request);
    if (batch.length === 25) {
      await writeBatch(doc, tableName, batch);
      batch = [];
    }
  }
  if (batch.length > 0) await writeBatch(doc, tableName, batch);
}

async function writeBatch(doc: DynamoDBDocumentClient, tableName: string, batch: WriteRequest[]) {
  let pending = batch;
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt > 8) throw new Error(`${pending.length} items stayed unprocessed after ${attempt} attempts`);
    if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** attempt)));
    const out = await doc.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
    pending = (out.UnprocessedItems?.[tableName] ?? []) as WriteRequest[];
  }
}
