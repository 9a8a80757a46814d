import { describe, expect, it } from 'vitest';
import { evaluateRoom } from '../../lambda/audit/evaluate.js';
import { cachedRoom } from '../../lambda/core/room-cache.js';
import { joinLoggingConfigurations, withDerivedFacts } from '../../lambda/core/room-facts.js';
import { compilePolicies } from '../../lambda/policy/compile.js';
import { dataFieldsRead, policiesNeedGetRoom, policiesNeedJoin } from '../../lambda/policy/fields.js';
import policySchema from '../../policies/policy.schema.json' with { type: 'json' };

const ROOM = 'arn:aws:ivschat:eu-west-1:123456789012:room/AbCdEf123456';
const now = '2026-11-26T00:00:00.000Z';

const policy = (fields: object) =>
  compilePolicies(
    [
      {
        file: 'policies/p.json',
        text: JSON.stringify({
          id: 'p',
          title: 't',
          severity: 'low',
          description: 'd',
          remediation: 'r',
          examples: { pass: [], fail: [{ arn: ROOM }] },
          ...fields,
        }),
      },
    ],
    policySchema,
  );

describe('withDerivedFacts', () => {
  it('derives account and region from the room ARN and the review Lambda ARN', () => {
    const room = withDerivedFacts({
      arn: ROOM,
      accountId: '999999999999',
      messageReviewHandler: {
        uri: 'arn:aws:lambda:us-east-1:000000000000:function:review:live',
        fallbackResult: 'DENY',
      },
    });
    expect(room).toMatchObject({
      accountId: '123456789012',
      region: 'eu-west-1',
      messageReviewHandler: { functionAccountId: '000000000000', functionRegion: 'us-east-1' },
    });
  });

  it('leaves the handler facts absent when the URI is not a Lambda function ARN', () => {
    const room = withDerivedFacts({
      arn: ROOM,
      messageReviewHandler: { uri: 'https://x.example/hook', functionRegion: 'us-east-1' },
    });
    expect(room.messageReviewHandler).toEqual({ uri: 'https://x.example/hook' });
  });
});

describe('joinLoggingConfigurations', () => {
  it("joins one entry per identifier in the room's order, NOT_FOUND for a dangling one, leaving the input as it was", () => {
    const a = 'arn:aws:ivschat:eu-west-1:123456789012:logging-configuration/LcA';
    const b = 'arn:aws:ivschat:eu-west-1:123456789012:logging-configuration/LcB';
    const input = { arn: ROOM, loggingConfigurationIdentifiers: [b, a] };
    const joined = joinLoggingConfigurations(input, new Map([[a, { arn: a, state: 'ACTIVE' }]]));
    expect(joined.loggingConfigurations).toEqual([
      { arn: b, state: 'NOT_FOUND' },
      { arn: a, state: 'ACTIVE' },
    ]);
    expect(input).not.toHaveProperty('loggingConfigurations');
    expect(joinLoggingConfigurations({ arn: ROOM }, new Map()).loggingConfigurations).toEqual([]);
  });
});

describe('cross-field rules and joined facts in evaluation', () => {
  it('compares two fields of a room with $data', () => {
    const sameRegion = policy({
      rule: {
        properties: {
          messageReviewHandler: { properties: { functionRegion: { const: { $data: '/region' } } } },
        },
      },
    });
    const at = (region: string) => ({
      arn: ROOM,
      messageReviewHandler: { uri: `arn:aws:lambda:${region}:123456789012:function:r` },
    });
    expect(evaluateRoom(at('eu-west-1'), sameRegion, { now }).findings).toEqual([]);
    expect(evaluateRoom(at('us-east-1'), sameRegion, { now }).findings.map((f) => f.message)).toEqual([
      'messageReviewHandler.functionRegion is "us-east-1"; must be "eu-west-1"',
    ]);
  });

  it('does not evaluate a policy reading joined facts on a room without them, unless appliesTo rules the room out', () => {
    const scoped = policy({
      appliesTo: { properties: { tags: { required: ['env'] } }, required: ['tags'] },
      rule: { properties: { loggingConfigurations: { minItems: 1 } } },
    });
    expect(evaluateRoom({ arn: ROOM, tags: { env: 'prod' } }, scoped, { now })).toEqual({
      findings: [],
      errors: [],
      notEvaluated: ['p'],
    });
    expect(evaluateRoom({ arn: ROOM, tags: {} }, scoped, { now })).toEqual({ findings: [], errors: [] });
  });
});

describe('which reads need GetRoom or a join', () => {
  it('follows $data pointers, and gives up on relative ones', () => {
    expect(dataFieldsRead({ properties: { name: { const: { $data: '/maximumMessageLength' } } } })).toEqual(
      new Set(['maximumMessageLength']),
    );
    expect(dataFieldsRead({ properties: { name: { const: { $data: '1/id' } } } })).toBe('all');
    expect(
      policiesNeedGetRoom(
        policy({ rule: { properties: { name: { const: { $data: '/maximumMessageLength' } } } } }),
      ),
    ).toBe(true);
  });

  it('needs neither GetRoom nor a join for derived facts alone, and a join for loggingConfigurations', () => {
    const derived = policy({ rule: { properties: { region: { const: 'eu-west-1' } } } });
    expect(policiesNeedGetRoom(derived)).toBe(false);
    expect(policiesNeedJoin(derived, 'loggingConfigurations')).toBe(false);
    const joined = policy({ rule: { properties: { loggingConfigurations: { minItems: 1 } } } });
    expect(policiesNeedGetRoom(joined)).toBe(false);
    expect(policiesNeedJoin(joined, 'loggingConfigurations')).toBe(true);
  });

  it('keeps only GetRoom fields in the room cache, never joined or derived facts', () => {
    const entry = cachedRoom(
      {
        arn: ROOM,
        updateTime: '2026-11-01T00:00:00.000Z',
        tags: {},
        maximumMessageLength: 200,
        loggingConfigurations: [],
        accountId: '123456789012',
      },
      now,
    );
    expect(entry.doc).toEqual({ arn: ROOM, maximumMessageLength: 200 });
  });
});
