import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateRoom } from '../../lambda/core/evaluate.js';
import type { FindingRecord } from '../../lambda/core/lifecycle.js';
import type { Finding } from '../../lambda/core/types.js';
import { loadPolicyDir } from '../../lambda/policy/load-dir.js';
import { DynamoStateStore } from '../../lambda/state/dynamo-store.js';
import { type LocalDynamo, startLocalDynamo } from '../../local-aws/dynamodb.js';
import { ACCOUNT, compliantRoom } from '../fixtures.js';

const NOW = '2026-11-26T00:00:00.000Z';
let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  await dynamo.close();
});

function findings(): Finding[] {
  const room = compliantRoom({
    maximumMessageLength: 500,
    messageReviewHandler: {
      uri: 'arn:aws:lambda:us-east-1:123456789012:function:r',
      fallbackResult: 'ALLOW',
    },
    tags: {},
  });
  return evaluateRoom(room, loadPolicyDir().policies, { now: NOW }).findings;
}

describe('DynamoStateStore', () => {
  it('reads back what it wrote, without the remediation (only new and open findings show one)', async () => {
    const table = await dynamo.createStateTable('round-trip');
    const store = new DynamoStateStore(dynamo.client, table, ACCOUNT);
    const [open, resolved, exempt] = findings();
    if (!open || !resolved || !exempt) throw new Error('the fixture room must break three policies');
    const records: FindingRecord[] = [
      {
        fingerprint: open.fingerprint,
        status: 'open',
        firstSeen: NOW,
        lastSeen: NOW,
        lastNotified: NOW,
        finding: open,
      },
      {
        fingerprint: resolved.fingerprint,
        status: 'resolved',
        firstSeen: NOW,
        lastSeen: NOW,
        finding: { ...resolved, status: 'resolved', resolvedReason: 'room deleted' },
      },
      {
        fingerprint: exempt.fingerprint,
        status: 'exempt',
        firstSeen: NOW,
        lastSeen: NOW,
        finding: {
          ...exempt,
          status: 'exempt',
          exemption: { reason: 'load test', expires: '2027-01-01', expired: false },
        },
      },
    ];
    await store.save(records, NOW);

    const loaded = await store.load();
    expect([...loaded.keys()].sort()).toEqual(records.map((r) => r.fingerprint).sort());
    for (const record of records) {
      expect(loaded.get(record.fingerprint)).toEqual({
        ...record,
        finding: { ...record.finding, remediationTemplate: '' },
      });
    }
    const raw = await dynamo.client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: `FINDING#${ACCOUNT}` } },
      }),
    );
    expect(raw.Items).toHaveLength(3);
    for (const item of raw.Items ?? []) expect(item.finding?.M).not.toHaveProperty('remediation');
  });

  it('keeps a finding whose offending value is an object or missing', async () => {
    const table = await dynamo.createStateTable('values');
    const store = new DynamoStateStore(dynamo.client, table, ACCOUNT);
    const all = findings();
    const records = all.map(
      (finding): FindingRecord => ({
        fingerprint: finding.fingerprint,
        status: 'open',
        firstSeen: NOW,
        lastSeen: NOW,
        finding,
      }),
    );
    await store.save(records, NOW);
    const loaded = await store.load();
    for (const finding of all) {
      expect(loaded.get(finding.fingerprint)?.finding.actual).toEqual(finding.actual);
      expect(loaded.get(finding.fingerprint)?.finding.message).toBe(finding.message);
    }
  });
});
