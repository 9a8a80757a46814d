import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Evaluator, evaluateRoom } from '../../lambda/audit/evaluate.js';
import { type FindingRecord, reconcile } from '../../lambda/audit/lifecycle.js';
import { buildReport } from '../../lambda/audit/report.js';
import { AuditorError } from '../../lambda/core/errors.js';
import type { Finding, RegionInventory, RoomDocument } from '../../lambda/core/types.js';
import { evaluateRooms } from '../../lambda/inventory/room-evaluation.js';
import { loadPolicyDir } from '../../lambda/policy/load-dir.js';
import { batchWrite } from '../../lambda/state/batch-write.js';
import { storedFinding } from '../../lambda/state/record.js';
import { StateTable } from '../../lambda/state/table.js';
import { AccountStateStore, TargetStateStore } from '../../lambda/state/target-store.js';
import { type LocalDynamo, startLocalDynamo } from '../../local-aws/dynamodb.js';
import { ACCOUNT, compliantRoom, inventoryOf } from '../fixtures.js';
import { countingClient } from './counting-client.js';
import { wholeState } from './whole-state.js';

const T1 = '2026-11-25T12:00:00.000Z';
const NOW = '2026-11-26T00:00:00.000Z';
const policies = loadPolicyDir().policies;
let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  await dynamo.close();
});

/** A room breaking three starter policies (length, review handler, tags). */
function badRoom(id: string, region = 'us-east-1'): RoomDocument {
  return compliantRoom(
    {
      maximumMessageLength: 500,
      messageReviewHandler: {
        uri: `arn:aws:lambda:${region}:${ACCOUNT}:function:r`,
        fallbackResult: 'ALLOW',
      },
      tags: {},
    },
    id,
    region,
  );
}

function findings(region = 'us-east-1'): Finding[] {
  return evaluateRoom(badRoom('AbCdEf123456', region), policies, { now: NOW }).findings;
}

function openRecord(finding: Finding, at = NOW): FindingRecord {
  return { fingerprint: finding.fingerprint, status: 'open', firstSeen: at, lastSeen: at, finding };
}

const inventory = (region: string, rooms: RoomDocument[]): RegionInventory => inventoryOf(rooms, { region });

/** Reconciles one run of `inventories` against `previous`, as the pipeline does. */
function audit(inventories: RegionInventory[], previous: Map<string, FindingRecord>, now: string) {
  for (const inv of inventories) evaluateRooms(inv, inv.rooms, { evaluator: new Evaluator(policies), now });
  const report = buildReport({ startedAt: now, finishedAt: now, inventories, policies });
  return reconcile(report, inventories, previous, { now, renotifyAfterHours: 24 });
}

async function partition(table: string, pk: string) {
  const out = await dynamo.client.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: pk } },
    }),
  );
  return out.Items ?? [];
}

/**
 * Writes `records` as the previous version's DynamoStateStore did: one partition per account, every
 * region in it. Frozen here on purpose: tables written by that version look like this for good.
 */
