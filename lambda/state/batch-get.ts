/**
 * Reads items by key, 100 per BatchGetItem (DynamoDB's limit), asking again for what DynamoDB left
 * unprocessed (with backoff) until nothing remains. The state's payload read after reconcile
 * (lambda/state/target-store.ts `fetch`) is its one user.
 */
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ItemKey } from './keys.js';

type Item = Record<string, unknown>;

/** Every item found, in no particular order (a key with no item is left out). Strongly consistent. */
export async function batchGet(
  doc: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly ItemKey[],
): Promise<Item[]> {
  const items: Item[] = [];
  for (let i = 0; i < keys.length; i += 100) {
    items.push(...(await getBatch(doc, tableName, keys.slice(i, i + 100))));
  }
  return items;
}

async function getBatch(doc: DynamoDBDocumentClient, tableName: string, batch: readonly ItemKey[]) {
  const items: Item[] = [];
  let pending: readonly Item[] = batch.map(({ pk, sk }) => ({ pk, sk }));
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt > 8) throw new Error(`${pending.length} keys stayed unprocessed after ${attempt} attempts`);
    if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** attempt)));
    const out = await doc.send(
      new BatchGetCommand({
        RequestItems: { [tableName]: { Keys: [...pending], ConsistentRead: true } },
      }),
    );
    items.push(...(out.Responses?.[tableName] ?? []));
    pending = out.UnprocessedKeys?.[tableName]?.Keys ?? [];
  }
  return items;
}
