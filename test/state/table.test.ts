import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditorError } from '../../lambda/core/errors.js';
import { StateTable } from '../../lambda/state/table.js';
import { type LocalDynamo, startLocalDynamo } from '../../local-aws/dynamodb.js';
import { ACCOUNT } from '../fixtures.js';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  await dynamo.close();
});

const target = { accountId: ACCOUNT, region: 'us-east-1' };

describe('StateTable', () => {
  it('builds every store over the one table, each reading what another wrote', async () => {
    const table = new StateTable(dynamo.client, await dynamo.createStateTable('factories'));
    const now = new Date('2026-11-26T00:00:00.000Z');

    await table.runStore('run-1', { now: () => now }).putPlan([{ ...target, assumeRole: false }], {
      errors: [],
      inactiveAccounts: [],
    });
    expect(await table.runStore('run-1').getTarget(0)).toEqual({ ...target, assumeRole: false });
    expect(await table.targetLocks().acquire(target, 'run-1', new Date(now.getTime() + 60_000), now)).toEqual(
      {
        ok: true,
      },
    );
    expect(await table.targetHealth().record(target, { ok: false, reason: 'x' }, 'run-1')).toBe(1);
    await table.fullAuditDue().mark(target, 3, now);
    expect(await table.fullAuditDue().get(target)).toEqual({ since: now.toISOString(), rooms: 3 });
    await table.roomSnapshots().put(target.accountId, target.region, now.toISOString(), []);
    expect((await table.roomSnapshots().get(target.accountId, target.region))?.rooms).toEqual([]);
    expect((await table.targetState(target).load()).size).toBe(0);
    expect((await table.accountState(ACCOUNT, ['us-east-1']).load()).size).toBe(0);
    expect(await table.roomCache().loadRooms(target.accountId, target.region)).toEqual(new Map());
  });

  it('names the table when a page cannot be read', async () => {
    const table = new StateTable(dynamo.client, 'no-such-table');
    const read = async () => {
      for await (const _ of table.query({ pk: 'X' })) return;
    };
    await expect(read()).rejects.toThrow(AuditorError);
    await expect(read()).rejects.toThrow(/^cannot read state table no-such-table: /);
  });
});
