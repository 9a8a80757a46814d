/**
 * Conformance: Security Hub `BatchImportFindings` (restJson1) answered to the real
 * @aws-sdk/client-securityhub: the response shape and the error classes the securityhub service model
 * names (InvalidInputException 400, InvalidAccessException 401, LimitExceededException 429,
 * InternalException 500), which the SDK's retry strategy classifies; and each ASFF rule the model and
 * the ASFF guide state, refused per finding as Security Hub refuses it.
 */
import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  InternalException,
  InvalidAccessException,
  InvalidInputException,
  LimitExceededException,
} from '@aws-sdk/client-securityhub';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AsffFinding, toAsff } from '../../lambda/render/asff.js';
import { type LocalAws, startLocalAws } from '../../local-aws/index.js';
import { makeFinding } from '../render/fixtures.js';
import { rejection, securityHub } from './helpers.js';

const LOCAL = '000000000000';
let aws: LocalAws;
beforeAll(async () => {
  aws = await startLocalAws();
});
afterAll(() => aws.close());
afterEach(() => {
  aws.clearSecurityHubFindings();
  aws.setFaults({});
  aws.setQuotas({});
});

const asff = (): AsffFinding =>
  toAsff(
    makeFinding({ accountId: LOCAL, roomArn: `arn:aws:ivschat:us-east-1:${LOCAL}:room/abc` }),
    '2025-01-03T00:00:00.000Z',
  );
const importFindings = (findings: object[], maxAttempts = 1) =>
  securityHub(aws, { maxAttempts }).send(
    new BatchImportFindingsCommand({ Findings: findings as AwsSecurityFinding[] }),
  );

describe('Security Hub BatchImportFindings through the SDK client', () => {
  it('answers the counts and the refused findings as the model shapes them', async () => {
    const big = { ...asff(), Id: 'big', Description: 'x'.repeat(250_000) };
    const other = { ...asff(), Id: 'other', AwsAccountId: '111111111111' };
    const good = asff();

    const answer = await importFindings([big, other, good]);

    expect(answer).toMatchObject({ SuccessCount: 1, FailedCount: 2 });
    expect(answer.FailedFindings).toEqual([
      { Id: 'big', ErrorCode: 'InvalidInput', ErrorMessage: expect.stringMatching(/240 KB/) },
      {
        Id: 'other',
        ErrorCode: 'AccessDeniedException',
        ErrorMessage: expect.stringMatching(/AwsAccountId must equal the calling account/),
      },
    ]);
    expect(aws.securityHubFindings().map((f) => f.finding.Id)).toEqual([good.Id]);
  });

  it('refuses a call of more than 100 findings with InvalidInputException 400', async () => {
    const error = await rejection(importFindings(Array.from({ length: 101 }, () => asff())));
    expect(error).toBeInstanceOf(InvalidInputException);
    expect(error).toMatchObject({ $metadata: { httpStatusCode: 400 } });
    expect(error.message).toMatch(/1 to 100 findings/);
  });

  it('refuses an account without Security Hub with InvalidAccessException 401', async () => {
    aws.setFaults({ securityHubDisabledAccounts: [LOCAL] });
    const error = await rejection(importFindings([asff()]));
    expect(error).toBeInstanceOf(InvalidAccessException);
    expect(error).toMatchObject({ $metadata: { httpStatusCode: 401 } });
    expect(error.message).toMatch(/not subscribed to AWS Security Hub/);
  });

  it('throttles past 10 calls a second with LimitExceededException 429, a throttling error to the SDK', async () => {
    const answers = await Promise.allSettled(Array.from({ length: 11 }, () => importFindings([asff()])));
    const refused = answers
      .filter((a) => a.status === 'rejected')
      .map((a) => (a as PromiseRejectedResult).reason as LimitExceededException);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toBeInstanceOf(LimitExceededException);
    expect(refused[0]).toMatchObject({ $metadata: { httpStatusCode: 429 } });
  });

  it('answers an injected server fault with InternalException 500, which the SDK retries', async () => {
    aws.setFaults({ failNext: 1, serverErrorServices: ['securityhub'] });
    const error = await rejection(importFindings([asff()]));
    expect(error).toBeInstanceOf(InternalException);
    expect(error).toMatchObject({ $fault: 'server', $metadata: { httpStatusCode: 500 } });

    aws.setFaults({ failNext: 1, serverErrorServices: ['securityhub'] });
    const answer = await importFindings([asff()], 2);
    expect(answer).toMatchObject({ SuccessCount: 1, $metadata: { attempts: 2 } });
  });

  it('shows what arrived over the admin API', async () => {
    await importFindings([asff()]);
    const listed = (await (await fetch(`${aws.endpoint}/_local/securityhub/findings`)).json()) as unknown[];
    expect(listed).toHaveLength(1);
  });
});

