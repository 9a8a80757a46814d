/**
 * Alert routes on the org-scale engine: the targets' findings are recorded by the audit steps and
 * delivered hours later by the aggregate step, which must still route each one by its room's tags
 * (the finding carries its routes through the state table).
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDITOR_ACCOUNT, type LocalOrg, orgLoggingConfigArn, startLocalOrg } from '../../demo/local-org.js';
import { DEFAULT_POLICIES_DIR } from '../../lambda/policy/load-dir.js';
import type { SeedRoom } from '../../local-aws/index.js';
import { stateMachineDefinition } from '../cdk/state-machine-definition.js';
import { received } from '../e2e/helpers.js';

const PROD = '111111111111';
const REGIONS = ['us-east-1', 'eu-west-1'];
const ACCOUNTS = [AUDITOR_ACCOUNT, PROD];
const TEAM_A = 'arn:aws:sns:us-east-1:000000000000:team-a-alerts';

/** Rooms that allow 1,000-character messages (one finding each), owned by team-a or team-b by turns. */
const fleet: SeedRoom[] = ACCOUNTS.flatMap((accountId) =>
  REGIONS.flatMap((region) =>
    [0, 1].map((i) => ({
      accountId,
      region,
      id: `r${accountId.slice(0, 3)}${region.slice(0, 2)}${i}`,
      name: `room-${accountId.slice(0, 3)}-${region}-${i}`,
      maximumMessageLength: 1000,
      maximumMessageRatePerSecond: 10,
      messageReviewHandler: {
        uri: `arn:aws:lambda:${region}:${accountId}:function:review`,
        fallbackResult: 'DENY',
      },
      loggingConfigurationIdentifiers: [orgLoggingConfigArn(accountId, region)],
      tags: { owner: i === 0 ? 'team-a' : 'team-b' },
    })),
  ),
);

let org: LocalOrg | undefined;
let dir: string;
let definition: object;
beforeAll(() => {
  definition = stateMachineDefinition({ accounts: ACCOUNTS.join(','), regions: REGIONS.join(',') });
  dir = mkdtempSync(join(tmpdir(), 'org-routes-'));
  cpSync(DEFAULT_POLICIES_DIR, dir, { recursive: true });
  writeFileSync(
    join(dir, 'routes.json'),
    JSON.stringify({
      routes: [{ id: 'owners', match: {}, destination: { tag: 'owner', topics: { 'team-a': TEAM_A } } }],
    }),
  );
}, 120_000);
afterAll(async () => {
  await org?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('alert routes on the local state machine', { timeout: 90_000 }, () => {
  it("sends team-a's topic its rooms' findings from every target, and the rest to the default topic", async () => {
    org = await startLocalOrg(definition, {
      accounts: ACCOUNTS,
      regions: REGIONS,
      rooms: fleet,
      policiesDir: dir,
    });
    org.aws.createTopic('us-east-1', 'team-a-alerts');
    const result = await org.run('run-1');
    expect(result.error).toBeUndefined();
    const byTopic = new Map<string, string[]>();
    for (const message of org.aws.published()) {
      const rooms = received(message).machine.newFindings.map((f) => f.roomName);
      byTopic.set(message.topicArn, [...(byTopic.get(message.topicArn) ?? []), ...rooms]);
    }
    const teamA = byTopic.get(TEAM_A) ?? [];
    const rest = byTopic.get(org.topicArn) ?? [];
    expect(teamA).toHaveLength(4);
    expect(teamA.every((name) => name.endsWith('-0'))).toBe(true);
    expect(rest.length).toBeGreaterThanOrEqual(4);
    expect(rest.some((name) => name.endsWith('-0'))).toBe(false);

    // Nothing changed: neither route is told anything again.
    const before = org.aws.published().length;
    await org.run('run-2');
    expect(org.aws.published()).toHaveLength(before);
  });
});
