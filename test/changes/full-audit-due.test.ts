import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FullAuditDue } from '../../lambda/state/full-audit-due.js';
import { type LocalDynamo, startLocalDynamo } from '../../local-aws/dynamodb.js';

const TARGET = { accountId: '123456789012', region: 'us-east-1' };
let dynamo: LocalDynamo;
let tables = 0;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(() => dynamo?.close());

async function store() {
  return new FullAuditDue(dynamo.client, await dynamo.createStateTable(`due-${++tables}`));
}

describe('FullAuditDue', () => {
  it('keeps the first storm as `since` and sums the rooms left over', async () => {
    const due = await store();
    await due.mark(TARGET, 30, new Date('2026-11-26T10:00:00Z'));
    await due.mark(TARGET, 12, new Date('2026-11-26T10:05:00Z'));
    expect(await due.get(TARGET)).toEqual({ since: '2026-11-26T10:00:00.000Z', rooms: 42 });
    expect(await due.get({ ...TARGET, region: 'eu-west-1' })).toBeUndefined();
  });

  it('is cleared by a complete audit that started after the storm, not by one that started before', async () => {
    const due = await store();
    await due.mark(TARGET, 5, new Date('2026-11-26T10:00:00Z'));
    expect(await due.clear(TARGET, '2026-11-26T09:59:00.000Z')).toBe(false);
    expect(await due.get(TARGET)).toBeDefined();
    expect(await due.clear(TARGET, '2026-11-26T10:00:00.000Z')).toBe(true);
    expect(await due.get(TARGET)).toBeUndefined();
    expect(await due.clear(TARGET, '2026-11-26T11:00:00.000Z')).toBe(false);
  });

  it('names the table when it cannot write', async () => {
    const due = new FullAuditDue(dynamo.client, 'no-such-table');
    await expect(due.mark(TARGET, 1, new Date())).rejects.toThrow(/state table no-such-table/);
  });
});
