/**
 * The self-test room in the deployed engine: the synthesized state machine on aws-local-stepfunctions,
 * the real audit handler with REMEDIATION=apply and message-length-max's fix `auto`. A room that
 * `ivschat-audit selftest` made (tag ivschat-auditor:selftest) is audited and alerted like any other,
 * and never written, even when it also carries the opt-in tag; the opted-in room beside it is fixed.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDITOR_ACCOUNT, orgLoggingConfigArn, startLocalOrg } from '../../demo/local-org.js';
import { DEFAULT_POLICIES_DIR } from '../../lambda/policy/load-dir.js';
import { SELFTEST_ROOM_SKIPPED, SELFTEST_TAG_KEY } from '../../lambda/remediate/selftest-room.js';
import type { SeedRoom } from '../../local-aws/index.js';
import { stateMachineDefinition } from '../cdk/state-machine-definition.js';
import { received } from '../e2e/helpers.js';

const PROD = '111111111111';
const REGION = 'us-east-1';
const ACCOUNTS = [AUDITOR_ACCOUNT, PROD];
const arn = (id: string) => `arn:aws:ivschat:${REGION}:${PROD}:room/${id}`;

/** A room of PROD breaking message-length-max only, opted in to remediation, with `tags` added. */
function room(id: string, tags: Record<string, string> = {}): SeedRoom {
  return {
    accountId: PROD,
    region: REGION,
    id,
    name: `room-${id.toLowerCase()}`,
    maximumMessageLength: 500,
    maximumMessageRatePerSecond: 10,
    messageReviewHandler: { uri: `arn:aws:lambda:${REGION}:${PROD}:function:review`, fallbackResult: 'DENY' },
    loggingConfigurationIdentifiers: [orgLoggingConfigArn(PROD, REGION)],
    tags: { owner: 'team', 'ivschat-auditor:remediate': 'true', ...tags },
  };
}

let policiesDir: string;
beforeAll(() => {
  policiesDir = mkdtempSync(join(tmpdir(), 'selftest-room-policies-'));
  cpSync(DEFAULT_POLICIES_DIR, policiesDir, { recursive: true });
  const file = join(policiesDir, 'message-length-max.json');
  const policy = JSON.parse(readFileSync(file, 'utf8'));
  policy.fix.auto = true;
  writeFileSync(file, JSON.stringify(policy));
});
afterAll(() => rmSync(policiesDir, { recursive: true, force: true }));

describe('the deployed engine and a self-test room', { timeout: 120_000 }, () => {
  it('apply: alerts on the self-test room, never writes it, and fixes the opted-in room beside it', async () => {
    const definition = stateMachineDefinition({ accounts: ACCOUNTS.join(','), regions: REGION });
    const o = await startLocalOrg(definition, {
      accounts: ACCOUNTS,
      regions: [REGION],
      rooms: [room('SelfTest0001', { [SELFTEST_TAG_KEY]: 'a1b2c3d4' }), room('OptedIn00001')],
    });
    try {
      const handler = o.handler({
        env: {
          AUDIT_REGIONS: REGION,
          AUDIT_ACCOUNTS: ACCOUNTS.join(','),
          ALERT_TOPIC_ARN: o.topicArn,
          STATE_TABLE_NAME: o.table,
          POLICIES_DIR: policiesDir,
          AWS_REGION: REGION,
          AUDITOR_NAME: 'local-org',
          REMEDIATION: 'apply',
          REMEDIATION_MAX_PERCENT: '100',
        },
      });

      const result = await o.run('run-selftest-room', { handler });

      expect(result.error).toBeUndefined();
      const lengths = new Map(o.aws.rooms(REGION, PROD).map((r) => [r.arn, r.maximumMessageLength]));
      expect(lengths.get(arn('SelfTest0001'))).toBe(500);
      expect(lengths.get(arn('OptedIn00001'))).toBe(200);
      const [alert] = o.aws.published().map(received);
      expect(alert?.machine.newFindings.map((f: { roomArn: string }) => f.roomArn)).toContain(
        arn('SelfTest0001'),
      );
      expect(alert?.email).toContain(`room-selftest0001  [message-length-max]: ${SELFTEST_ROOM_SKIPPED}`);
    } finally {
      await o.close();
    }
  });
});
