/**
 * Deployed remediation end to end: the synthesized state machine on aws-local-stepfunctions, every
 * task answered by the real audit handler against the emulator (a member account through its role)
 * and dynalite, with REMEDIATION set to plan or apply and a policy folder whose length fix is `auto`.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AUDITOR_ACCOUNT, type LocalOrg, orgLoggingConfigArn, startLocalOrg } from '../../demo/local-org.js';
import { DEFAULT_POLICIES_DIR } from '../../lambda/policy/load-dir.js';
import { TableTrail } from '../../lambda/remediate/trail-table.js';
import type { SeedRoom } from '../../local-aws/index.js';
import { stateMachineDefinition } from '../cdk/state-machine-definition.js';
import { received } from '../e2e/helpers.js';

const PROD = '111111111111';
const REGION = 'us-east-1';
const ACCOUNTS = [AUDITOR_ACCOUNT, PROD];
const OPT_IN = { 'ivschat-auditor:remediate': 'true' };
const arn = (id: string) => `arn:aws:ivschat:${REGION}:${PROD}:room/${id}`;

/** A room of PROD passing every starter policy except what `over` changes. */
function room(id: string, over: Partial<SeedRoom> = {}): SeedRoom {
  return {
    accountId: PROD,
    region: REGION,
    id,
    name: `room-${id.toLowerCase()}`,
    maximumMessageLength: 200,
    maximumMessageRatePerSecond: 10,
    messageReviewHandler: { uri: `arn:aws:lambda:${REGION}:${PROD}:function:review`, fallbackResult: 'DENY' },
    loggingConfigurationIdentifiers: [orgLoggingConfigArn(PROD, REGION)],
    ...over,
    tags: { owner: 'team', ...(over.tags ?? {}) },
  };
}

const TAGGED = room('Tagged0001', { maximumMessageLength: 500, tags: OPT_IN });
const UNTAGGED = room('Untagged01', { maximumMessageLength: 500 });
const EXEMPT = room('Exempt0001', { maximumMessageLength: 500, tags: OPT_IN });
/** Breaks message-rate-max, whose fix is not `auto`: planned, never applied by the auditor. */
const FAST = room('Fast000001', { maximumMessageRatePerSecond: 50, tags: OPT_IN });
const COMPLIANT = Array.from({ length: 6 }, (_, i) => room(`Fine00000${i}`, { tags: OPT_IN }));

let definition: object;
let policiesDir: string;
let org: LocalOrg | undefined;

beforeAll(() => {
  definition = stateMachineDefinition({ accounts: ACCOUNTS.join(','), regions: REGION });
  // The starter policies, with message-length-max's fix marked auto and one room exempt from it.
  policiesDir = mkdtempSync(join(tmpdir(), 'remediation-policies-'));
  cpSync(DEFAULT_POLICIES_DIR, policiesDir, { recursive: true });
  const file = join(policiesDir, 'message-length-max.json');
  const policy = JSON.parse(readFileSync(file, 'utf8'));
  policy.fix.auto = true;
  const expires = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  policy.exemptions = [{ rooms: [arn('Exempt0001')], reason: 'launch event', expires }];
  writeFileSync(file, JSON.stringify(policy));
}, 120_000);
afterAll(() => {
  rmSync(policiesDir, { recursive: true, force: true });
});
afterEach(async () => {
  await org?.close();
  org = undefined;
});

async function start(rooms: SeedRoom[], env: Record<string, string>) {
  org = await startLocalOrg(definition, { accounts: ACCOUNTS, regions: [REGION], rooms });
  const o = org;
  const fullEnv = {
    AUDIT_REGIONS: REGION,
    AUDIT_ACCOUNTS: ACCOUNTS.join(','),
    ALERT_TOPIC_ARN: o.topicArn,
    STATE_TABLE_NAME: o.table,
    POLICIES_DIR: policiesDir,
    AWS_REGION: REGION,
    AUDITOR_NAME: 'local-org',
    REMEDIATION_MAX_PERCENT: '100',
    ...env,
  };
  const handler = o.handler({ env: fullEnv });
  return { o, env: fullEnv, run: (name: string) => o.run(name, { handler }) };
}

function updateRoomCalls(o: LocalOrg): number {
  let calls = 0;
  for (const ops of Object.values(o.aws.stats())) calls += ops.UpdateRoom?.calls ?? 0;
  return calls;
}

const lengthOf = (o: LocalOrg, id: string) =>
  o.aws.rooms(REGION, PROD).find((r) => r.arn === arn(id))?.maximumMessageLength;

