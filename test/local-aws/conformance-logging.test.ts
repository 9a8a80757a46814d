/**
 * Conformance: the logging-configuration operations as the ivschat 2020-07-14 service model
 * defines them, driven with the real @aws-sdk/client-ivschat.
 */
import {
  ConflictException,
  CreateLoggingConfigurationCommand,
  type CreateLoggingConfigurationCommandInput,
  DeleteLoggingConfigurationCommand,
  GetLoggingConfigurationCommand,
  type IvschatClient,
  ListLoggingConfigurationsCommand,
  ListRoomsCommand,
  ListTagsForResourceCommand,
  paginateListLoggingConfigurations,
  ResourceNotFoundException,
  TagResourceCommand,
  ThrottlingException,
  UpdateLoggingConfigurationCommand,
  ValidationException,
} from '@aws-sdk/client-ivschat';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  IVSCHAT_QUOTA_GROUPS,
  IVSCHAT_RATE_LIMITS,
  type LocalAws,
  startLocalAws,
} from '../../local-aws/index.js';
import { ivschat, rejection, sts } from './helpers.js';

let aws: LocalAws;
beforeAll(async () => {
  aws = await startLocalAws({ quotas: { enabled: false }, accounts: ['111111111111'] });
});
afterAll(async () => {
  await aws.close();
});
beforeEach(() => {
  aws.clearLoggingConfigurations();
  aws.clearRooms();
  aws.setQuotas({ enabled: false });
});

const s3 = { s3: { bucketName: 'chat-logs' } };

async function create(client: IvschatClient, input: Partial<CreateLoggingConfigurationCommandInput> = {}) {
  return client.send(new CreateLoggingConfigurationCommand({ destinationConfiguration: s3, ...input }));
}

describe('CreateLoggingConfiguration', () => {
  it('answers the configuration ACTIVE with an ARN in the caller account and region', async () => {
    const created = await create(ivschat(aws, { region: 'eu-west-1' }), {
      name: 'audit-logs',
      tags: { owner: 'sec' },
    });
    expect(created.arn).toMatch(
      /^arn:aws:ivschat:eu-west-1:000000000000:logging-configuration\/[a-zA-Z0-9]{12}$/,
    );
    expect(created).toMatchObject({
      id: created.arn?.split('/')[1],
      name: 'audit-logs',
      state: 'ACTIVE',
      destinationConfiguration: s3,
      tags: { owner: 'sec' },
    });
    expect(created.createTime).toBeInstanceOf(Date);
    expect(aws.loggingConfigurations('eu-west-1')).toHaveLength(1);
    expect(aws.loggingConfigurations('us-east-1')).toHaveLength(0);
  });

  it.each([
    ['cloudWatchLogs', { cloudWatchLogs: { logGroupName: '/aws/ivschat/audit' } }],
    ['firehose', { firehose: { deliveryStreamName: 'chat-stream' } }],
  ])('accepts a %s destination', async (_type, destinationConfiguration) => {
    const created = await create(ivschat(aws), { destinationConfiguration });
    expect(created.destinationConfiguration).toEqual(destinationConfiguration);
  });

  it('refuses a destination with two members (the union takes exactly one)', async () => {
    const err = await rejection(
      create(ivschat(aws), {
        destinationConfiguration: {
          s3: { bucketName: 'chat-logs' },
          firehose: { deliveryStreamName: 'chat-stream' },
        } as never,
      }),
    );
    expect(err).toBeInstanceOf(ValidationException);
    expect((err as unknown as ValidationException).fieldList?.map((f) => f.name)).toEqual([
      'destinationConfiguration',
    ]);
  });

  it('refuses an empty destination and a missing one, naming the field', async () => {
    for (const destinationConfiguration of [{}, undefined]) {
      const err = await rejection(
        ivschat(aws).send(
          new CreateLoggingConfigurationCommand({
            destinationConfiguration,
          } as CreateLoggingConfigurationCommandInput),
        ),
      );
      expect(err).toBeInstanceOf(ValidationException);
      expect((err as unknown as ValidationException).fieldList?.[0]?.name).toBe('destinationConfiguration');
    }
  });

  it('refuses a bucket name outside the model (3–63 of [a-z0-9-.]) and lists every bad field', async () => {
    const err = await rejection(
      create(ivschat(aws), {
        name: 'bad name!',
        destinationConfiguration: { s3: { bucketName: 'No_Caps' } },
      }),
    );
    expect(err).toBeInstanceOf(ValidationException);
    expect((err as unknown as ValidationException).fieldList?.map((f) => f.name)).toEqual([
      'name',
      'destinationConfiguration.s3.bucketName',
    ]);
    expect(err.message).toMatch(/^2 validation errors detected: /);
  });
});

