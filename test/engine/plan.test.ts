/**
 * The plan step at organization scale: 1,000 ACTIVE accounts × 5 regions from Organizations
 * ListAccounts (the emulator), stored in the state table, handed to the Map as indexes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDITOR_ACCOUNT, type LocalOrg, startLocalOrg } from '../../demo/local-org.js';
import type { RunAggregate } from '../../lambda/modes/state-machine/aggregate.js';
import type { AuditTargetResult, PlanResult } from '../../lambda/modes/state-machine/events.js';
import { RunStore } from '../../lambda/state/run-store.js';

const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-1'];
/** Step Functions caps a state's input and output at 256 KiB. */
const PAYLOAD_LIMIT = 256 * 1024;

let org: LocalOrg;
beforeAll(async () => {
  const members = Array.from({ length: 999 }, (_, i) => String(100000000000 + i * 7));
  // No state machine here: the plan step is invoked as the state machine would.
  org = await startLocalOrg(
    { StartAt: 'x', States: {} },
    {
      accounts: [AUDITOR_ACCOUNT, ...members],
      regions: REGIONS,
      rooms: [],
      auditAccounts: 'organization',
    },
  );
}, 60_000);
afterAll(async () => {
  await org?.close();
});

describe('plan step', () => {
  it('plans 1,000 accounts × 5 regions into a payload far below the 256 KiB cap', async () => {
    const handler = org.handler();
    const startedAt = new Date().toISOString();
    const result = (await handler({ step: 'plan', runId: 'plan-5000', startedAt })) as PlanResult;
    expect(result.count).toBe(5000);
    expect(result.targets).toHaveLength(5000);
    expect(result.targets.at(-1)).toBe(4999);
    const bytes = Buffer.byteLength(JSON.stringify(result));
    expect(bytes).toBeLessThan(PAYLOAD_LIMIT / 4);
    // Every target is in the state table, the auditor's own account without a role.
    const runs = new RunStore(org.dynamo.client, org.table, 'plan-5000');
    expect(await runs.getTarget(0)).toEqual({
      accountId: AUDITOR_ACCOUNT,
      region: 'us-east-1',
      assumeRole: false,
    });
    const last = await runs.getTarget(4999);
    expect(last).toMatchObject({ region: 'ap-southeast-1', assumeRole: true });
    expect((await runs.getPlan()).count).toBe(5000);
  }, 120_000);

  it('refuses an event that names no run, before touching anything', async () => {
    const handler = org.handler();
    await expect(handler({ step: 'plan', startedAt: new Date().toISOString() })).rejects.toThrow(
      /event\.runId/,
    );
  });
});

describe('plan step: an organization with 20,000 closed accounts', () => {
  const MEMBER = '111111111111';
  const CLOSED = 20_000;
  let closedOrg: LocalOrg;
  beforeAll(async () => {
    closedOrg = await startLocalOrg(
      { StartAt: 'x', States: {} },
      {
        accounts: [AUDITOR_ACCOUNT, MEMBER],
        regions: ['us-east-1'],
        rooms: [],
        auditAccounts: 'organization',
      },
    );
    closedOrg.aws.addAccounts(
      Array.from({ length: CLOSED }, (_, i) => ({
        id: String(300_000_000_000 + i),
        status: 'SUSPENDED' as const,
      })),
    );
  }, 60_000);
  afterAll(async () => {
    await closedOrg?.close();
  });

  it('plans the active accounts, audits them, and the summary counts the closed ones and names 20', async () => {
    const handler = closedOrg.handler();
    const run = { runId: 'closed-accounts', startedAt: new Date().toISOString() };

    const plan = (await handler({ step: 'plan', ...run })) as PlanResult;
    expect(plan.count).toBe(2);
    for (const index of plan.targets) {
      let result: AuditTargetResult | undefined;
      for (let iteration = 0; !result?.done; iteration++) {
        result = (await handler({ step: 'audit-target', ...run, index, iteration })) as AuditTargetResult;
      }
    }
    const summary = (await handler({ step: 'aggregate', ...run })) as RunAggregate;

    expect(summary).toMatchObject({ targets: 2, targetsAudited: 2, targetsNotAudited: 0, complete: true });
    expect(summary.inactiveAccounts?.count).toBe(CLOSED);
    expect(summary.inactiveAccounts?.listed).toHaveLength(20);
    expect(summary.inactiveAccounts?.listed[0]).toEqual({ accountId: '300000000000', status: 'SUSPENDED' });
    expect(Buffer.byteLength(JSON.stringify(summary))).toBeLessThan(16 * 1024);
  }, 120_000);
});
