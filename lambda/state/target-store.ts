import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { FindingRecord, StoredState } from '../audit/lifecycle.js';
import { appendAll } from '../core/append.js';
import { AuditorError } from '../core/errors.js';
import type { Target } from '../core/types.js';
import { eachConcurrently } from './concurrently.js';
import { expiresAfterDays, findingKeys, TTL_ATTRIBUTE } from './keys.js';
import { PartitionedStore } from './partitioned-store.js';
import { RecordReader, STATE_PROJECTION, stateRow, storedFinding } from './record.js';
import {
  type Claimed,
  type ClaimRules,
  claimedVersion,
  owedMark,
  type SettlementOf,
  type SharedWrites,
  type StateStore,
} from './store.js';
import { type StoredStates, StoredStatesBuilder } from './stored-states.js';
import { type Item, type PartitionQuery, TableClient } from './table-client.js';
import { conditionFailed } from './table-errors.js';

/** Conditional writes in flight per store: ~6 ms each, so 100,000 claims take ~20 s, not 10 minutes. */
export const WRITE_CONCURRENCY = 32;
/** A finding whose stored record moves this many times while one writer claims it fails the write. */
const MAX_CLAIM_ATTEMPTS = 8;

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
 *
 * Concurrent writers (`shared`). The scheduled run (whose org-scale aggregate step writes what was
 * read hours earlier) and the change path record the same findings. Each record carries a `version`
 * (bumped by every write) and `observedAt` (when its pass started reading rooms), and every write of
 * theirs is a conditional PutItem: it lands only while the record is still at the version the writer
 * decided against and was not observed after the writer's own observation. A writer that loses is
 * handed the record as stored now and decides again (lifecycle `redecide`): a newer observation
 * wins and the older one's change, and its alert, are dropped; otherwise the transition is re-judged
 * from the stored status, so a transition is announced by exactly one writer.
 *
 * The order (lambda/pipeline/deliver.ts): claim every change before anything is sent, transitions marked owed
 * to every sink (`pendingSinks`, `owedFor`); deliver only what was claimed; settle (clear what each
 * sink took, only while `owedFor` is still this claim's). A crash between claim and settle leaves the
 * transitions owed, and the next run sends them (at-least-once); no sink taking the alert puts the
 * replaced items back. Cost: a first audit writes each new finding twice (claim, settle) with single-item
 * requests, WRITE_CONCURRENCY at a time, instead of once in batches of 25 one after another.
 *
 * BatchWriteItem takes no condition, so it stays for `save` (a store with one writer: tests, tools)
 * and the legacy migration only. A record written before versions (no `version`) is claimed with
 * `attribute_not_exists(version)`, as a new one is, and counts as observed before anything else.
 */
export class TargetStateStore implements StateStore {
  private readonly table: TableClient;
  private readonly target: Target;
  private readonly pk: string;

  /**
   * `legacy`: shared by the stores of one run or change batch, it asks once per account whether any
   * legacy items are left, so a store whose account has none skips its own look for them.
   */
  constructor(
    client: DynamoDBClient,
    tableName: string,
    accountId: string,
    private readonly region: string,
    private readonly retainResolvedDays = 30,
    private readonly legacy?: LegacyAccounts,
  ) {
    this.table = new TableClient(client, tableName);
    this.target = { accountId, region };
    this.pk = findingKeys.pk(this.target);
  }

  /** Only what reconcile reads of each record (STATE_PROJECTION): payloads are fetched by key after. */
  async load(): Promise<StoredStates> {
    const builder = new StoredStatesBuilder();
    await this.loadInto(builder);
    return builder.build();
  }

  /** Adds this region's records to `builder` (a record under the new key wins over a legacy one). */
  async loadInto(builder: StoredStatesBuilder): Promise<void> {
    const projection = { projection: STATE_PROJECTION.expression, projectionNames: STATE_PROJECTION.names };
    await this.table.reading(async () => {
      for await (const item of this.items(projection)) builder.add(stateRow(item));
      // The builder may hold other regions' rows too: a fingerprint is its room's, in one region.
      for await (const item of this.legacyItems(projection)) {
        const row = stateRow(item);
        if (!builder.has(row.fingerprint)) builder.add(row);
      }
    });
  }

  /**
   * The whole records by key (BatchGetItem, strongly consistent); one not migrated yet is read from
   * the legacy partition, where `load` found it.
   */
  async fetch(states: readonly StoredState[]): Promise<Map<string, FindingRecord>> {
    const records = new Map<string, FindingRecord>();
    if (states.length === 0) return records;
    const reader = new RecordReader();
    const fingerprints = states.map((s) => s.fingerprint);
    await this.table.reading(async () => {
      const keys = fingerprints.map((sk) => findingKeys.item(this.target, sk));
      for (const item of await this.table.batchGet(keys)) {
        const record = reader.read(item);
        records.set(record.fingerprint, record);
      }
      const legacyPk = findingKeys.legacyPk(this.target.accountId);
      const missing = fingerprints.filter((sk) => !records.has(sk)).map((sk) => ({ pk: legacyPk, sk }));
      for (const item of await this.table.batchGet(missing)) {
        const record = reader.read(item);
        if (record.finding.region === this.region) records.set(record.fingerprint, record);
      }
    });
    return records;
  }

  /** Records some sink still lacks; the filter keeps the rest off the wire (they are still read). */
  async pending(): Promise<FindingRecord[]> {
    const reader = new RecordReader();
    const records: FindingRecord[] = [];
    await this.table.reading(async () => {
      const items = this.items({ filter: { expression: 'attribute_exists(pendingSinks)' } });
      for await (const item of items) records.push(reader.read(item));
    });
    return records;
  }

  async save(changes: readonly FindingRecord[], now: string): Promise<void> {
    const ttl = this.ttl(now);
    const item = (record: FindingRecord) => this.item(record, ttl, { version: (record.version ?? 0) + 1 });
    // Items are built batch by batch as they are written (a first audit saves 100,000+ records).
    function* requests() {
      for (const record of changes) yield { PutRequest: { Item: item(record) } };
    }
    await this.table.writing(() => this.table.batchWrite(requests()));
    await this.migrate(changes);
  }

  readonly shared: SharedWrites = {
    claim: (changes, now, rules) => this.claim(changes, now, rules),
    settle: (claimed, settlement) => this.settle(claimed, settlement),
    release: (claimed) => this.release(claimed),
  };

  private ttl(now: string): number {
    return expiresAfterDays(Date.parse(now), this.retainResolvedDays);
  }

  private item(record: FindingRecord, ttl: number, written: Partial<FindingRecord>): Item {
    return {
      pk: this.pk,
      sk: record.fingerprint,
      ...record,
      ...written,
      finding: storedFinding(record.finding),
      ...(record.status === 'resolved' ? { [TTL_ATTRIBUTE]: ttl } : {}),
    };
  }

  /**
   * Each change, or what `onConflict` decides instead, written conditionally with its owed mark
   * (`put`). What a change was replaced by (or that it was dropped) is kept only for the few that met
   * a conflict, and the replaced items only where one was stored.
   */
  private async claim(changes: readonly FindingRecord[], now: string, rules: ClaimRules): Promise<Claimed> {
    const ttl = this.ttl(now);
    const instead = new Map<string, FindingRecord | undefined>();
    const replaced = new Map<string, Item>();
    await this.table.writing(() =>
      eachConcurrently(changes, WRITE_CONCURRENCY, async (change) => {
        let next: FindingRecord | undefined = change;
        for (let attempt = 1; next; attempt++) {
          if (attempt > MAX_CLAIM_ATTEMPTS) {
            throw new AuditorError(
              `finding ${change.fingerprint} changed ${MAX_CLAIM_ATTEMPTS} times while it was being recorded; the step is retried`,
            );
          }
          if (await this.put(next, ttl, rules, replaced)) break;
          next = rules.onConflict(next, await this.get(next.fingerprint));
        }
        if (next !== change) instead.set(change.fingerprint, next);
      }),
    );
    const records = instead.size === 0 ? changes : writtenInstead(changes, instead);
    await this.migrate(records);
    return { records, replaced, owed: (record) => owedMark(record, rules) };
  }

  /**
   * One conditional put; false when the stored record moved on (the caller decides again). The item
   * it replaced (if any) is kept in `replaced`, unless the claim is a reminder that owes nobody
   * (`ClaimRules.reminds`): its release needs no copy.
   */
  private async put(
    record: FindingRecord,
    ttl: number,
    rules: ClaimRules,
    replaced: Map<string, Item>,
  ): Promise<boolean> {
    const basis = record.version ?? 0;
    const version = claimedVersion(record);
    const owed = owedMark(record, rules);
    const keep = owed !== undefined || !rules.reminds?.(record);
    const written = {
      version,
      pendingSinks: owed?.pendingSinks as string[] | undefined,
      owedFor: owed?.owedFor,
    };
    const newer = record.observedAt
      ? ' AND (attribute_not_exists(#observedAt) OR #observedAt <= :observedAt)'
      : '';
    try {
      const out = await this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
          Item: this.item(record, ttl, written),
          ConditionExpression: `${basis === 0 ? 'attribute_not_exists(#version)' : '#version = :basis'}${newer}`,
          ExpressionAttributeNames: {
            '#version': 'version',
            ...(newer ? { '#observedAt': 'observedAt' } : {}),
          },
          ...(basis === 0 && !newer
            ? {}
            : {
                ExpressionAttributeValues: {
                  ...(basis === 0 ? {} : { ':basis': basis }),
                  ...(newer ? { ':observedAt': record.observedAt } : {}),
                },
              }),
          ReturnValues: keep ? 'ALL_OLD' : 'NONE',
        }),
      );
      if (out.Attributes) replaced.set(record.fingerprint, out.Attributes);
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw error;
    }
  }

  private async get(fingerprint: string): Promise<FindingRecord | undefined> {
    const item = await this.table.get(findingKeys.item(this.target, fingerprint));
    return item ? new RecordReader().read(item) : undefined;
  }

  /**
   * After delivery: what is still owed, only where the owed delivery is still this one (`owedFor`);
   * a writer that claimed a newer transition since owns that delivery. A quiet update by another
   * writer keeps `owedFor`, so it does not stop this. Each record's settlement is asked as it is
   * written, WRITE_CONCURRENCY at a time.
   */
  private async settle(claimed: Claimed, settlement: SettlementOf): Promise<void> {
    await this.table.writing(() =>
      eachConcurrently(claimed.records, WRITE_CONCURRENCY, async (record) => {
        const mark = claimed.owed(record);
        const settled = settlement(record, mark);
        if (!settled) return;
        const { lacking, untold } = settled;
        const owed = mark !== undefined;
        const sets = ['#version = #version + :one'];
        const removes: string[] = [];
        if (owed && lacking.length > 0) sets.push('pendingSinks = :lacking');
        else if (owed) removes.push('pendingSinks', 'owedFor');
        if (untold) removes.push('lastNotified');
        try {
          await this.table.doc.send(
            new UpdateCommand({
              TableName: this.table.name,
              Key: findingKeys.item(this.target, record.fingerprint),
              UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
              ConditionExpression: owed ? 'owedFor = :claim' : '#version = :claim',
              ExpressionAttributeNames: { '#version': 'version' },
              ExpressionAttributeValues: {
                ':one': 1,
                ':claim': mark ? mark.owedFor : claimedVersion(record),
                ...(owed && lacking.length > 0 ? { ':lacking': lacking } : {}),
              },
            }),
          );
        } catch (error) {
          if (!conditionFailed(error)) throw error;
        }
      }),
    );
  }

  /**
   * Puts back what each claim replaced, deletes what it created, and forgets the telling of a
   * reminder (no copy was kept: `put`), unless another writer wrote since.
   */
  private async release({ records, replaced }: Claimed): Promise<void> {
    await this.table.writing(() =>
      eachConcurrently(records, WRITE_CONCURRENCY, async (record) => {
        const condition = {
          ConditionExpression: '#version = :claimed',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':claimed': claimedVersion(record) },
        };
        const old = replaced.get(record.fingerprint);
        try {
          // Exactly as it was, version included: a writer that read it before the claim decided
          // against what is stored again, and one that read the claim finds the version moved.
          if (old) {
            await this.table.doc.send(
              new PutCommand({ TableName: this.table.name, Item: old, ...condition }),
            );
          } else if ((record.version ?? 0) > 0) {
            // A stored record claimed without a copy: a reminder. Without `lastNotified` it is due
            // again; the observation the claim wrote (lastSeen, the finding) stays, being true.
            const Key = findingKeys.item(this.target, record.fingerprint);
            await this.table.doc.send(
              new UpdateCommand({
                TableName: this.table.name,
                Key,
                UpdateExpression: 'REMOVE lastNotified',
                ...condition,
              }),
            );
          } else {
            const Key = findingKeys.item(this.target, record.fingerprint);
            await this.table.doc.send(new DeleteCommand({ TableName: this.table.name, Key, ...condition }));
          }
        } catch (error) {
          if (!conditionFailed(error)) throw error;
        }
      }),
    );
  }

  /**
   * Moves this region's legacy items to the new key, a page at a time. A legacy item is copied as it
   * is (its TTL included) unless this save or an earlier one already wrote that fingerprint under the
   * new key, which is newer. Each page is deleted only after its copies are written, so an interrupted
   * migration loses nothing and the next save finishes it.
   */
  private async migrate(changes: readonly FindingRecord[]): Promise<void> {
    if (this.legacy && !(await this.legacy.has(this.target.accountId))) return;
    // Built only when there is something to migrate: after the upgrade, nearly every save has nothing.
    let newer: Set<string> | undefined;
    let page: Item[] = [];
    const flush = async () => {
      if (page.length === 0) return;
      newer ??= await this.table.reading(async () => {
        const keys = await this.keys();
        for (const record of changes) keys.add(record.fingerprint);
        return keys;
      });
      const skip = newer;
      const copies = page
        .filter((item) => !skip.has(String(item.sk)))
        .map((item) => ({ PutRequest: { Item: { ...item, pk: this.pk } } }));
      const deletions = page.map((item) => ({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } }));
      await this.table.writing(async () => {
        await this.table.batchWrite(copies);
        await this.table.batchWrite(deletions);
      });
      page = [];
    };
    const legacy = this.legacyItems();
    for (;;) {
      const next = await this.table.reading(() => legacy.next());
      if (next.done) break;
      page.push(next.value);
      if (page.length === 100) await flush();
    }
    await flush();
  }

  /** Every item of this target's partition, page by page. */
  private items(query: Omit<PartitionQuery, 'pk'> = {}): AsyncGenerator<Item> {
    return this.table.query({ pk: this.pk, ...query });
  }

  /** This region's items in the pre-region partition; the filter keeps other regions' items off the wire. */
  private legacyItems(
    query: Pick<PartitionQuery, 'projection' | 'projectionNames'> = {},
  ): AsyncGenerator<Item> {
    return this.table.query({
      ...query,
      pk: findingKeys.legacyPk(this.target.accountId),
      filter: {
        expression: '#finding.#region = :region',
        names: { '#finding': 'finding', '#region': 'region' },
        values: { ':region': this.region },
      },
    });
  }

  private async keys(): Promise<Set<string>> {
    const keys = new Set<string>();
    // Strongly consistent: an interrupted save retried at once must see the copies it already made.
    for await (const item of this.items({ projection: 'sk', consistent: true })) keys.add(String(item.sk));
    return keys;
  }
}