/** One ASFF rule each: the finding that breaks it, and what the refusal names. */
const RULES: [string, (f: AsffFinding) => object, RegExp][] = [
  [
    'a Title over 256 characters',
    (f) => ({ ...f, Title: 't'.repeat(257) }),
    /data\.Title should NOT be longer than 256/,
  ],
  ['a blank Title', (f) => ({ ...f, Title: ' \t ' }), /data\.Title should be a non-blank string/],
  [
    'a Description over 1,024 characters',
    (f) => ({ ...f, Description: 'd'.repeat(1025) }),
    /data\.Description should NOT be longer than 1024/,
  ],
  [
    'an unknown severity label',
    (f) => ({ ...f, Severity: { Label: 'SEVERE' } }),
    /data\.Severity\.Label should be equal to one of the allowed values/,
  ],
  [
    'an unknown workflow status',
    (f) => ({ ...f, Workflow: { Status: 'OPEN' } }),
    /data\.Workflow\.Status should be equal to one of the allowed values/,
  ],
  [
    '51 ProductFields',
    (f) => ({
      ...f,
      ProductFields: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])),
    }),
    /data\.ProductFields should NOT have more than 50 properties/,
  ],
  ['0 Resources', (f) => ({ ...f, Resources: [] }), /data\.Resources should NOT have fewer than 1 items/],
  [
    '33 Resources',
    (f) => ({ ...f, Resources: Array.from({ length: 33 }, () => f.Resources[0]) }),
    /data\.Resources should NOT have more than 32 items/,
  ],
  [
    'a Resource without Id',
    (f) => ({ ...f, Resources: [{ Type: 'Other' }] }),
    /data\.Resources\[0\] should have required property 'Id'/,
  ],
  [
    'a Type outside namespace/category/classifier',
    (f) => ({ ...f, Types: ['Drift/IVS/Room/Extra'] }),
    /data\.Types\[0\] should be namespace\/category\/classifier/,
  ],
  [
    'an Id over 512 characters',
    (f) => ({ ...f, Id: 'i'.repeat(513) }),
    /data\.Id should NOT be longer than 512/,
  ],
  [
    'a CreatedAt that is not a timestamp',
    (f) => ({ ...f, CreatedAt: 'yesterday' }),
    /data\.CreatedAt should match format "date-time"/,
  ],
  [
    'an UpdatedAt offset beyond +/-18:00',
    (f) => ({ ...f, UpdatedAt: '2024-01-04T15:25:10+19:00' }),
    /data\.UpdatedAt should match format "date-time"/,
  ],
  [
    'a CreatedAt offset of -18:01',
    (f) => ({ ...f, CreatedAt: '2024-01-04T15:25:10-18:01' }),
    /data\.CreatedAt should match format "date-time"/,
  ],
  [
    'a CreatedAt offset with 99 minutes',
    (f) => ({ ...f, CreatedAt: '2024-01-04T15:25:10+12:99' }),
    /data\.CreatedAt should match format "date-time"/,
  ],
  [
    'a CreatedAt offset of +99 hours',
    (f) => ({ ...f, CreatedAt: '2024-01-04T15:25:10+99' }),
    /data\.CreatedAt should match format "date-time"/,
  ],
  [
    'no Severity (required by the ASFF guide)',
    ({ Severity: _s, ...f }) => f,
    /data should have required property 'Severity'/,
  ],
  [
    'no Types (required by the ASFF guide)',
    ({ Types: _t, ...f }) => f,
    /data should have required property 'Types'/,
  ],
  ['empty Types', (f) => ({ ...f, Types: [] }), /data\.Types should NOT have fewer than 1 items/],
  [
    'a Recommendation.Text over 512 characters',
    (f) => ({
      ...f,
      Remediation: { Recommendation: { ...f.Remediation.Recommendation, Text: 'r'.repeat(513) } },
    }),
    /data\.Remediation\.Recommendation\.Text should be a non-blank string of at most 512/,
  ],
  [
    'a Details.Other value of 1,024 characters',
    (f) => ({ ...f, Resources: [{ ...f.Resources[0], Details: { Other: { actual: 'a'.repeat(1024) } } }] }),
    /data\.Resources\[0\]\.Details\.Other \['actual'\] should be a string of fewer than 1024/,
  ],
  [
    'a SchemaVersion other than 2018-10-08',
    (f) => ({ ...f, SchemaVersion: '2020-01-01' }),
    /data\.SchemaVersion should be equal to 2018-10-08/,
  ],
];

