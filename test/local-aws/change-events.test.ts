import {
  CreateLoggingConfigurationCommand,
  CreateRoomCommand,
  DeleteLoggingConfigurationCommand,
  DeleteRoomCommand,
  GetRoomCommand,
  IvschatClient,
  ListRoomsCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateLoggingConfigurationCommand,
  UpdateRoomCommand,
} from '@aws-sdk/client-ivschat';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type IvschatChangeEvent, type LocalAws, startLocalAws } from '../../local-aws/index.js';
import { ivschat, rejection, sts } from './helpers.js';

const MEMBER = '123456789012';

let aws: LocalAws;
const events: IvschatChangeEvent[] = [];

beforeAll(async () => {
  aws = await startLocalAws({
    port: 0,
    quotas: { enabled: false },
    accounts: [MEMBER],
    onChangeEvent: (event) => events.push(event),
  });
});
afterAll(async () => {
  await aws.close();
});
beforeEach(() => {
  events.length = 0;
  aws.clearRooms();
  aws.clearLoggingConfigurations();
  aws.setFaults({});
});

function only(): IvschatChangeEvent {
  expect(events).toHaveLength(1);
  return events[0] as IvschatChangeEvent;
}

describe('IVS Chat change events (CloudTrail via EventBridge)', () => {
  it('a CreateRoom emits one event with the EventBridge envelope and the new room in responseElements', async () => {
    const answer = await ivschat(aws, { region: 'eu-west-1' }).send(
      new CreateRoomCommand({ name: 'lobby', maximumMessageLength: 300, tags: { owner: 'team-a' } }),
    );
    const event = only();
    expect(event).toMatchObject({
      version: '0',
      'detail-type': 'AWS API Call via CloudTrail',
      source: 'aws.ivschat',
      account: '000000000000',
      region: 'eu-west-1',
      resources: [],
    });
    expect(event.detail).toMatchObject({
      eventVersion: '1.11',
      eventSource: 'ivschat.amazonaws.com',
      eventName: 'CreateRoom',
      awsRegion: 'eu-west-1',
      recipientAccountId: '000000000000',
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      requestParameters: { name: 'lobby', maximumMessageLength: 300, tags: { owner: 'team-a' } },
      responseElements: { arn: answer.arn, id: answer.id, name: 'lobby', maximumMessageLength: 300 },
      userIdentity: { type: 'IAMUser', accountId: '000000000000' },
    });
    expect(event.detail.errorCode).toBeUndefined();
    // The record and the answer share a request id; times are CloudTrail's whole seconds.
    expect(event.detail.requestID).toBe(answer.$metadata.requestId);
    expect(event.detail.eventTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(event.time).toBe(event.detail.eventTime);
    expect(Math.abs(Date.parse(event.detail.eventTime) - Date.now())).toBeLessThan(60_000);
    expect(event.detail.userAgent).toMatch(/aws-sdk-js/);
  });

  it('UpdateRoom, TagResource, UntagResource and DeleteRoom each name the room the change path fetches', async () => {
    const client = ivschat(aws);
    const { arn } = await client.send(new CreateRoomCommand({ name: 'stage' }));
    events.length = 0;
    await client.send(new UpdateRoomCommand({ identifier: arn, maximumMessageLength: 400 }));
    await client.send(new TagResourceCommand({ resourceArn: arn, tags: { env: 'prod' } }));
    await client.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['env'] }));
    await client.send(new DeleteRoomCommand({ identifier: arn }));

    expect(events.map((e) => e.detail.eventName)).toEqual([
      'UpdateRoom',
      'TagResource',
      'UntagResource',
      'DeleteRoom',
    ]);
    const [update, tag, untag, del] = events.map((e) => e.detail);
    expect(update?.requestParameters).toEqual({ identifier: arn, maximumMessageLength: 400 });
    expect(update?.responseElements).toMatchObject({ arn, maximumMessageLength: 400 });
    expect(tag?.requestParameters).toEqual({ resourceArn: arn, tags: { env: 'prod' } });
    expect(tag?.responseElements).toBeNull();
    expect(untag?.requestParameters).toEqual({ resourceArn: arn, tagKeys: ['env'] });
    expect(del?.requestParameters).toEqual({ identifier: arn });
    expect(del?.responseElements).toBeNull();
    expect(new Set(events.map((e) => e.detail.eventID)).size).toBe(4);
    expect(new Set(events.map((e) => e.id)).size).toBe(4);
  });

  it('the logging-configuration writes emit events naming the configuration', async () => {
    const client = ivschat(aws);
    const created = await client.send(
      new CreateLoggingConfigurationCommand({
        name: 'chat-logs',
        destinationConfiguration: { s3: { bucketName: 'chat-logs-bucket' } },
      }),
    );
    await client.send(new UpdateLoggingConfigurationCommand({ identifier: created.arn, name: 'renamed' }));
    await client.send(new DeleteLoggingConfigurationCommand({ identifier: created.arn }));

    expect(events.map((e) => e.detail.eventName)).toEqual([
      'CreateLoggingConfiguration',
      'UpdateLoggingConfiguration',
      'DeleteLoggingConfiguration',
    ]);
    expect(events[0]?.detail.responseElements).toMatchObject({ arn: created.arn, state: 'ACTIVE' });
    expect(events[1]?.detail.requestParameters).toEqual({ identifier: created.arn, name: 'renamed' });
    expect(events[2]?.detail.requestParameters).toEqual({ identifier: created.arn });
  });

  it('a failed write emits an event with errorCode and errorMessage and no responseElements', async () => {
    const client = ivschat(aws);
    const { arn } = await client.send(new CreateRoomCommand({ name: 'stage' }));
    events.length = 0;
    const err = await rejection(
      client.send(new UpdateRoomCommand({ identifier: arn, maximumMessageLength: 1000 })),
    );
    expect(err.name).toBe('ValidationException');

    const event = only();
    expect(event.detail.eventName).toBe('UpdateRoom');
    expect(event.detail.errorCode).toBe('ValidationException');
    expect(event.detail.errorMessage).toMatch(/maximumMessageLength/);
    expect(event.detail.responseElements).toBeNull();
    expect(event.detail.requestParameters).toEqual({ identifier: arn, maximumMessageLength: 1000 });
    // The call changed nothing, which is why the change path ignores such events.
    expect((await client.send(new GetRoomCommand({ identifier: arn }))).maximumMessageLength).toBe(500);
  });

  it('a write refused by an injected access-denied fault is recorded with its error code', async () => {
    const client = ivschat(aws);
    const { arn } = await client.send(new CreateRoomCommand({ name: 'stage' }));
    events.length = 0;
    aws.setFaults({ accessDeniedOperations: ['DeleteRoom'] });
    await rejection(client.send(new DeleteRoomCommand({ identifier: arn })));
    expect(only().detail).toMatchObject({ eventName: 'DeleteRoom', errorCode: 'AccessDeniedException' });
  });

  it("a write through an assumed role names the role's session and the member account", async () => {
    const { Credentials } = await sts(aws).send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${MEMBER}:role/app-deployer`,
        RoleSessionName: 'deploy-42',
      }),
    );
    const member = new IvschatClient({
      endpoint: aws.endpoint,
      region: 'us-west-2',
      credentials: {
        accessKeyId: Credentials?.AccessKeyId as string,
        secretAccessKey: Credentials?.SecretAccessKey as string,
        sessionToken: Credentials?.SessionToken as string,
      },
    });
    const { arn } = await member.send(new CreateRoomCommand({ name: 'member-room' }));
    expect(arn).toContain(`:${MEMBER}:room/`);

    const event = only();
    expect(event.account).toBe(MEMBER);
    expect(event.detail.recipientAccountId).toBe(MEMBER);
    expect(event.detail.awsRegion).toBe('us-west-2');
    expect(event.detail.userIdentity).toMatchObject({
      type: 'AssumedRole',
      arn: `arn:aws:sts::${MEMBER}:assumed-role/app-deployer/deploy-42`,
      accountId: MEMBER,
      accessKeyId: Credentials?.AccessKeyId,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          arn: `arn:aws:iam::${MEMBER}:role/app-deployer`,
          accountId: MEMBER,
          userName: 'app-deployer',
        },
      },
    });
  });

  it("names the session's role by its ARN with its path, as CloudTrail does", async () => {
    const { Credentials } = await sts(aws).send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${MEMBER}:role/auditing/ivschat-auditor-member`,
        RoleSessionName: 'audit',
      }),
    );
    const member = new IvschatClient({
      endpoint: aws.endpoint,
      region: 'us-east-1',
      credentials: {
        accessKeyId: Credentials?.AccessKeyId as string,
        secretAccessKey: Credentials?.SecretAccessKey as string,
        sessionToken: Credentials?.SessionToken as string,
      },
    });
    await member.send(new CreateRoomCommand({ name: 'pathed' }));
    member.destroy();

    expect(only().detail.userIdentity).toMatchObject({
      // The session's ARN has no path; the role's ARN keeps it.
      arn: `arn:aws:sts::${MEMBER}:assumed-role/ivschat-auditor-member/audit`,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          arn: `arn:aws:iam::${MEMBER}:role/auditing/ivschat-auditor-member`,
          userName: 'ivschat-auditor-member',
        },
      },
    });
  });

  it('reads (GetRoom, ListRooms) emit nothing', async () => {
    const client = ivschat(aws);
    const [room] = aws.seedRooms('us-east-1', [{ name: 'seeded' }]);
    await client.send(new GetRoomCommand({ identifier: room?.arn }));
    await client.send(new ListRoomsCommand({}));
    expect(events).toEqual([]);
  });

  it('a listener that throws does not fail the call', async () => {
    const throwing = await startLocalAws({
      quotas: { enabled: false },
      onChangeEvent: () => {
        throw new Error('listener broke');
      },
    });
    try {
      const room = await ivschat(throwing).send(new CreateRoomCommand({ name: 'still-made' }));
      expect(throwing.rooms().map((r) => r.arn)).toEqual([room.arn]);
    } finally {
      await throwing.close();
    }
  });
});
