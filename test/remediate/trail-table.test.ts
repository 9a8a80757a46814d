import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrailWriteError } from '../../lambda/core/errors.js';
import type { TrailEntry } from '../../lambda/remediate/trail.js';
import { TableTrail, TRAIL_RETAIN_DAYS } from '../../lambda/remediate/trail-table.js';
import { type LocalDynamo, startLocalDynamo } from '../../local-aws/dynamodb.js';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  await dynamo.close();
});

function entry(over: Partial<TrailEntry> = {}): TrailEntry {
  return {
    changeId: 'chg-0123456789ab',
    kind: 'fix',
    outcome: 'applied',
    policyId: 'message-length-max',
    accountId: ACCOUNT,
    region: REGION,
    roomArn: `arn:aws:ivschat:${REGION}:${ACCOUNT}:room/abc`,
    roomName: 'lobby',
    before: { maximumMessageLength: 500, 'messageReviewHandler.uri': null },
    after: { maximumMessageLength: 200, 'messageReviewHandler.uri': null },
    updateTimeBefore: '2026-11-26T09:00:00.000Z',
    updateTimeAfter: '2026-11-26T10:00:01.000Z',
    time: '2026-11-26T10:00:01.500Z',
    actor: `arn:aws:sts::${ACCOUNT}:assumed-role/ivschat-auditor-member/run`,
    ...over,
  };
}

describe('TableTrail', () => {
  it('round-trips entries, nulls included, oldest first, keyed TRAIL#account#region with a TTL', async () => {
    const table = await dynamo.createStateTable('trail-roundtrip');
    const trail = new TableTrail(dynamo.client, table, { accountId: ACCOUNT, region: REGION });
    const later = entry({
      changeId: 'chg-bbbbbbbbbbbb',
      time: '2026-11-26T11:00:00.000Z',
      outcome: 'skipped',
      reason: 'the room changed since the plan',
    });
    const first = entry();
    await trail.append(later);
    await trail.append(first);

    expect(await trail.entries()).toEqual([first, later]);
    const item = await dynamo.client.send(
      new GetItemCommand({
        TableName: table,
        Key: { pk: { S: `TRAIL#${ACCOUNT}#${REGION}` }, sk: { S: `${first.time}#${first.changeId}` } },
      }),
    );
    const expiresAt = Number(item.Item?.expiresAt?.N);
    expect(expiresAt).toBe(Math.floor(Date.parse(first.time) / 1000) + TRAIL_RETAIN_DAYS * 86_400);
  });

  it("reads only the entries since a time, and none of another target's", async () => {
    const table = await dynamo.createStateTable('trail-since');
    const trail = new TableTrail(dynamo.client, table, { accountId: ACCOUNT, region: REGION });
    const other = new TableTrail(dynamo.client, table, { accountId: ACCOUNT, region: 'eu-west-1' });
    await trail.append(entry({ changeId: 'chg-aaaaaaaaaaaa', time: '2026-11-25T10:00:00.000Z' }));
    await trail.append(entry({ changeId: 'chg-bbbbbbbbbbbb', time: '2026-11-26T10:00:00.000Z' }));
    await other.append(entry({ region: 'eu-west-1', time: '2026-11-26T12:00:00.000Z' }));

    const recent = await trail.read('2026-11-26T00:00:00.000Z');
    expect(recent.map(({ entry: e }) => e.changeId)).toEqual(['chg-bbbbbbbbbbbb']);
    expect(recent.map(({ reported }) => reported)).toEqual([false]);
    expect((await other.entries()).map((e) => e.region)).toEqual(['eu-west-1']);
  });

  it('refuses an entry of another target, naming both', async () => {
    const table = await dynamo.createStateTable('trail-wrong-target');
    const trail = new TableTrail(dynamo.client, table, { accountId: ACCOUNT, region: REGION });
    await expect(trail.append(entry({ region: 'eu-west-1' }))).rejects.toThrow(
      /chg-0123456789ab is of 123456789012\/eu-west-1, not of this trail's target 123456789012\/us-east-1/,
    );
    expect(await trail.entries()).toEqual([]);
  });

  it('says which change of which room is not recorded when the table cannot be written', async () => {
    const trail = new TableTrail(dynamo.client, 'no-such-table', { accountId: ACCOUNT, region: REGION });
    const error = await trail.append(entry()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrailWriteError);
    expect((error as Error).message).toMatch(
      /state table no-such-table: cannot record applied change chg-0123456789ab of arn:aws:ivschat:us-east-1:123456789012:room\/abc .*ResourceNotFoundException/,
    );
  });
});