describe('Security Hub refuses what the ASFF refuses, finding by finding', () => {
  // One import per rule, quicker than the 10-a-second quota: the throttle is tested above.
  beforeEach(() => aws.setQuotas({ enabled: false }));
  afterEach(() => aws.setQuotas({ enabled: true }));

  it.each(RULES)(
    'refuses %s as InvalidInput and imports the valid finding beside it',
    async (_rule, breakIt, why) => {
      const bad = breakIt(asff());
      const good = asff();

      const answer = await importFindings([bad, good]);

      expect(answer).toMatchObject({ SuccessCount: 1, FailedCount: 1 });
      expect(answer.FailedFindings?.[0]).toMatchObject({
        ErrorCode: 'InvalidInput',
        ErrorMessage: expect.stringMatching(/^Finding does not adhere to Amazon Finding Format\. /),
      });
      expect(answer.FailedFindings?.[0]?.ErrorMessage).toMatch(why);
      expect(aws.securityHubFindings().map((f) => f.finding.Id)).toEqual([good.Id]);
    },
  );

  it('accepts the limits themselves: 256, 1,024 and 512 characters, 50 fields, 32 resources, an offset timestamp', async () => {
    const f = asff();
    const edge = {
      ...f,
      Id: 'i'.repeat(512),
      Title: '😀'.repeat(256),
      Description: 'd'.repeat(1024),
      ProductFields: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v'])),
      Resources: Array.from({ length: 32 }, () => f.Resources[0]),
      CreatedAt: '2024-01-04T15:25:10.123456789+17:59',
      UpdatedAt: '2024-01-04T15:25:10-18:00',
      FirstObservedAt: '2024-01-04T15:25:10+1800',
      LastObservedAt: '2024-01-04T15:25:10+05',
      Types: ['Software and Configuration Checks', 'TTPs/Discovery'],
    };
    const answer = await importFindings([edge]);
    expect(answer).toMatchObject({ SuccessCount: 1, FailedCount: 0 });
  });

  it('answers a request over 6 MB with InvalidInputException 400, the only input error the model names', async () => {
    const finding = { ...asff(), ProductFields: { note: 'x'.repeat(2048) } };
    // 100 findings of ~70 KB: under 240 KB each, over 6 MB together.
    const padded = Array.from({ length: 100 }, (_, i) => ({
      ...finding,
      Id: `big-${i}`,
      Resources: [{ ...finding.Resources[0], Details: { Other: { pad: 'p'.repeat(1000) } } }],
      Note: { Text: 'n'.repeat(70_000), UpdatedBy: 'x', UpdatedAt: finding.UpdatedAt },
    }));
    const error = await rejection(importFindings(padded));
    expect(error).toBeInstanceOf(InvalidInputException);
    expect(error).toMatchObject({ $metadata: { httpStatusCode: 400 } });
    expect(error.message).toMatch(/6 MB/);
  });
});

describe('our ASFF renderer against the stricter Security Hub', () => {
  it('every finding it renders from hostile room data is imported', async () => {
    const room = `arn:aws:ivschat:us-east-1:${LOCAL}:room/abc`;
    const hostile = [
      makeFinding({ accountId: LOCAL, roomArn: room, title: 'T'.repeat(5000), message: 'M\n'.repeat(5000) }),
      makeFinding({ accountId: LOCAL, roomArn: room, title: '😀'.repeat(300), roomName: '😀'.repeat(600) }),
      makeFinding({ accountId: LOCAL, roomArn: room, title: ' \u0007 ', message: '' }),
      makeFinding({ accountId: LOCAL, roomArn: room, fingerprint: 'f'.repeat(600), path: 'p'.repeat(3000) }),
    ].map((f) => toAsff(f, '2025-01-03T00:00:00.000Z'));

    const answer = await importFindings(hostile);

    expect(answer.FailedFindings).toEqual([]);
    expect(answer.SuccessCount).toBe(hostile.length);
  });
});
