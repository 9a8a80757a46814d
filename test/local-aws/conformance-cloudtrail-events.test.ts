/**
 * Conformance: the CloudTrail records the emulator emits for IVS Chat writes, against AWS's
 * "CloudTrail record contents" page: the role's ARN with its path in `sessionIssuer.arn`, the current
 * `eventVersion`, and the `tlsDetails` every management call over HTTPS carries. Driven with the real
 * SDK clients.
 */
import { CreateRoomCommand, IvschatClient } from '@aws-sdk/client-ivschat';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type IvschatChangeEvent, type LocalAws, startLocalAws } from '../../local-aws/index.js';
import { ivschat, sts } from './helpers.js';

const MEMBER = '123456789012';
let aws: LocalAws;
const events: IvschatChangeEvent[] = [];

beforeAll(async () => {
  aws = await startLocalAws({
    quotas: { enabled: false },
    accounts: [MEMBER],
    onChangeEvent: (event) => events.push(event),
  });
});
afterAll(() => aws.close());
beforeEach(() => {
  events.length = 0;
  aws.clearRooms();
});

function only(): IvschatChangeEvent {
  expect(events).toHaveLength(1);
  return events[0] as IvschatChangeEvent;
}

describe('CloudTrail records of IVS Chat writes', () => {
  it("keeps the role's path in sessionIssuer.arn (the session's ARN has none)", async () => {
    const { Credentials } = await sts(aws).send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${MEMBER}:role/team/ops/deployer`,
        RoleSessionName: 'ci',
      }),
    );
    const member = new IvschatClient({
      endpoint: aws.endpoint,
      region: 'eu-west-1',
      credentials: {
        accessKeyId: Credentials?.AccessKeyId as string,
        secretAccessKey: Credentials?.SecretAccessKey as string,
        sessionToken: Credentials?.SessionToken as string,
      },
    });
    await member.send(new CreateRoomCommand({ name: 'r' }));
    member.destroy();

    const identity = only().detail.userIdentity;
    expect(identity.arn).toBe(`arn:aws:sts::${MEMBER}:assumed-role/deployer/ci`);
    expect(identity).toMatchObject({
      sessionContext: {
        sessionIssuer: { arn: `arn:aws:iam::${MEMBER}:role/team/ops/deployer`, userName: 'deployer' },
      },
    });
  });

  it('carries the current eventVersion (1.11), a major.minor string readers compare by major', async () => {
    await ivschat(aws).send(new CreateRoomCommand({}));
    const { eventVersion } = only().detail;
    expect(eventVersion).toBe('1.11');
    const [major, minor] = eventVersion.split('.').map(Number);
    expect(major).toBe(1);
    // tlsDetails arrived in 1.08: a record carrying it cannot claim an older version.
    expect(minor).toBeGreaterThanOrEqual(8);
  });

  it('carries tlsDetails naming the regional endpoint the call was made to', async () => {
    await ivschat(aws, { region: 'ap-northeast-1' }).send(new CreateRoomCommand({}));
    expect(only().detail.tlsDetails).toEqual({
      tlsVersion: expect.stringMatching(/^TLSv1\.[23]$/),
      cipherSuite: expect.any(String),
      clientProvidedHostHeader: 'ivschat.ap-northeast-1.amazonaws.com',
    });
  });
});