/**
 * Whether each account still keeps findings under the pre-region key (`FINDING#<account>`), asked
 * with one Query of one item per account however many of its regions' stores write: a run over
 * 1,000 targets of 200 accounts asks 200 times, not 1,000 (one look per target for its region's
 * legacy items). Nothing writes that key any more (only `migrate` deletes from it), so an account
 * found without legacy items stays so for the life of this object; one found with them has each
 * region's store migrate as before. One per run or change batch: a store built without one looks.
 */
export class LegacyAccounts {
  private readonly table: TableClient;
  private readonly answers = new Map<string, Promise<boolean>>();

  constructor(client: DynamoDBClient, tableName: string) {
    this.table = new TableClient(client, tableName);
  }

  has(accountId: string): Promise<boolean> {
    let answer = this.answers.get(accountId);
    if (!answer) {
      answer = this.ask(accountId);
      this.answers.set(accountId, answer);
      // A read that failed is asked again by the next store rather than remembered.
      answer.catch(() => this.answers.delete(accountId));
    }
    return answer;
  }

  private ask(accountId: string): Promise<boolean> {
    return this.table.reading(async () => {
      const pk = findingKeys.legacyPk(accountId);
      for await (const _ of this.table.query({ pk, projection: 'pk', pageSize: 1 })) {
        return true;
      }
      return false;
    });
  }
}

