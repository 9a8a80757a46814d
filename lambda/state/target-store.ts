import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateQuery, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { AuditorError } from '../core/errors.js';
import type { FindingRecord } from '../core/lifecycle.js';
import { batchWrite } from './batch-write.js';
import { RecordReader, storedFinding } from './record.js';
import type { StateStore } from './store.js';
import { reading, writing } from './table-errors.js';

type Item = Record<string, unknown>;

/**
 * Finding lifecycle of one account × region: one item per finding, `pk = FINDING#<account>#<region>`,
 * `sk = <fingerprint>`. One partition per target lets the targets of an org-scale run be audited and
 * recorded independently (and in parallel) without reading each other's findings.
 *
 * Resolved findings get `expiresAt` (epoch seconds) so the table's TTL removes them after
 * `retainResolvedDays`.
 *
 * Migration: earlier versions kept every region of an account under `pk = FINDING#<account>`.
 * `load()` reads this region's records from there too (a record under the new key wins), so the first
 * run after an upgrade raises no new findings; `save()` copies them to the new key and then deletes
 * them from the old one. `save()` does not depend on an earlier `load()` of the same instance: the
 * org-scale engine reconciles in one Lambda invocation and records in another.
 */
export class TargetStateStore implements StateStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
    private readonly accountId: string,
    private readonly region: string,
    private readonly retainResolvedDays = 30,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  private get pk(): string {
    return `FINDING#${this.accountId}#${this.region}`;
  }

  private get legacyPk(): string {
    return `FINDING#${this.accountId}`;
  }

  async load(): Promise<Map<string, FindingRecord>> {
    const records = new Map<string, FindingRecord>();
    const reader = new RecordReader();
    await reading(this.tableName, async () => {
      for await (const item of this.items(this.pk)) {
        const record = reader.read(item);
        records.set(record.fingerprint, record);
      }
      for await (const item of this.legacyItems()) {
        const record = reader.read(item);
        if (!records.has(record.fingerprint)) records.set(record.fingerprint, record);
      }
    });
    return records;
  }

  /** Records some sink still lacks; the filter keeps the rest off the wire (they are still read). */
  async pending(): Promise<FindingRecord[]> {
    const reader = new RecordReader();
    const records: FindingRecord[] = [];
    await reading(this.tableName, async () => {
      const items = this.items(this.pk, { FilterExpression: 'attribute_exists(pendingSinks)' });
      for await (const item of items) records.push(reader.read(item));
    });
    return records;
  }

  async save(changes: readonly FindingRecord[], now: string): Promise<void> {
    const ttl = Math.floor(Date.parse(now) / 1000) + this.retainResolvedDays * 86_400;
    const pk = this.pk;
    // Items are built batch by batch as they are written (a first audit saves 100,000+ records).
    function* requests() {
      for (const record of changes) {
        const Item = {
          pk,
          sk: record.fingerprint,
          ...record,
          finding: storedFinding(record.finding),
          ...(record.status === 'resolved' ? { expiresAt: ttl } : {}),
        };
        yield { PutRequest: { Item } };
      }
    }
    await writing(this.tableName, () => batchWrite(this.doc, this.tableName, requests()));
    await this.migrate(changes);
  }

  /**
   * Moves this region's legacy items to the new key, a page at a time. A legacy item is copied as it
   * is (its TTL included) unless this save or an earlier one already wrote that fingerprint under the
   * new key, which is newer. Each page is deleted only after its copies are written, so an interrupted
   * migration loses nothing and the next save finishes it.
   */
  private async migrate(changes: readonly FindingRecord[]): Promise<void> {
    // Built only when there is something to migrate: after the upgrade, nearly every save has nothing.
    let newer: Set<string> | undefined;
    let page: Item[] = [];
    const flush = async () => {
      if (page.length === 0) return;
      newer ??= await reading(this.tableName, async () => {
        const keys = await this.keys(this.pk);
        for (const record of changes) keys.add(record.fingerprint);
        return keys;
      });
      const skip = newer;
      const copies = page
        .filter((item) => !skip.has(String(item.sk)))
        .map((item) => ({ PutRequest: { Item: { ...item, pk: this.pk } } }));
      const deletions = page.map((item) => ({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } }));
      await writing(this.tableName, async () => {
        await batchWrite(this.doc, this.tableName, copies);
        await batchWrite(this.doc, this.tableName, deletions);
      });
      page = [];
    };
    const legacy = this.legacyItems();
    for (;;) {
      const next = await reading(this.tableName, () => legacy.next());
      if (next.done) break;
      page.push(next.value);
      if (page.length === 100) await flush();
    }
    await flush();
  }

  /** Every item of a partition, page by page. */
  private async *items(pk: string, extra: Partial<QueryCommandInput> = {}): AsyncGenerator<Item> {
    const pages = paginateQuery(
      { client: this.doc },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ...extra,
        ExpressionAttributeValues: { ':pk': pk, ...extra.ExpressionAttributeValues },
      },
    );
    for await (const page of pages) yield* page.Items ?? [];
  }

  /** This region's items in the pre-region partition; the filter keeps other regions' items off the wire. */
  private legacyItems(): AsyncGenerator<Item> {
    return this.items(this.legacyPk, {
      FilterExpression: '#finding.#region = :region',
      ExpressionAttributeNames: { '#finding': 'finding', '#region': 'region' },
      ExpressionAttributeValues: { ':region': this.region },
    });
  }

  private async keys(pk: string): Promise<Set<string>> {
    const keys = new Set<string>();
    // Strongly consistent: an interrupted save retried at once must see the copies it already made.
    const items = this.items(pk, { ProjectionExpression: 'sk', ConsistentRead: true });
    for await (const item of items) keys.add(String(item.sk));
    return keys;
  }
}

