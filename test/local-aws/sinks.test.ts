import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AwsCallError, type JsonApi, jsonApi } from '../../lambda/aws/json-api.js';
import { toAsff } from '../../lambda/render/asff.js';
import { type LocalAws, startLocalAws } from '../../local-aws/index.js';
import { makeFinding } from '../render/fixtures.js';
import { credentials, rejection } from './helpers.js';

let aws: LocalAws;
let api: JsonApi;
beforeAll(async () => {
  aws = await startLocalAws();
  api = jsonApi({ endpoint: aws.endpoint, credentials, maxAttempts: 1 });
});
afterAll(() => aws.close());
afterEach(() => {
  aws.clearSecurityHubFindings();
  aws.clearEvents();
  aws.setQuotas({});
});

const asff = (overrides = {}) =>
  toAsff(
    makeFinding({
      accountId: '000000000000',
      roomArn: 'arn:aws:ivschat:us-east-1:000000000000:room/abc',
      ...overrides,
    }),
    '2025-01-03T00:00:00.000Z',
  );
const importFindings = (findings: unknown[]) =>
  api({
    service: 'securityhub',
    operation: 'BatchImportFindings',
    region: 'us-east-1',
    path: '/findings/import',
    body: { Findings: findings },
  });
const putEvents = (entries: unknown[]) =>
  api({
    service: 'events',
    operation: 'PutEvents',
    region: 'us-east-1',
    path: '/',
    target: 'AWSEvents.PutEvents',
    body: { Entries: entries },
  });
const entry = (detail = '{}') => ({ Source: 's', DetailType: 'd', Detail: detail, Resources: ['arn:x'] });

describe('local-aws Security Hub BatchImportFindings', () => {
  it('refuses a call of more than 100 findings', async () => {
    const error = await rejection(importFindings(Array.from({ length: 101 }, () => asff())));
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).toMatchObject({ code: 'InvalidInputException', status: 400 });
  });

  it('refuses, one by one, a finding over 240 KB and one naming another account, and keeps the rest', async () => {
    const big = { ...asff(), Id: 'big', Description: 'x'.repeat(250_000) };
    const other = { ...asff(), Id: 'other', AwsAccountId: '111111111111' };
    const good = asff();

    const answer = (await importFindings([big, other, good])) as Record<string, unknown>;

    expect(answer).toMatchObject({ SuccessCount: 1, FailedCount: 2 });
    expect(answer.FailedFindings).toEqual([
      expect.objectContaining({ Id: 'big', ErrorMessage: expect.stringMatching(/240 KB/) }),
      expect.objectContaining({
        Id: 'other',
        ErrorMessage: expect.stringMatching(/AwsAccountId must equal the calling account/),
      }),
    ]);
    expect(aws.securityHubFindings().map((f) => f.finding.Id)).toEqual([good.Id]);
  });

  it('throttles past 10 calls a second with LimitExceededException', async () => {
    const answers = await Promise.allSettled(Array.from({ length: 11 }, () => importFindings([asff()])));
    const refused = answers
      .filter((a) => a.status === 'rejected')
      .map((a) => (a as PromiseRejectedResult).reason);
    expect(refused).toEqual([expect.objectContaining({ code: 'LimitExceededException', status: 429 })]);
  });

  it('shows what arrived over the admin API', async () => {
    await importFindings([asff()]);
    const listed = (await (await fetch(`${aws.endpoint}/_local/securityhub/findings`)).json()) as unknown[];
    expect(listed).toHaveLength(1);
  });
});

describe('local-aws EventBridge PutEvents', () => {
  it('refuses more than 10 entries and more than 256 KB in one call', async () => {
    expect(await rejection(putEvents(Array.from({ length: 11 }, () => entry())))).toMatchObject({
      code: 'ValidationException',
    });
    const half = JSON.stringify({ v: 'x'.repeat(140_000) });
    expect(await rejection(putEvents([entry(half), entry(half)]))).toMatchObject({
      code: 'ValidationException',
      message: expect.stringMatching(/over the limit/),
    });
  });

  it('refuses a malformed entry on its own and accepts the others', async () => {
    const answer = (await putEvents([entry('not json'), entry('{"a":1}')])) as Record<string, unknown>;
    expect(answer.FailedEntryCount).toBe(1);
    expect(answer.Entries).toEqual([
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { EventId: expect.any(String) },
    ]);
    expect(aws.events().map((e) => e.detail)).toEqual([{ a: 1 }]);
  });

  it('answers an unknown JSON 1.1 target with UnknownOperationException, not as another service', async () => {
    const error = await rejection(
      api({
        service: 'events',
        operation: 'Nope',
        region: 'us-east-1',
        path: '/',
        target: 'AWSEvents.Nope',
        body: {},
      }),
    );
    expect(error).toMatchObject({ code: 'UnknownOperationException' });
  });
});
