import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICIES_DIR, loadPolicyDir } from '../../lambda/policy/load-dir.js';
import { planLive } from '../../lambda/remediate/live-plan.js';
import { type LocalAws, startLocalAws } from '../../local-aws/index.js';

// The live planner audits on the one inventory path: a policy that reads a joined logging fact
// plans as it audits (before, the planner skipped the join and such a policy was never evaluated).
const REGION = 'us-west-2';
const NOW = '2026-11-26T10:00:00.000Z';
const LOG = 'arn:aws:ivschat:us-east-1:123456789012:logging-configuration/LcActive0001';
const fact = { arn: LOG, id: 'LcActive0001', name: 'chat-archive', state: 'ACTIVE' };
const room = (id: string, maximumMessageLength: number) => ({
  arn: `arn:aws:ivschat:us-east-1:123456789012:room/${id}`,
  loggingConfigurationIdentifiers: [LOG],
  loggingConfigurations: [fact],
  maximumMessageLength,
});

/** Applies to rooms whose chat is logged (a joined fact), fixes a plain field. */
const LOGGED_ROOMS_POLICY = {
  $schema: './policy.schema.json',
  id: 'logged-message-length',
  title: 'Rooms whose chat is logged keep messages at most 200 characters',
  severity: 'low',
  description: 'Reads the joined loggingConfigurations to decide which rooms it applies to.',
  remediation: 'aws ivschat update-room --region {region} --identifier {arn} --maximum-message-length 200',
  appliesTo: { required: ['loggingConfigurations'], properties: { loggingConfigurations: { minItems: 1 } } },
  rule: {
    required: ['maximumMessageLength'],
    properties: { maximumMessageLength: { type: 'integer', maximum: 200 } },
  },
  fix: { set: { maximumMessageLength: 200 } },
  examples: { pass: [room('PassLogLen01', 200)], fail: [room('FailLogLen01', 500)] },
};

let aws: LocalAws;
let dir: string;
beforeAll(async () => {
  aws = await startLocalAws();
  dir = mkdtempSync(join(tmpdir(), 'live-plan-'));
  copyFileSync(join(DEFAULT_POLICIES_DIR, 'policy.schema.json'), join(dir, 'policy.schema.json'));
  writeFileSync(join(dir, 'logged-message-length.json'), JSON.stringify(LOGGED_ROOMS_POLICY));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await aws.close();
});
beforeEach(() => {
  aws.clearRooms();
  aws.clearLoggingConfigurations();
});

describe('Function: planLive', () => {
  it('plans the fix of a policy that reads the joined logging configurations', async () => {
    const [logs] = aws.seedLoggingConfigurations(REGION, [
      { name: 'chat-archive', destinationConfiguration: { s3: { bucketName: 'chat-logs' } } },
    ]);
    aws.seedRooms(REGION, [
      { name: 'logged', maximumMessageLength: 500, loggingConfigurationIdentifiers: [logs?.arn as string] },
      { name: 'unlogged', maximumMessageLength: 500 },
    ]);

    const { plan, errors } = await planLive({
      regions: [REGION],
      connection: { endpoint: aws.endpoint },
      apiBudgetTps: 50,
      policies: loadPolicyDir(dir).policies,
      signal: new AbortController().signal,
      now: NOW,
    });

    expect(errors).toEqual([]);
    expect(plan.changes.map((c) => [c.roomName, c.policyId, c.before, c.after])).toEqual([
      ['logged', 'logged-message-length', { maximumMessageLength: 500 }, { maximumMessageLength: 200 }],
    ]);
    expect(aws.stats()[REGION]?.ListLoggingConfigurations?.calls).toBe(1);
  });
});
