/**
 * Conformance: Security Hub `BatchImportFindings` (restJson1) answered to the real
 * @aws-sdk/client-securityhub: the response shape and the error classes the securityhub service model
 * names (InvalidInputException 400, InvalidAccessException 401, LimitExceededException 429,
 * InternalException 500), which the SDK's retry strategy classifies.
 */
import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  InternalException,
  InvalidAccessException,
  InvalidInputException,
  LimitExceededException,
} from '@aws-sdk/client-securityhub';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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
