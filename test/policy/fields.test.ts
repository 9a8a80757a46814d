import { describe, expect, it } from 'vitest';
import { compilePolicies } from '../../lambda/policy/compile.js';
import { fieldsRead, policiesNeedGetRoom } from '../../lambda/policy/fields.js';
import { loadPolicyDir } from '../../lambda/policy/load-dir.js';
import policySchema from '../../policies/policy.schema.json' with { type: 'json' };

const withRule = (rule: object) =>
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
          rule,
          examples: { pass: [], fail: [{ arn: 'x' }] },
        }),
      },
    ],
    policySchema,
  );

describe('fieldsRead', () => {
  it('collects properties, required and nested combinators', () => {
    expect(
      fieldsRead({
        required: ['tags'],
        properties: { name: { type: 'string' } },
        anyOf: [{ properties: { maximumMessageLength: { maximum: 1 } } }],
      }),
    ).toEqual(new Set(['tags', 'name', 'maximumMessageLength']));
  });

  it('gives up (all fields) on schemas that can read any property', () => {
    expect(fieldsRead({ patternProperties: { '^max': { maximum: 1 } } })).toBe('all');
    expect(fieldsRead({ allOf: [{ $ref: '#/$defs/x' }] })).toBe('all');
  });
});

describe('policiesNeedGetRoom', () => {
  it('is true for the starter policies, which read maximumMessageLength', () => {
    expect(policiesNeedGetRoom(loadPolicyDir().policies)).toBe(true);
  });

  it('is false when policies only read fields the ListRooms summary carries', () => {
    expect(
      policiesNeedGetRoom(withRule({ required: ['tags'], properties: { tags: { required: ['owner'] } } })),
    ).toBe(false);
  });
});
