import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { securityHubClient } from '../../lambda/aws/clients.js';
import type { Finding } from '../../lambda/core/types.js';
import { asffId } from '../../lambda/render/asff.js';
import {
  securityHubImporter,
  securityHubImporters,
  securityHubSink,
} from '../../lambda/sinks/securityhub.js';
import { type LocalAws, startLocalAws } from '../../local-aws/index.js';
import { credentials } from '../local-aws/helpers.js';
import { shapeProblems } from '../render/asff-shape.js';
import { makeAlert, makeFinding } from '../render/fixtures.js';

const LOCAL = '000000000000';
const MEMBER = '111111111111';
/** The rate budget without waiting: these tests are about what is sent, not when. */
const noWait = { now: () => 0, sleep: async () => {} };
let aws: LocalAws;

beforeAll(async () => {
  aws = await startLocalAws({ accounts: [MEMBER] });
});
afterAll(() => aws.close());
afterEach(() => {
  aws.clearSecurityHubFindings();
  aws.setFaults({});
  aws.resetStats();
  aws.setQuotas({}); // refills the 10 TPS import bucket the last test drew from
});

function finding(overrides: Partial<Finding> = {}): Finding {
  const f = makeFinding({ accountId: LOCAL, ...overrides });
  return { ...f, roomArn: `arn:aws:ivschat:${f.region}:${f.accountId}:room/${f.roomId}` };
}

function sink(connection = { endpoint: '', credentials, maxAttempts: 1 }) {
  return securityHubSink({
    importer: securityHubImporters(() => ({ ...connection, endpoint: aws.endpoint })),
    clock: noWait,
  });
}

const importCalls = () => aws.stats()['us-east-1']?.BatchImportFindings?.calls ?? 0;

describe('securityHubSink', () => {
  it('imports 1,000 new findings in 10 calls, each ACTIVE and valid ASFF', async () => {
    const newFindings = Array.from({ length: 1000 }, () => finding());

    const receipt = await sink().deliver(makeAlert({ accountId: LOCAL, newFindings }));

    expect(receipt).toEqual({ sink: 'securityhub', delivered: 1000, messageIds: [] });
    expect(importCalls()).toBe(10);
    const imported = aws.securityHubFindings('us-east-1', LOCAL);
    expect(imported).toHaveLength(1000);
    expect(imported.every((f) => f.finding.RecordState === 'ACTIVE')).toBe(true);
    expect(shapeProblems(imported[0]?.finding, 'AwsSecurityFinding')).toEqual([]);
  });

  it('archives a resolved finding as PASSED in place of the active one', async () => {
    const open = finding();
    await sink().deliver(makeAlert({ accountId: LOCAL, newFindings: [open] }));

    await sink().deliver(
      makeAlert({ accountId: LOCAL, resolvedFindings: [{ ...open, status: 'resolved' }] }),
    );

    const [stored] = aws.securityHubFindings();
    expect(aws.securityHubFindings()).toHaveLength(1);
    expect(stored?.finding).toMatchObject({
      Id: asffId(open.fingerprint),
      RecordState: 'ARCHIVED',
      Compliance: { Status: 'PASSED' },
    });
  });

  it('archives an exempted finding with its reason and sends no reminders', async () => {
    const exempt = finding({ status: 'exempt', exemption: { reason: 'partner event', expired: false } });
    const reminder = finding({ status: 'open' });

    const receipt = await sink().deliver(
      makeAlert({ accountId: LOCAL, exemptedFindings: [exempt], reminders: [reminder] }),
    );

    expect(receipt.delivered).toBe(1);
    expect(aws.securityHubFindings().map((f) => f.finding)).toEqual([
      expect.objectContaining({
        RecordState: 'ARCHIVED',
        ProductFields: expect.objectContaining({ 'ivschat-auditor/ExemptionReason': 'partner event' }),
      }),
    ]);
  });

  it('resends only the findings Security Hub refused, never the accepted ones', async () => {
    aws.setFaults({ securityHubFailFindings: 3 });
    const newFindings = Array.from({ length: 150 }, () => finding());

    const receipt = await sink().deliver(makeAlert({ accountId: LOCAL, newFindings }));

    expect(receipt.delivered).toBe(150);
    expect(receipt.undelivered).toBeUndefined();
    expect(importCalls()).toBe(3); // 100 + 50, then the 3 refused
    const imported = aws.securityHubFindings();
    expect(imported).toHaveLength(150);
    expect(imported.every((f) => f.imports === 1)).toBe(true);
  });

  it("leaves a whole call that failed with a server error to the SDK client's retries", async () => {
    aws.setFaults({ failNext: 1, serverErrorServices: ['securityhub'] });
    const f = finding();

    const receipt = await sink({ endpoint: '', credentials, maxAttempts: 2 }).deliver(
      makeAlert({ accountId: LOCAL, newFindings: [f] }),
    );

    expect(receipt).toEqual({ sink: 'securityhub', delivered: 1, messageIds: [] });
    expect(importCalls()).toBe(2); // the 500, then the SDK's retry
  });

  it('reports as undelivered what still fails after its retries', async () => {
    aws.setFaults({ securityHubFailFindings: 1000 });
    const f = finding();

    const receipt = await sink().deliver(makeAlert({ accountId: LOCAL, newFindings: [f] }));

    expect(receipt.delivered).toBe(0);
    expect(receipt.undelivered).toEqual([f.fingerprint]);
    expect(importCalls()).toBe(4); // once, then 3 retries
  });

  it('reports every finding of an account without Security Hub as undelivered, and imports the others', async () => {
    aws.setFaults({ securityHubDisabledAccounts: [MEMBER] });
    const sts = new STSClient({ endpoint: aws.endpoint, region: 'us-east-1', credentials });
    const { Credentials: c } = await sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${MEMBER}:role/ivschat-auditor-member`,
        RoleSessionName: 'test',
      }),
    );
    const member = {
      accessKeyId: c?.AccessKeyId ?? '',
      secretAccessKey: c?.SecretAccessKey ?? '',
      sessionToken: c?.SessionToken ?? '',
    };
    const ours = finding();
    const theirs = finding({ accountId: MEMBER });
    const s = securityHubSink({
      importer: securityHubImporters((accountId) => ({
        endpoint: aws.endpoint,
        maxAttempts: 1,
        credentials: accountId === MEMBER ? member : credentials,
      })),
      clock: noWait,
    });

    const receipt = await s.deliver(makeAlert({ accountId: LOCAL, newFindings: [ours, theirs] }));

    expect(receipt.delivered).toBe(1);
    expect(receipt.undelivered).toEqual([theirs.fingerprint]);
    expect(receipt.error).toMatch(/^InvalidAccessException in 111111111111\/us-east-1: /);
    expect(aws.securityHubFindings().map((f) => f.accountId)).toEqual([LOCAL]);
  });

  it('imports each finding with the credentials of the account it names', async () => {
    const theirs = finding({ accountId: MEMBER });
    const client = securityHubClient('us-east-1', { endpoint: aws.endpoint, credentials, maxAttempts: 1 });

    // Signed as the local account, a member account's finding is refused, not imported elsewhere.
    const s = securityHubSink({ importer: () => securityHubImporter(client), clock: noWait });
    const receipt = await s.deliver(makeAlert({ newFindings: [theirs] }));

    expect(receipt.undelivered).toEqual([theirs.fingerprint]);
    expect(receipt.error).toMatch(/AwsAccountId must equal the calling account/);
    expect(aws.securityHubFindings()).toEqual([]);
  });
});
