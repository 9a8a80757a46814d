/**
 * Conformance: SNS Publish validation (MessageStructure json, message attributes, Subject), Subscribe's
 * protocols, and the awsQuery answers' request ids (SNS and STS), with the real @aws-sdk/client-sns and
 * client-sts; error codes as the service models name them.
 */
import {
  CreateTopicCommand,
  InvalidParameterException,
  InvalidParameterValueException,
  type MessageAttributeValue,
  PublishCommand,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand, STSServiceException } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '../../local-aws/index.js';
import { duplicateTopLevelKey } from '../../local-aws/sns.js';
import { recordAnswers, rejection, sns, sts } from './helpers.js';

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
  topicArn = (await sns(aws).send(new CreateTopicCommand({ Name: 'alerts' }))).TopicArn as string;
});

const publishJson = (Message: string) =>
  sns(aws).send(new PublishCommand({ TopicArn: topicArn, MessageStructure: 'json', Message }));
const publishAttrs = (MessageAttributes: Record<string, MessageAttributeValue>) =>
  sns(aws).send(new PublishCommand({ TopicArn: topicArn, Message: 'hi', MessageAttributes }));

describe('Publish with MessageStructure json', () => {
  it.each([
    // A non-string value makes SNS ignore its key, so this message has no default left.
    ['a non-string default', '{"default":{"text":"hi"}}', 'No default entry'],
    ['a duplicate key', '{"default":"a","email":"b","default":"c"}', "Duplicate key 'default'"],
  ])('refuses %s with InvalidParameter and publishes nothing', async (_case, message, detail) => {
    const err = await rejection(publishJson(message));
    expect(err).toBeInstanceOf(InvalidParameterException);
    expect(err.message).toContain('Invalid parameter: Message Structure');
    expect(err.message).toContain(detail);
    expect(aws.published()).toEqual([]);
  });

  it('ignores a key whose value is not a string, as the model says, and publishes the rest', async () => {
    await publishJson('{"default":"hi","email":42,"sqs":{"a":1},"https":null,"lambda":"x"}');
    expect(aws.published()[0]?.messages).toEqual({ default: 'hi', lambda: 'x' });
  });

  it('accepts string values for every protocol, and the same key nested in two bodies', async () => {
    await publishJson('{"default":"a","email":"{\\"default\\":1}","https":"{\\"x\\":{\\"x\\":1}}"}');
    expect(aws.published()[0]?.messages).toMatchObject({ default: 'a', email: '{"default":1}' });
  });

  it('finds duplicate keys only at the top level, escaped quotes included', () => {
    expect(duplicateTopLevelKey('{"a":{"b":1,"b":2},"c":["a","a"]}')).toBeUndefined();
    expect(duplicateTopLevelKey('{"a\\"":"}","x":1,"a\\"":2}')).toBe('a"');
    expect(duplicateTopLevelKey('{"\\u0061":1,"a":2}')).toBe('a');
  });
});

describe('Publish message attributes', () => {
  it.each([
    [
      'Number "ten"',
      { count: { DataType: 'Number', StringValue: 'ten' } },
      "Could not cast message attribute 'count' value to number.",
    ],
    [
      'Number "0x10"',
      { count: { DataType: 'Number', StringValue: '0x10' } },
      "Could not cast message attribute 'count' value to number.",
    ],
    [
      'String.Array that is an object',
      { ids: { DataType: 'String.Array', StringValue: '{"a":1}' } },
      "'ids' with type 'String.Array'",
    ],
    [
      'String.Array that is not JSON',
      { ids: { DataType: 'String.Array', StringValue: 'a,b' } },
      "'ids' with type 'String.Array'",
    ],
    [
      'a name with a space',
      { 'my attr': { DataType: 'String', StringValue: 'x' } },
      "Invalid non-alphanumeric character '#x20'",
    ],
    [
      'the reserved AWS. prefix',
      { 'AWS.SNS.x': { DataType: 'String', StringValue: 'x' } },
      "'AWS.SNS.x' is reserved",
    ],
    [
      'the reserved Amazon. prefix (any case)',
      { 'amazon.x': { DataType: 'String', StringValue: 'x' } },
      "'amazon.x' is reserved",
    ],
    ['successive dots', { 'a..b': { DataType: 'String', StringValue: 'x' } }, "successive '.'"],
  ])('refuses %s with ParameterValueInvalid', async (_case, attributes, detail) => {
    const err = await rejection(publishAttrs(attributes as Record<string, MessageAttributeValue>));
    expect(err).toBeInstanceOf(InvalidParameterValueException);
    expect(err.name).toBe('InvalidParameterValueException');
    expect(err.message).toContain(detail);
    expect(aws.published()).toEqual([]);
  });

  it('accepts what the auditor sends: numbers, a JSON array of ids, dotted and hyphenated names', async () => {
    await publishAttrs({
      newCount: { DataType: 'Number', StringValue: '-1.5e3' },
      policyIds: { DataType: 'String.Array', StringValue: '["a", 1, true, null]' },
      'ivschat.audit-run_id': { DataType: 'String', StringValue: 'x' },
    });
    expect(Object.keys(aws.published()[0]?.messageAttributes ?? {}).sort()).toEqual([
      'ivschat.audit-run_id',
      'newCount',
      'policyIds',
    ]);
  });
});