describe('Get, Update, Delete', () => {
  it('GetLoggingConfiguration answers what Create made; an unknown id is ResourceNotFoundException with the bare id', async () => {
    const client = ivschat(aws);
    const created = await create(client, { name: 'one' });
    const got = await client.send(new GetLoggingConfigurationCommand({ identifier: created.arn }));
    expect(got).toMatchObject({
      arn: created.arn,
      name: 'one',
      state: 'ACTIVE',
      destinationConfiguration: s3,
    });

    const missing = 'arn:aws:ivschat:us-east-1:000000000000:logging-configuration/Nope00000000';
    const err = await rejection(client.send(new GetLoggingConfigurationCommand({ identifier: missing })));
    expect(err).toBeInstanceOf(ResourceNotFoundException);
    expect(err).toMatchObject({ resourceId: 'Nope00000000', resourceType: 'ROOM' });
  });

  it('UpdateLoggingConfiguration changes name and destination, bumps updateTime, and answers ACTIVE', async () => {
    const client = ivschat(aws);
    const created = await create(client, { name: 'before' });
    await new Promise((r) => setTimeout(r, 5));
    const updated = await client.send(
      new UpdateLoggingConfigurationCommand({
        identifier: created.arn,
        name: 'after',
        destinationConfiguration: { cloudWatchLogs: { logGroupName: 'chat' } },
      }),
    );
    expect(updated).toMatchObject({
      name: 'after',
      state: 'ACTIVE',
      destinationConfiguration: { cloudWatchLogs: { logGroupName: 'chat' } },
    });
    expect(updated.updateTime?.getTime()).toBeGreaterThan(created.updateTime?.getTime() ?? Infinity);
    expect(updated.createTime).toEqual(created.createTime);
  });

  it('DeleteLoggingConfiguration answers 204; rooms naming it keep the (now dangling) identifier', async () => {
    const client = ivschat(aws);
    const created = await create(client);
    const [room] = aws.seedRooms('us-east-1', [
      { name: 'r', loggingConfigurationIdentifiers: [created.arn as string] },
    ]);
    const deleted = await client.send(new DeleteLoggingConfigurationCommand({ identifier: created.arn }));
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    await expect(
      client.send(new GetLoggingConfigurationCommand({ identifier: created.arn })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    expect(aws.rooms('us-east-1').find((r) => r.arn === room?.arn)?.loggingConfigurationIdentifiers).toEqual([
      created.arn,
    ]);
  });

  it('Update and Delete of a configuration in progress (CREATING, UPDATING, DELETING) answer ConflictException', async () => {
    const [creating] = aws.seedLoggingConfigurations('us-east-1', [
      { id: 'Creating0001', state: 'CREATING', destinationConfiguration: s3 },
    ]);
    const client = ivschat(aws);
    for (const command of [
      new UpdateLoggingConfigurationCommand({ identifier: creating?.arn, name: 'x' }),
      new DeleteLoggingConfigurationCommand({ identifier: creating?.arn }),
    ]) {
      const err = await rejection(client.send(command as never));
      expect(err).toBeInstanceOf(ConflictException);
      expect(err).toMatchObject({ resourceId: 'Creating0001', resourceType: 'ROOM' });
    }
  });

  it('tags a logging configuration and lists its tags; aws: keys are refused', async () => {
    const client = ivschat(aws);
    const created = await create(client, { tags: { a: '1' } });
    await client.send(new TagResourceCommand({ resourceArn: created.arn, tags: { b: '2' } }));
    const { tags } = await client.send(new ListTagsForResourceCommand({ resourceArn: created.arn }));
    expect(tags).toEqual({ a: '1', b: '2' });
    const err = await rejection(create(client, { tags: { 'aws:owner': 'x' } }));
    expect(err).toBeInstanceOf(ValidationException);
    expect((err as unknown as ValidationException).fieldList?.[0]?.name).toBe('tags.key');
  });
});

describe('ListLoggingConfigurations', () => {
  it('pages at most 50 a page with nextToken and lists each configuration once', async () => {
    aws.seedLoggingConfigurations(
      'us-east-1',
      Array.from({ length: 120 }, (_, i) => ({ name: `c${i}`, destinationConfiguration: s3 })),
    );
    const client = ivschat(aws);
    const first = await client.send(new ListLoggingConfigurationsCommand({}));
    expect(first.loggingConfigurations).toHaveLength(50);
    expect(first.nextToken).toBeTruthy();
    const sizes: number[] = [];
    const arns: string[] = [];
    for await (const page of paginateListLoggingConfigurations({ client }, {})) {
      sizes.push(page.loggingConfigurations?.length ?? 0);
      arns.push(...(page.loggingConfigurations ?? []).map((c) => c.arn as string));
    }
    expect(sizes).toEqual([50, 50, 20]);
    expect(new Set(arns).size).toBe(120);
  });

  it('refuses maxResults 51 and a forged nextToken', async () => {
    const client = ivschat(aws);
    const tooMany = await rejection(client.send(new ListLoggingConfigurationsCommand({ maxResults: 51 })));
    expect(tooMany).toBeInstanceOf(ValidationException);
    expect((tooMany as unknown as ValidationException).fieldList?.[0]?.name).toBe('maxResults');
    const forged = await rejection(
      client.send(new ListLoggingConfigurationsCommand({ nextToken: 'forged' })),
    );
    expect(forged).toBeInstanceOf(ValidationException);
  });

  it('lists seeded configurations in every state the model has, with their state', async () => {
    const states = [
      'CREATING',
      'CREATE_FAILED',
      'DELETING',
      'DELETE_FAILED',
      'UPDATING',
      'UPDATE_FAILED',
      'ACTIVE',
    ];
    aws.seedLoggingConfigurations(
      'us-east-1',
      states.map((state, i) => ({ id: `State0000${i}0a`.slice(0, 12), state, destinationConfiguration: s3 })),
    );
    const { loggingConfigurations } = await ivschat(aws).send(new ListLoggingConfigurationsCommand({}));
    expect(loggingConfigurations?.map((c) => c.state).sort()).toEqual([...states].sort());
  });

  it('keeps each account × region apart', async () => {
    const { Credentials } = await sts(aws).send(
      new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::111111111111:role/member', RoleSessionName: 'audit' }),
    );
    const member = ivschat(aws, { region: 'eu-west-1' });
    member.config.credentials = async () => ({
      accessKeyId: Credentials?.AccessKeyId as string,
      secretAccessKey: Credentials?.SecretAccessKey as string,
      sessionToken: Credentials?.SessionToken as string,
    });
    const created = await create(member);
    expect(created.arn).toContain(':eu-west-1:111111111111:');
    expect((await member.send(new ListLoggingConfigurationsCommand({}))).loggingConfigurations).toHaveLength(
      1,
    );
    for (const region of ['eu-west-1', 'us-east-1']) {
      const own = await ivschat(aws, { region }).send(new ListLoggingConfigurationsCommand({}));
      expect(own.loggingConfigurations).toEqual([]);
    }
  });
});

describe('quota', () => {
  it('the five logging-configuration operations are 3 TPS each, and all draw from one bucket', async () => {
    for (const op of ['Create', 'Get', 'List', 'Update', 'Delete']) {
      const name = op === 'List' ? 'ListLoggingConfigurations' : `${op}LoggingConfiguration`;
      expect(IVSCHAT_RATE_LIMITS[name], name).toBe(3);
      expect(IVSCHAT_QUOTA_GROUPS[name], name).toBe('LoggingConfiguration');
    }
    aws.seedLoggingConfigurations('us-east-1', [{ id: 'Quota0000001', destinationConfiguration: s3 }]);
    const arn = 'arn:aws:ivschat:us-east-1:000000000000:logging-configuration/Quota0000001';
    // Scale 1/3: a bucket of one token refilled once a second, so the second call of any of the
    // operations is throttled, whichever operation took the token.
    aws.setQuotas({ enabled: true, scale: 1 / 3 });
    const client = ivschat(aws, { maxAttempts: 1 });
    await client.send(new ListLoggingConfigurationsCommand({}));
    for (const command of [
      new GetLoggingConfigurationCommand({ identifier: arn }),
      new UpdateLoggingConfigurationCommand({ identifier: arn, name: 'x' }),
    ]) {
      const err = await rejection(client.send(command as never));
      expect(err).toBeInstanceOf(ThrottlingException);
      expect(err).toMatchObject({ limit: 1, resourceId: 'Quota0000001', resourceType: 'ROOM' });
    }
    // Another region, another account's bucket, and the room operations are not affected.
    await expect(
      ivschat(aws, { region: 'eu-west-1', maxAttempts: 1 }).send(new ListLoggingConfigurationsCommand({})),
    ).resolves.toBeDefined();
    await expect(client.send(new ListRoomsCommand({}))).resolves.toBeDefined();
  });
});
