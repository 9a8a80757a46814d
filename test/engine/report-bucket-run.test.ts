/**
 * The state machine's Aggregate step with `reportBucket` on: the run's one HTML report (every
 * audited account's findings) is put in S3 before the run's one alert, which links it; a failed put
 * leaves the alert without the link. The org runs on the local state machine against the emulator
 * and dynalite; S3, which the emulator has no model of, is mocked (aws-sdk-client-mock).
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AUDITOR_ACCOUNT, type LocalOrg, orgLoggingConfigArn, startLocalOrg } from '../../demo/local-org.js';
import type { SeedRoom } from '../../local-aws/index.js';
import { stateMachineDefinition } from '../cdk/state-machine-definition.js';
import { POLICIES_DIR, received } from '../e2e/helpers.js';

const PROD = '111111111111';
const REGION = 'us-east-1';
const ACCOUNTS = [AUDITOR_ACCOUNT, PROD];
const BUCKET = 'audit-reports';
const s3 = mockClient(S3Client);

/** Two rooms per account: one allowing 1,000-character messages (a finding), one compliant. */
const rooms: SeedRoom[] = ACCOUNTS.flatMap((accountId) =>
  [1000, 200].map((maximumMessageLength, i) => ({
    accountId,
    region: REGION,
    id: `r${accountId.slice(0, 3)}${String(i).padStart(5, '0')}`,
    name: `room-${accountId.slice(0, 3)}-${i}`,
    maximumMessageLength,
    maximumMessageRatePerSecond: 10,
    messageReviewHandler: {
      uri: `arn:aws:lambda:${REGION}:${accountId}:function:review`,
      fallbackResult: 'DENY',
    },
    loggingConfigurationIdentifiers: [orgLoggingConfigArn(accountId, REGION)],
    tags: { owner: 'team' },
  })),
);

let definition: object;
let org: LocalOrg | undefined;
beforeAll(() => {
  definition = stateMachineDefinition({ accounts: ACCOUNTS.join(','), regions: REGION });
}, 120_000);
afterEach(async () => {
  s3.reset();
  await org?.close();
  org = undefined;
});

/** The local org, its handler given the bucket as the stack would (REPORT_BUCKET). */
async function startWithBucket() {
  const o = await startLocalOrg(definition, { accounts: ACCOUNTS, regions: [REGION], rooms });
  org = o;
  const handler = o.handler({
    env: {
      AUDIT_REGIONS: REGION,
      AUDIT_ACCOUNTS: ACCOUNTS.join(','),
      ALERT_TOPIC_ARN: o.topicArn,
      STATE_TABLE_NAME: o.table,
      POLICIES_DIR,
      AWS_REGION: REGION,
      AUDITOR_NAME: 'local-org',
      REPORT_BUCKET: BUCKET,
    },
  });
  return { o, handler };
}

describe('aggregate step with reportBucket', { timeout: 90_000 }, () => {
  it("puts the whole run's report in S3 before the run's one alert, which links it", async () => {
    const { o, handler } = await startWithBucket();
    let publishedAtPut = -1;
    s3.on(PutObjectCommand).callsFake(async () => {
      publishedAtPut = o.aws.published().length;
      return {};
    });

    const result = await o.run('run-1', { handler });

    expect(result.error).toBeUndefined();
    expect(result.output).toMatchObject({ targetsAudited: 2, newFindings: 2, published: 1 });
    expect(publishedAtPut).toBe(0);
    const [put, ...more] = s3.commandCalls(PutObjectCommand);
    expect(more).toEqual([]);
    const input = put?.args[0].input;
    expect(input).toMatchObject({
      Bucket: BUCKET,
      ContentType: 'text/html; charset=utf-8',
      ServerSideEncryption: 'AES256',
    });
    expect(input?.Key).toMatch(/^reports\/runs\/\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d(\.\d+)?Z\.html$/);
    // One report for the run: both accounts' violating rooms.
    const body = String(input?.Body);
    expect(body).toContain('room-111-0');
    expect(body).toContain(`room-${AUDITOR_ACCOUNT.slice(0, 3)}-0`);
    const link = `https://s3.console.aws.amazon.com/s3/object/${BUCKET}?region=${REGION}&bucketType=general&prefix=${encodeURIComponent(String(input?.Key))}`;
    const messages = o.aws.published().map(received);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.email).toContain(`The run's full report (HTML, in S3): ${link}\n`);
    expect(messages[0]?.slack.content.nextSteps.at(-1)).toBe(`Read the run's full report: ${link}`);
  });

  it('sends the alert without the link when the report cannot be written', async () => {
    const { o, handler } = await startWithBucket();
    s3.on(PutObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));

    const result = await o.run('run-1', { handler });

    expect(result.error).toBeUndefined();
    expect(result.output).toMatchObject({ newFindings: 2, published: 1 });
    const messages = o.aws.published().map(received);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.email).not.toContain('full report');
    expect(JSON.stringify(messages[0]?.slack)).not.toContain('s3.console');
  });
});