async function writeLegacyState(table: string, records: readonly FindingRecord[], now: string) {
  const ttl = Math.floor(Date.parse(now) / 1000) + 30 * 86_400;
  const doc = DynamoDBDocumentClient.from(dynamo.client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  await batchWrite(
    doc,
    table,
    records.map((record) => ({
      PutRequest: {
        Item: {
          pk: `FINDING#${ACCOUNT}`,
          sk: record.fingerprint,
          ...record,
          finding: storedFinding(record.finding),
          ...(record.status === 'resolved' ? { expiresAt: ttl } : {}),
        },
      },
    })),
  );
}

const legacyRooms = {
  'us-east-1': [badRoom('UsEast000001'), badRoom('UsEast000002')],
  'eu-west-1': [badRoom('EuWest000001', 'eu-west-1')],
};

/** A table as the previous version left it after one audit of both regions at T1. */
async function upgradedTable(name: string) {
  const table = await dynamo.createStateTable(name);
  const first = audit(
    Object.entries(legacyRooms).map(([region, rooms]) => inventory(region, rooms)),
    new Map(),
    T1,
  );
  expect(first.newFindings).toHaveLength(9);
  await writeLegacyState(table, first.changes, T1);
  return table;
}

describe('TargetStateStore', () => {
  it('reads back what it wrote under its account and region, without the remediation', async () => {
    const table = await dynamo.createStateTable('round-trip');
    const store = new TargetStateStore(dynamo.client, table, ACCOUNT, 'us-east-1');
    const [open, resolved, exempt] = findings();
    if (!open || !resolved || !exempt) throw new Error('the fixture room must break three policies');
    const records: FindingRecord[] = [
      { ...openRecord(open), lastNotified: NOW },
      {
        ...openRecord({ ...resolved, status: 'resolved', resolvedReason: 'room deleted' }),
        status: 'resolved',
      },
      {
        ...openRecord({
          ...exempt,
          status: 'exempt',
          exemption: { reason: 'load test', expires: '2027-01-01', expired: false },
        }),
        status: 'exempt',
      },
    ];
    await store.save(records, NOW);

    const loaded = await wholeState(store);
    expect([...loaded.keys()].sort()).toEqual(records.map((r) => r.fingerprint).sort());
    for (const record of records) {
      expect(loaded.get(record.fingerprint)).toEqual({
        ...record,
        // Written once (version 1) by a writer that gave no observation time.
        version: 1,
        observedAt: '',
        finding: { ...record.finding, remediationTemplate: '' },
      });
    }
    const raw = await partition(table, `FINDING#${ACCOUNT}#us-east-1`);
    expect(raw).toHaveLength(3);
    for (const item of raw) expect(item.finding?.M).not.toHaveProperty('remediationTemplate');
    const ttl = Date.parse(NOW) / 1000 + 30 * 86_400;
    expect(raw.map((item) => item.expiresAt?.N).filter(Boolean)).toEqual([String(ttl)]);
  });

  it('keeps a finding whose offending value is an object or missing', async () => {
    const table = await dynamo.createStateTable('values');
    const store = new TargetStateStore(dynamo.client, table, ACCOUNT, 'us-east-1');
    const all = findings();
    await store.save(
      all.map((finding) => openRecord(finding)),
      NOW,
    );
    const loaded = await wholeState(store);
    for (const finding of all) {
      expect(loaded.get(finding.fingerprint)?.finding.actual).toEqual(finding.actual);
      expect(loaded.get(finding.fingerprint)?.finding.message).toBe(finding.message);
    }
  });

  it('does not see the findings of another region of the same account', async () => {
    const table = await dynamo.createStateTable('regions-apart');
    await new TargetStateStore(dynamo.client, table, ACCOUNT, 'eu-west-1').save(
      findings('eu-west-1').map((f) => openRecord(f)),
      NOW,
    );
    expect((await new TargetStateStore(dynamo.client, table, ACCOUNT, 'us-east-1').load()).size).toBe(0);
    expect((await new TargetStateStore(dynamo.client, table, ACCOUNT, 'eu-west-1').load()).size).toBe(3);
  });

  it('keeps the sinks a finding is owed to, lists those findings as pending, and forgets them once delivered', async () => {
    const table = await dynamo.createStateTable('pending-sinks');
    const store = new TargetStateStore(dynamo.client, table, ACCOUNT, 'us-east-1');
    const [owed, delivered] = findings();
    if (!owed || !delivered) throw new Error('the fixture room must break two policies');
    await store.save([{ ...openRecord(owed), pendingSinks: ['securityhub'] }, openRecord(delivered)], NOW);

    expect((await store.load()).get(owed.fingerprint)?.pendingSinks).toEqual(['securityhub']);
    expect((await store.pending()).map((r) => r.fingerprint)).toEqual([owed.fingerprint]);

    await store.save([openRecord(owed)], NOW);
    expect(await store.pending()).toEqual([]);
    expect((await store.load()).get(owed.fingerprint)).not.toHaveProperty('pendingSinks');
  });

  it('names the table when DynamoDB refuses a read or a write', async () => {
    const store = new TargetStateStore(dynamo.client, 'no-such-table', ACCOUNT, 'us-east-1');
    await expect(store.load()).rejects.toThrow(/^cannot read state table no-such-table: /);
    await expect(store.load()).rejects.toBeInstanceOf(AuditorError);
    await expect(store.save([openRecord(findings()[0] as Finding)], NOW)).rejects.toThrow(
      /^cannot write state table no-such-table: /,
    );
  });
});

const RULES = { owedTo: () => ['sns'], onConflict: () => undefined };

describe('TargetStateStore: the stores of a run ask once per account about legacy items', () => {
  it('claims in 3 regions of an account without legacy items with one Query, not one per region', async () => {
    const table = await dynamo.createStateTable('legacy-none');
    const { client, sent } = countingClient(dynamo.endpoint);
    const storeOf = new StateTable(client, table).targetStates();
    const regions = ['us-east-1', 'eu-west-1', 'ap-south-1'];

    for (const region of regions) {
      const changes = findings(region).map((f) => openRecord(f));
      await storeOf({ accountId: ACCOUNT, region }).shared.claim(changes, NOW, RULES);
    }

    const claims = regions.length * findings().length;
    expect(sent).toEqual({ PutItem: claims, Query: 1 });
    for (const region of regions) {
      expect(await partition(table, `FINDING#${ACCOUNT}#${region}`)).toHaveLength(findings().length);
    }
    client.destroy();
  });

  it('still moves each region of an account that has legacy items, on claim', async () => {
    const table = await upgradedTable('legacy-shared');
    const storeOf = new StateTable(dynamo.client, table).targetStates();
    const east = storeOf({ accountId: ACCOUNT, region: 'us-east-1' });
    const west = storeOf({ accountId: ACCOUNT, region: 'eu-west-1' });
    const before = { east: await wholeState(east), west: await wholeState(west) };

    await east.shared.claim([], NOW, RULES);
    expect(await partition(table, `FINDING#${ACCOUNT}`)).toHaveLength(3);
    await west.shared.claim([], NOW, RULES);

    expect(await partition(table, `FINDING#${ACCOUNT}`)).toEqual([]);
    expect(await partition(table, `FINDING#${ACCOUNT}#us-east-1`)).toHaveLength(6);
    expect(await partition(table, `FINDING#${ACCOUNT}#eu-west-1`)).toHaveLength(3);
    expect({ east: await wholeState(east), west: await wholeState(west) }).toEqual(before);
  });
});

describe('TargetStateStore: migration from one partition per account', () => {
  it('raises no new findings on the first run after the upgrade', async () => {
    const table = await upgradedTable('upgrade-quiet');
    const store = new TargetStateStore(dynamo.client, table, ACCOUNT, 'us-east-1');

    const previous = await wholeState(store);
    expect(previous.size).toBe(6);
    const run = audit([inventory('us-east-1', legacyRooms['us-east-1'])], previous, NOW);

    expect(run.newFindings).toEqual([]);
    expect(run.resolvedFindings).toEqual([]);
    expect(run.report.findings.every((f) => f.status === 'open' && f.firstSeen === T1)).toBe(true);
  });

  it('moves the region to the new key on save, unchanged records too, and leaves other regions alone', async () => {
    const table = await upgradedTable('upgrade-move');
    const store = new TargetStateStore(dynamo.client, table, ACCOUNT, 'us-east-1');
    const before = await wholeState(store);
    const run = audit([inventory('us-east-1', legacyRooms['us-east-1'])], before, NOW);
    expect(run.changes).toEqual([]); // nothing changed: the migration alone must carry the records over

    await store.save(run.changes, NOW);

    const legacy = await partition(table, `FINDING#${ACCOUNT}`);
    expect(legacy).toHaveLength(3);
    expect(legacy.every((item) => item.finding?.M?.region?.S === 'eu-west-1')).toBe(true);
    expect(await partition(table, `FINDING#${ACCOUNT}#us-east-1`)).toHaveLength(6);
    expect(await wholeState(store)).toEqual(before);
    expect(
      audit([inventory('us-east-1', legacyRooms['us-east-1'])], await wholeState(store), NOW).newFindings,
    ).toEqual([]);
  });

  it('migrates on a save without an earlier load (the engine records in another invocation)', async () => {
    const table = await upgradedTable('upgrade-save-only');
    const before = await wholeState(new TargetStateStore(dynamo.client, table, ACCOUNT, 'eu-west-1'));

    await new TargetStateStore(dynamo.client, table, ACCOUNT, 'eu-west-1').save([], NOW);

    expect(await partition(table, `FINDING#${ACCOUNT}`)).toHaveLength(6);
    expect(await partition(table, `FINDING#${ACCOUNT}#eu-west-1`)).toHaveLength(3);
    expect(await wholeState(new TargetStateStore(dynamo.client, table, ACCOUNT, 'eu-west-1'))).toEqual(
      before,
    );
  });

  it('prefers a record under the new key to its legacy copy, on load and on save', async () => {
    const table = await dynamo.createStateTable('upgrade-newer-wins');
    const [finding] = findings();
    if (!finding) throw new Error('the fixture room must break a policy');
    const resolved: FindingRecord = {
      ...openRecord({ ...finding, status: 'resolved' }),
      status: 'resolved',
    };
    const store = new TargetStateStore(dynamo.client, table, ACCOUNT, 'us-east-1');
    // An interrupted migration: the record was copied and has changed since, its legacy item remains.
    await store.save([resolved], NOW);
    await writeLegacyState(table, [openRecord(finding, T1)], T1);

    expect((await store.load()).get(finding.fingerprint)?.status).toBe('resolved');
    await store.save([], NOW);
    expect((await store.load()).get(finding.fingerprint)?.status).toBe('resolved');
    expect(await partition(table, `FINDING#${ACCOUNT}`)).toEqual([]);
  });

  it('migrates a region spanning several query pages, deleting as it goes', async () => {
    const table = await dynamo.createStateTable('upgrade-pages');
    const [finding] = findings();
    if (!finding) throw new Error('the fixture room must break a policy');
    // ~4 KB each: 600 records fill three 1 MB query pages.
    const actual = 'x'.repeat(4_000);
    const records = Array.from({ length: 600 }, (_, i) =>
      openRecord({ ...finding, actual, fingerprint: `fp-${String(i).padStart(5, '0')}` }, T1),
    );
    await writeLegacyState(table, records, T1);
    expect((await partition(table, `FINDING#${ACCOUNT}`)).length).toBeLessThan(300); // one page of several
    const store = new TargetStateStore(dynamo.client, table, ACCOUNT, 'us-east-1');

    await store.save([], NOW);

    expect(await partition(table, `FINDING#${ACCOUNT}`)).toEqual([]);
    expect((await store.load()).size).toBe(600);
  });

  it('keeps the TTL of a migrated resolved record', async () => {
    const table = await dynamo.createStateTable('upgrade-ttl');
    const [finding] = findings();
    if (!finding) throw new Error('the fixture room must break a policy');
    await writeLegacyState(
      table,
      [{ ...openRecord({ ...finding, status: 'resolved' }, T1), status: 'resolved' }],
      T1,
    );
    const [legacyItem] = await partition(table, `FINDING#${ACCOUNT}`);

    await new TargetStateStore(dynamo.client, table, ACCOUNT, 'us-east-1').save([], NOW);

    const [moved] = await partition(table, `FINDING#${ACCOUNT}#us-east-1`);
    expect(moved?.expiresAt).toEqual(legacyItem?.expiresAt);
    expect(moved?.expiresAt?.N).toBe(String(Date.parse(T1) / 1000 + 30 * 86_400));
  });
});

describe('AccountStateStore', () => {
  it('loads every region of the account, legacy items included, and saves each record under its region', async () => {
    const table = await upgradedTable('account-store');
    const store = new AccountStateStore(dynamo.client, table, ACCOUNT, ['us-east-1', 'eu-west-1'], 30);
    const previous = await wholeState(store);
    expect(previous.size).toBe(9);
    const fixed = { ...legacyRooms['eu-west-1'][0], maximumMessageLength: 200 } as RoomDocument;
    const run = audit(
      [inventory('us-east-1', legacyRooms['us-east-1']), inventory('eu-west-1', [fixed])],
      previous,
      NOW,
    );
    expect(run.newFindings).toEqual([]);
    expect(run.resolvedFindings.map((f) => f.region)).toEqual(['eu-west-1']);

    await store.save(run.changes, NOW);

    expect(await partition(table, `FINDING#${ACCOUNT}`)).toEqual([]);
    expect(await partition(table, `FINDING#${ACCOUNT}#us-east-1`)).toHaveLength(6);
    const eu = await new TargetStateStore(dynamo.client, table, ACCOUNT, 'eu-west-1').load();
    expect([...eu.values()].map((r) => r.status).sort()).toEqual(['open', 'open', 'resolved']);
  });

  it('refuses a record of a region outside its list and writes nothing', async () => {
    const table = await dynamo.createStateTable('account-unknown-region');
    const store = new AccountStateStore(dynamo.client, table, ACCOUNT, ['us-east-1'], 30);
    const records = [...findings('us-east-1'), ...findings('ap-south-1')].map((f) => openRecord(f));

    const saving = store.save(records, NOW);

    await expect(saving).rejects.toBeInstanceOf(AuditorError);
    await expect(saving).rejects.toThrow(/region "ap-south-1", not one of .*us-east-1/);
    expect(await partition(table, `FINDING#${ACCOUNT}#us-east-1`)).toEqual([]);
  });
});