describe('deployed remediation on the local state machine', { timeout: 90_000 }, () => {
  it('plan: makes no write call, and the alert carries the planned change and the command that applies it', async () => {
    const { o, run } = await start([TAGGED, UNTAGGED, EXEMPT, FAST, ...COMPLIANT], { REMEDIATION: 'plan' });
    const result = await run('run-plan');

    expect(result.error).toBeUndefined();
    expect(updateRoomCalls(o)).toBe(0);
    const [alert] = o.aws.published().map(received);
    expect(alert?.email).toContain('PLANNED FIXES (2)');
    expect(alert?.email).toContain(`${PROD} ${REGION}  room-tagged0001  [message-length-max]`);
    expect(alert?.email).toContain('    maximumMessageLength: 500 → 200');
    expect(alert?.email).toContain(
      `  account ${PROD}: ivschat-audit remediate --region ${REGION} --policy message-length-max --tag ivschat-auditor:remediate=true --apply`,
    );
    expect(alert?.email).toContain(
      `  account ${PROD}: ivschat-audit remediate --region ${REGION} --policy message-rate-max --tag ivschat-auditor:remediate=true --apply`,
    );
    expect(alert?.email).toContain(
      `room-untagged01  [message-length-max]: not opted in: tag ivschat-auditor:remediate=true missing`,
    );
    expect(alert?.email).toContain('room-exempt0001  [message-length-max]: exempt: launch event');
    expect(alert?.machine.remediation?.planned.map((c: { roomArn: string }) => c.roomArn).sort()).toEqual(
      [arn('Fast000001'), arn('Tagged0001')].sort(),
    );
  });

  it('apply: fixes only the opted-in room of the auto fix, records it in the trail, and the next audit resolves it as fixed by the auditor', async () => {
    const { o, run } = await start([TAGGED, UNTAGGED, EXEMPT, FAST, ...COMPLIANT], { REMEDIATION: 'apply' });
    const first = await run('run-1');

    expect(first.error).toBeUndefined();
    expect(first.output).toMatchObject({
      remediation: { mode: 'apply', planned: 1, applied: 1, skipped: 0, failed: 0, guardTripped: 0 },
    });
    expect(updateRoomCalls(o)).toBe(1);
    expect(lengthOf(o, 'Tagged0001')).toBe(200);
    expect(lengthOf(o, 'Untagged01')).toBe(500);
    expect(lengthOf(o, 'Exempt0001')).toBe(500);
    expect(
      o.aws.rooms(REGION, PROD).find((r) => r.arn === arn('Fast000001'))?.maximumMessageRatePerSecond,
    ).toBe(50);

    const trail = await new TableTrail(o.dynamo.client, o.table, {
      accountId: PROD,
      region: REGION,
    }).entries();
    expect(trail).toEqual([
      expect.objectContaining({
        kind: 'fix',
        outcome: 'applied',
        policyId: 'message-length-max',
        roomArn: arn('Tagged0001'),
        before: { maximumMessageLength: 500 },
        after: { maximumMessageLength: 200 },
        actor: expect.stringMatching(new RegExp(`^arn:aws:sts::${PROD}:assumed-role/`)),
      }),
    ]);
    const changeId = trail[0]?.changeId;
    const [alert] = o.aws.published().map(received);
    expect(alert?.email).toContain('FIXED BY THE AUDITOR (1; confirmed by the next audit)');
    expect(alert?.email).toContain(
      `  APPLIED ${changeId}  ${PROD} ${REGION}  room-tagged0001  [message-length-max]`,
    );
    // Found and fixed in one run: still reported as new until an audit confirms the fix.
    expect(alert?.machine.newFindings.map((f: { roomArn: string }) => f.roomArn)).toContain(
      arn('Tagged0001'),
    );

    const second = await run('run-2');
    expect(second.output).toMatchObject({ resolvedFindings: 1, newFindings: 0 });
    expect(updateRoomCalls(o)).toBe(1);
    const [, next] = o.aws.published().map(received);
    expect(next?.machine.resolvedFindings).toEqual([
      expect.objectContaining({
        roomArn: arn('Tagged0001'),
        resolvedReason: `fixed by the auditor (${changeId})`,
      }),
    ]);
    expect(next?.email).toContain(`fixed by the auditor (${changeId})`);
  });

  it('apply: a write whose alert could not be sent is listed by the next alert, once', async () => {
    const { o, env, run } = await start([TAGGED, ...COMPLIANT], { REMEDIATION: 'apply' });
    const failing = o.handler({
      env,
      publisher: { publish: async () => Promise.reject(new Error('SNS is down (simulated)')) },
    });
    const down = await o.run('run-down', { handler: failing });
    expect(down.error?.message).toMatch(/SNS is down/);
    expect(lengthOf(o, 'Tagged0001')).toBe(200);
    const [written] = await new TableTrail(o.dynamo.client, o.table, {
      accountId: PROD,
      region: REGION,
    }).entries();

    // The room now passes, so no finding tells of it: only the unreported write does.
    await run('run-up');
    const [alert, ...more] = o.aws.published().map(received);
    expect(more).toEqual([]);
    expect(alert?.email).toContain('Made by an earlier run whose alert could not be sent (1):');
    expect(alert?.email).toContain(`  APPLIED ${written?.changeId}  ${PROD} ${REGION}  room-tagged0001`);

    await run('run-quiet');
    expect(o.aws.published()).toHaveLength(1);
  });

  it('apply: a guard of 2 with 3 planned changes changes nothing, and the alert says which guard', async () => {
    const three = ['Tagged0001', 'Tagged0002', 'Tagged0003'].map((id) =>
      room(id, { maximumMessageLength: 500, tags: OPT_IN }),
    );
    const { o, run } = await start([...three, EXEMPT, ...COMPLIANT], {
      REMEDIATION: 'apply',
      REMEDIATION_MAX_CHANGES: '2',
    });
    const result = await run('run-guard');

    expect(result.error).toBeUndefined();
    expect(result.output).toMatchObject({ remediation: { applied: 0, guardTripped: 1 } });
    expect(updateRoomCalls(o)).toBe(0);
    for (const id of ['Tagged0001', 'Tagged0002', 'Tagged0003', 'Exempt0001'])
      expect(lengthOf(o, id)).toBe(500);
    expect(
      await new TableTrail(o.dynamo.client, o.table, { accountId: PROD, region: REGION }).entries(),
    ).toEqual([]);
    const [alert] = o.aws.published().map(received);
    expect(alert?.email).toContain(
      `  GUARD ${PROD} ${REGION}: 3 changes planned, more than remediationMaxChanges 2; nothing there was changed`,
    );
  });
});
