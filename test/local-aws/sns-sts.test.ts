import {
  CreateTopicCommand,
  InvalidParameterException,
  NotFoundException,
  PublishCommand,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalAws, type PublishedMessage, startLocalAws } from '../../local-aws/index.js';
import { rejection, sns, sts } from './helpers.js';

let aws: LocalAws;
let topicArn: string;
beforeAll(async () => {
  aws = await startLocalAws();
});
afterAll(async () => {
  await aws.close();
});
beforeEach(async () => {
  aws.clearPublished();
  topicArn = (await sns(aws).send(new CreateTopicCommand({ Name: 'ivschat-audit-alerts' })))
    .TopicArn as string;
});

describe('SNS', () => {
  it('CreateTopic is idempotent and regional; Subscribe is recorded', async () => {
    expect(topicArn).toBe('arn:aws:sns:us-east-1:000000000000:ivschat-audit-alerts');
    const again = await sns(aws).send(new CreateTopicCommand({ Name: 'ivschat-audit-alerts' }));
    expect(again.TopicArn).toBe(topicArn);
    const eu = await sns(aws, { region: 'eu-west-1' }).send(
      new CreateTopicCommand({ Name: 'ivschat-audit-alerts' }),
    );
    expect(eu.TopicArn).toBe('arn:aws:sns:eu-west-1:000000000000:ivschat-audit-alerts');
    const sub = await sns(aws).send(
      new SubscribeCommand({ TopicArn: topicArn, Protocol: 'email', Endpoint: 'ops@example.com' }),
    );
    expect(sub.SubscriptionArn).toBe('pending confirmation');
    expect(aws.subscriptions('us-east-1').at(-1)).toMatchObject({
      protocol: 'email',
      endpoint: 'ops@example.com',
    });
  });

  it('Publish with MessageStructure json is readable back with its attributes (programmatically and over HTTP)', async () => {
    const message = JSON.stringify({
      default: 'Drift found',
      email: 'Drift found in 3 rooms',
      lambda: '{"x":1}',
    });
    const res = await sns(aws).send(
      new PublishCommand({
        TopicArn: topicArn,
        Message: message,
        MessageStructure: 'json',
        Subject: 'IVS Chat drift: 3 findings',
        MessageAttributes: {
          severity: { DataType: 'String', StringValue: 'high' },
          count: { DataType: 'Number', StringValue: '3' },
          blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) },
        },
      }),
    );
    const [published] = aws.published();
    expect(published).toMatchObject({
      region: 'us-east-1',
      topicArn,
      messageId: res.MessageId,
      message,
      subject: 'IVS Chat drift: 3 findings',
      messageStructure: 'json',
      messages: { default: 'Drift found', email: 'Drift found in 3 rooms' },
      messageAttributes: {
        severity: { DataType: 'String', StringValue: 'high' },
        count: { DataType: 'Number', StringValue: '3' },
        blob: { DataType: 'Binary', BinaryValue: 'AQID' },
      },
    });
    expect(aws.published('eu-west-1')).toEqual([]);

    const overHttp = (await (
      await fetch(`${aws.endpoint}/_local/sns/published`)
    ).json()) as PublishedMessage[];
    expect(overHttp).toEqual(aws.published());
  });

  it.each([
    ['not json', 'Invalid parameter: Message Structure - JSON message body failed to parse'],
    ['{"email":"x"}', 'Invalid parameter: Message Structure - No default entry in JSON message body'],
  ])('MessageStructure json rejects %s', async (Message, expected) => {
    const err = await rejection(
      sns(aws).send(new PublishCommand({ TopicArn: topicArn, Message, MessageStructure: 'json' })),
    );
    expect(err).toBeInstanceOf(InvalidParameterException);
    expect(err.message).toBe(expected);
  });

  it('oversize (> 256 KiB incl. attributes) publish is rejected with InvalidParameter', async () => {
    const client = sns(aws);
    await client.send(new PublishCommand({ TopicArn: topicArn, Message: 'x'.repeat(262_144) }));
    const tooBig = await rejection(
      client.send(new PublishCommand({ TopicArn: topicArn, Message: 'x'.repeat(262_145) })),
    );
    expect(tooBig).toBeInstanceOf(InvalidParameterException);
    expect(tooBig.message).toBe('Invalid parameter: Message too long');
    expect(tooBig.$metadata).toMatchObject({ httpStatusCode: 400 });
    const withAttrs = await rejection(
      client.send(
        new PublishCommand({
          TopicArn: topicArn,
          Message: 'x'.repeat(262_100),
          MessageAttributes: { note: { DataType: 'String', StringValue: 'y'.repeat(100) } },
        }),
      ),
    );
    expect(withAttrs).toBeInstanceOf(InvalidParameterException);
    expect(aws.published()).toHaveLength(1);
  });

  it.each([['line\nbreak'], ['x'.repeat(101)], ['tab\tinside'], ['bell\u0007'], ['']])(
    'a bad subject %j is rejected with InvalidParameter',
    async (Subject) => {
      const err = await rejection(
        sns(aws).send(new PublishCommand({ TopicArn: topicArn, Message: 'hi', Subject })),
      );
      expect(err).toBeInstanceOf(InvalidParameterException);
      expect(err.message).toBe('Invalid parameter: Subject');
    },
  );

  it('a 99-character printable subject is accepted, and 100 is refused (the model: less than 100)', async () => {
    await sns(aws).send(
      new PublishCommand({ TopicArn: topicArn, Message: 'hi', Subject: `S${'!'.repeat(98)}` }),
    );
    expect(aws.published()).toHaveLength(1);
    const err = await rejection(
      sns(aws).send(new PublishCommand({ TopicArn: topicArn, Message: 'hi', Subject: `S${'!'.repeat(99)}` })),
    );
    expect(err).toBeInstanceOf(InvalidParameterException);
  });

  it('Publish to an unknown topic (or another region) raises NotFoundException', async () => {
    const err = await rejection(
      sns(aws).send(
        new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:nope', Message: 'x' }),
      ),
    );
    expect(err).toBeInstanceOf(NotFoundException);
    expect(err.$metadata).toMatchObject({ httpStatusCode: 404 });
    await expect(
      sns(aws, { region: 'ap-south-1' }).send(new PublishCommand({ TopicArn: topicArn, Message: 'x' })),
    ).rejects.toBeInstanceOf(NotFoundException);
  });
});

describe('STS', () => {
  it('GetCallerIdentity returns the fixed account id', async () => {
    const id = await sts(aws, { region: 'eu-west-1' }).send(new GetCallerIdentityCommand({}));
    expect(id.Account).toBe('000000000000');
    expect(id.Arn).toMatch(/^arn:aws:iam::000000000000:/);
  });
});