describe('Publish Subject', () => {
  it.each([
    ['accented letters', 'naïve café: 3 findings'],
    ['an emoji and CJK text', '🚨 監査: 3 findings'],
    ['a leading space', ' 3 findings'],
    ['99 characters of UTF-8', 'é'.repeat(99)],
  ])('accepts %s: UTF-8 text without line breaks or control characters', async (_case, Subject) => {
    await sns(aws).send(new PublishCommand({ TopicArn: topicArn, Message: 'hi', Subject }));
    expect(aws.published()[0]?.subject).toBe(Subject);
  });

  it.each([
    ['a line break', 'a\nb'],
    ['a C1 control character', 'a\u0085b'],
    ['a line separator', 'a\u2028b'],
    ['100 characters ("less than 100 characters long")', 'é'.repeat(100)],
    ['101 characters', 'é'.repeat(101)],
  ])('refuses %s with InvalidParameter', async (_case, Subject) => {
    const err = await rejection(
      sns(aws).send(new PublishCommand({ TopicArn: topicArn, Message: 'hi', Subject })),
    );
    expect(err).toBeInstanceOf(InvalidParameterException);
    expect(err.message).toBe('Invalid parameter: Subject');
  });
});

describe('Subscribe protocols', () => {
  it('refuses a protocol SNS does not support with InvalidParameter and records nothing', async () => {
    const before = aws.subscriptions().length;
    const err = await rejection(
      sns(aws).send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'bogus', Endpoint: 'x' })),
    );
    expect(err).toBeInstanceOf(InvalidParameterException);
    expect(err.message).toBe('Invalid parameter: Amazon SNS does not support this protocol string: bogus');
    expect(aws.subscriptions()).toHaveLength(before);
  });

  it.each(['email', 'email-json', 'https', 'sqs', 'lambda', 'firehose', 'application', 'sms', 'http'])(
    'accepts %s',
    async (Protocol) => {
      const answer = await sns(aws).send(
        new SubscribeCommand({ TopicArn: topicArn, Protocol, Endpoint: 'x' }),
      );
      expect(answer.SubscriptionArn).toBeTruthy();
    },
  );
});

describe('awsQuery request ids', () => {
  const bodyRequestId = (body: string) => /<RequestId>([^<]+)<\/RequestId>/.exec(body)?.[1];

  it('SNS: the x-amzn-requestid header names the RequestId of the body, in answers and errors', async () => {
    const client = sns(aws);
    const answers = recordAnswers(client);
    const ok = await client.send(new PublishCommand({ TopicArn: topicArn, Message: 'hi' }));
    await rejection(client.send(new PublishCommand({ TopicArn: topicArn, Message: '' })));

    expect(answers.map((a) => a.status)).toEqual([200, 400]);
    for (const answer of answers) expect(answer.requestIdHeader).toBe(bodyRequestId(answer.body));
    expect(ok.$metadata.requestId).toBe(bodyRequestId(answers[0]?.body ?? ''));
  });

  it("STS: the same, and a server fault is the Receiver's, not the Sender's", async () => {
    const client = sts(aws, { maxAttempts: 1 });
    const answers = recordAnswers(client);
    const ok = await client.send(new GetCallerIdentityCommand({}));
    aws.setFaults({ failNext: 1, serverErrorServices: ['sts'] });
    const err = await rejection(client.send(new GetCallerIdentityCommand({})));
    aws.setFaults({});

    expect(err).toBeInstanceOf(STSServiceException);
    expect(err).toMatchObject({ $fault: 'server', $metadata: { httpStatusCode: 500 } });
    expect(answers.map((a) => a.status)).toEqual([200, 500]);
    for (const answer of answers) expect(answer.requestIdHeader).toBe(bodyRequestId(answer.body));
    expect(ok.$metadata.requestId).toBe(bodyRequestId(answers[0]?.body ?? ''));
    expect(answers[1]?.body).toContain('<Type>Receiver</Type>');
  });
});
