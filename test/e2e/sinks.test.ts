/**
 * Security Hub and EventBridge beside SNS, end to end through the scheduled audit: transitions reach
 * each sink once; a resolved finding is archived in Security Hub; a sink that fails is retried on the
 * next run for what it missed, and the other sinks resend nothing.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { asffId } from '../../lambda/render/asff.js';
import { EVENT_DETAIL_TYPES } from '../../lambda/render/finding-event.js';
import { ACCOUNT_ID, type SeedRoom } from '../../local-aws/index.js';
import { loadSmallFleet, type Stack, stackAudit, startStack, stateOf, updateRoom } from './helpers.js';

let stack: Stack;
let seed: SeedRoom[];
const SINKS = { SECURITY_HUB: 'true', EVENT_BUS: 'default' };

beforeAll(async () => {
  seed = await loadSmallFleet();
  stack = await startStack();
});
afterAll(() => stack?.close());
beforeEach(() => {
  stack.aws.clearRooms();
  stack.aws.seedRooms(undefined, seed);
  stack.aws.setFaults({});
  stack.aws.clearSecurityHubFindings();
  stack.aws.clearEvents();
  stack.aws.clearPublished();
});

const imported = () => stack.aws.securityHubFindings(undefined, ACCOUNT_ID);
const eventTypes = () => stack.aws.events().map((e) => e.detailType);

describe('Security Hub and EventBridge sinks in the scheduled audit', () => {
  it('imports new findings as ACTIVE, puts one event each, and archives a fixed one as PASSED', async () => {
    const audit = stackAudit(stack, { table: await stack.freshTable(), env: SINKS });

    const first = await audit();
    const n = first.summary.newFindings;
    expect(n).toBeGreaterThan(0);
    expect(imported()).toHaveLength(n);
    expect(imported().every((f) => f.finding.RecordState === 'ACTIVE')).toBe(true);
    expect(eventTypes()).toEqual(Array(n).fill(EVENT_DETAIL_TYPES.new));
    expect(first.summary.sinksLagging).toEqual([]);

    await audit(); // nothing changed: nothing sent anywhere
    expect(stack.aws.events()).toHaveLength(n);
    expect(imported().every((f) => f.imports === 1)).toBe(true);

    await updateRoom(stack.aws, 'us-east-1', { name: 'marketing-launch', maximumMessageLength: 200 });
    const third = await audit();
    const [fixed] = third.outcome.alert.resolvedFindings;
    expect(third.summary.resolvedFindings).toBe(1);
    const archived = imported().find((f) => f.finding.Id === asffId(fixed?.fingerprint ?? ''));
    expect(archived?.finding).toMatchObject({ RecordState: 'ARCHIVED', Compliance: { Status: 'PASSED' } });
    expect(eventTypes().at(-1)).toBe(EVENT_DETAIL_TYPES.resolved);
  });

  it('retries a failing Security Hub on the next run without resending to SNS or EventBridge', async () => {
    const table = await stack.freshTable();
    const audit = stackAudit(stack, { table, env: SINKS, maxAttempts: 1 });
    stack.aws.setFaults({ securityHubDisabledAccounts: [ACCOUNT_ID] });

    const first = await audit();
    const n = first.summary.newFindings;
    expect(first.summary.sinksLagging).toEqual([
      { sink: 'securityhub', undelivered: n, error: expect.stringMatching(/InvalidAccessException/) },
    ]);
    expect(imported()).toEqual([]);
    expect(stack.aws.published()).toHaveLength(1);
    expect(stack.aws.events()).toHaveLength(n);
    expect(
      [...(await stateOf(stack, table)).values()].every((r) => r.pendingSinks?.[0] === 'securityhub'),
    ).toBe(true);

    stack.aws.setFaults({});
    const second = await audit();
    expect(second.summary.sinksLagging).toEqual([]);
    expect(imported()).toHaveLength(n);
    expect(stack.aws.published()).toHaveLength(1);
    expect(stack.aws.events()).toHaveLength(n);
    expect([...(await stateOf(stack, table)).values()].some((r) => r.pendingSinks)).toBe(false);
  });
});
