/**
 * Conformance: SNS Publish validation (MessageStructure json, message attributes) with the real
 * @aws-sdk/client-sns; error codes as the sns service model names them.
 */
import {
  CreateTopicCommand,
  InvalidParameterException,
  InvalidParameterValueException,
  type MessageAttributeValue,
  PublishCommand,
} from '@aws-sdk/client-sns';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '../../local-aws/index.js';
import { duplicateTopLevelKey } from '../../local-aws/sns.js';
import { rejection, sns } from './helpers.js';

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