/** The changes as written: each one, or what was written instead (none where it was dropped). */
function writtenInstead(
  changes: readonly FindingRecord[],
  instead: ReadonlyMap<string, FindingRecord | undefined>,
): FindingRecord[] {
  const records: FindingRecord[] = [];
  for (const change of changes) {
    const record = instead.has(change.fingerprint) ? instead.get(change.fingerprint) : change;
    if (record) records.push(record);
  }
  return records;
}

/**
 * The findings of one account across the regions of a run: one TargetStateStore per region, so the
 * single-account scheduled run and the per-target engine share one key layout (and one migration).
 */
export class AccountStateStore implements StateStore {
  private readonly stores: Map<string, TargetStateStore>;
  private readonly partitions: PartitionedStore;
  /** As `save`, by region: every region claims (with or without changes) so each one's legacy items move. */
  readonly shared: SharedWrites;

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
    this.partitions = new PartitionedStore((record) => this.storeOf(record), [...this.stores.values()]);
    this.shared = this.partitions.shared;
  }

  async load(): Promise<StoredStates> {
    const builder = new StoredStatesBuilder();
    for (const store of this.stores.values()) await store.loadInto(builder);
    return builder.build();
  }

  /** Each region's records from its own store. */
  async fetch(states: readonly StoredState[]): Promise<Map<string, FindingRecord>> {
    const merged = new Map<string, FindingRecord>();
    for (const [region, store] of this.stores) {
      const mine = states.filter((s) => s.finding.region === region);
      for (const [fingerprint, record] of await store.fetch(mine)) merged.set(fingerprint, record);
    }
    return merged;
  }

  async pending(): Promise<FindingRecord[]> {
    const all: FindingRecord[] = [];
    for (const store of this.stores.values()) appendAll(all, await store.pending());
    return all;
  }

  private storeOf(record: StoredState): TargetStateStore {
    const store = this.stores.get(record.finding.region);
    if (!store) {
      throw new AuditorError(
        `finding ${record.fingerprint} is in region "${record.finding.region}", not one of this audit's regions of account ${this.accountId} (${[...this.stores.keys()].join(', ')})`,
      );
    }
    return store;
  }

  /**
   * Routes each record to its region's store. A record of a region outside the list is refused before
   * anything is written: dropping it would lose a state change, and writing it elsewhere would hide it.
   * Every region is saved, with or without changes, so each one's legacy items are migrated.
   */
  save(changes: readonly FindingRecord[], now: string): Promise<void> {
    return this.partitions.save(changes, now);
  }
}