/**
 * The findings of one account across the regions of a run: one TargetStateStore per region, so the
 * single-account scheduled run and the per-target engine share one key layout (and one migration).
 */
export class AccountStateStore implements StateStore {
  private readonly stores: Map<string, TargetStateStore>;

  constructor(
    client: DynamoDBClient,
    tableName: string,
    private readonly accountId: string,
    regions: readonly string[],
    retainResolvedDays = 30,
  ) {
    this.stores = new Map(
      regions.map((region) => [
        region,
        new TargetStateStore(client, tableName, accountId, region, retainResolvedDays),
      ]),
    );
  }

  async load(): Promise<Map<string, FindingRecord>> {
    const merged = new Map<string, FindingRecord>();
    for (const store of this.stores.values()) {
      for (const [fingerprint, record] of await store.load()) merged.set(fingerprint, record);
    }
    return merged;
  }

  async pending(): Promise<FindingRecord[]> {
    const all: FindingRecord[] = [];
    for (const store of this.stores.values()) all.push(...(await store.pending()));
    return all;
  }

  /**
   * Routes each record to its region's store. A record of a region outside the list is refused before
   * anything is written: dropping it would lose a state change, and writing it elsewhere would hide it.
   * Every region is saved, with or without changes, so each one's legacy items are migrated.
   */
  async save(changes: readonly FindingRecord[], now: string): Promise<void> {
    const byRegion = new Map<string, FindingRecord[]>([...this.stores.keys()].map((r) => [r, []]));
    for (const record of changes) {
      const bucket = byRegion.get(record.finding.region);
      if (!bucket) {
        throw new AuditorError(
          `finding ${record.fingerprint} is in region "${record.finding.region}", not one of this audit's regions of account ${this.accountId} (${[...this.stores.keys()].join(', ')})`,
        );
      }
      bucket.push(record);
    }
    for (const [region, store] of this.stores) await store.save(byRegion.get(region) ?? [], now);
  }
}
