/**
 * Injected faults end as design.md says, through the real handler: a room deleted between list and
 * get is skipped and counted; access denied in one region is a report error for that region while
 * the other is audited (and the denied region's findings stay open); a 5xx rate is retried by the
 * SDK into a complete audit. The handler never crashes on an AWS fault.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ScheduledRun } from '../../lambda/modes/scheduled.js';
import type { SeedRoom } from '../../local-aws/index.js';
import {
  key,
  loadSmallFleet,
  opStats,
  publishedSince,
  REGIONS,
  type Stack,
  stackAudit,
  startStack,
  stateOf,
  updateRoom,
} from './helpers.js';

let stack: Stack;
let seed: SeedRoom[];

beforeAll(async () => {
  seed = await loadSmallFleet();
  stack = await startStack({ quotas: { enabled: true, scale: 1 } });
});
afterAll(() => stack?.close());
beforeEach(() => {
  stack.aws.clearRooms();
  stack.aws.seedRooms(undefined, seed);
  stack.aws.setFaults({});
  stack.aws.resetStats();
});

const report = (run: ScheduledRun) => run.outcome.alert.report;

describe('injected faults, through the real handler', () => {
  it('skips and counts a room deleted between ListRooms and GetRoom, without an error', async () => {
    const audit = stackAudit(stack, { table: await stack.freshTable() });
    const before = stack.aws.published().length;
    stack.aws.setFaults({ deleteAfterListing: ['marketing-launch'] });

    const run = await audit();

    expect(run.summary).toMatchObject({ errors: 0, complete: true, roomsAudited: 5 });
    expect(report(run).roomsSkipped).toBe(1);
    expect(report(run).findings.filter((f) => f.roomName === 'marketing-launch')).toEqual([]);
    expect(stack.aws.rooms().map((r) => r.name)).not.toContain('marketing-launch');
    const [alert] = publishedSince(stack.aws, before);
    expect(alert?.email).toContain('1 skipped (deleted during the run)');
    expect(alert?.email).not.toContain('INCOMPLETE');
  });

  it('counts a room that ListRooms lists but GetRoom cannot find (vanishing) as skipped', async () => {
    const audit = stackAudit(stack, { table: await stack.freshTable() });
    stack.aws.setFaults({ vanishingRooms: ['football-matchday'] });

    const run = await audit();

    expect(run.summary).toMatchObject({ errors: 0, complete: true, roomsAudited: 5 });
    expect(report(run).roomsSkipped).toBe(1);
    expect(opStats(stack.aws, 'eu-west-1', 'GetRoom').calls).toBe(3);
  });

  it('access denied in one region: that region is a report error, the other is audited, nothing crashes', async () => {
    const table = await stack.freshTable();
    const audit = stackAudit(stack, { table });
    const first = await audit();
    expect(first.summary).toMatchObject({ complete: true, errors: 0 });
    const euOpen = [...(await stateOf(stack, table)).values()].filter(
      (r) => r.finding.region === 'eu-west-1',
    );
    expect(euOpen.length).toBeGreaterThan(0);

    // eu-west-1 denies every IVS Chat call; meanwhile a us-east-1 room gets fixed.
    await updateRoom(stack.aws, 'us-east-1', { name: 'marketing-launch', maximumMessageLength: 200 });
    stack.aws.setFaults({ accessDeniedRegions: ['eu-west-1'] });
    const before = stack.aws.published().length;
    const second = await audit();

    expect(second.summary.complete).toBe(false);
    expect(report(second).errors).toEqual([
      expect.objectContaining({ region: 'eu-west-1', operation: 'ListRooms', code: 'AccessDeniedException' }),
      expect.objectContaining({
        region: 'eu-west-1',
        operation: 'ListLoggingConfigurations',
        code: 'AccessDeniedException',
      }),
    ]);
    expect(report(second).roomsAudited).toBe(3); // us-east-1 only
    expect(second.summary.newFindings).toBe(0);
    // The audited region's fix is announced; nothing of the denied region is resolved.
    const [alert] = publishedSince(stack.aws, before);
    expect(alert?.machine.resolvedFindings.map(key)).toEqual(['marketing-launch/message-length-max']);
    expect(alert?.email).toContain('WARNING: the audit was INCOMPLETE');
    const state = await stateOf(stack, table);
    for (const record of euOpen) expect(state.get(record.fingerprint)?.status).toBe('open');
  });

  it('access denied on the first run: publishes the audited region, flags the audit incomplete', async () => {
    const audit = stackAudit(stack, { table: await stack.freshTable() });
    stack.aws.setFaults({ accessDeniedRegions: ['eu-west-1'] });
    const before = stack.aws.published().length;

    const { summary } = await audit();

    expect(summary.complete).toBe(false);
    expect(summary.errors).toBe(2); // ListRooms and ListLoggingConfigurations, both denied
    const [alert] = publishedSince(stack.aws, before);
    expect(alert?.subject).toMatch(/, audit incomplete$/);
    expect(alert?.email).toContain('WARNING: the audit was INCOMPLETE');
    expect(alert?.email).toContain('error: eu-west-1 ListRooms: AccessDeniedException');
    expect(new Set(alert?.machine.newFindings.map((f) => f.region))).toEqual(new Set(['us-east-1']));
  });

  it('a 30% 5xx rate (fixed seed) is retried by the SDK and the audit is complete', async () => {
    const audit = stackAudit(stack, {
      table: await stack.freshTable(),
      // Retries are what is tested: enough attempts that no call can run out of them at 30%.
      maxAttempts: 10,
    });
    const baseline = await stackAudit(stack, { table: await stack.freshTable() })();
    stack.aws.resetStats();
    stack.aws.setFaults({ serverErrorRate: 0.3, seed: 42 });

    const run = await audit();

    expect(run.summary).toMatchObject({ complete: true, errors: 0, roomsAudited: 6 });
    expect(run.outcome.alert.newFindings.map(key).sort()).toEqual(
      baseline.outcome.alert.newFindings.map(key).sort(),
    );
    let injected = 0;
    for (const region of REGIONS) {
      const getRoom = opStats(stack.aws, region, 'GetRoom');
      injected += getRoom.errors + opStats(stack.aws, region, 'ListRooms').errors;
      expect(getRoom.succeeded).toBe(3);
    }
    expect(injected).toBeGreaterThan(0);
  });
});
