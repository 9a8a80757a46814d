import { describe, expect, it } from 'vitest';
import { evaluateRoom } from '../../lambda/audit/evaluate.js';
import { PolicySetError } from '../../lambda/core/errors.js';
import { compilePolicies } from '../../lambda/policy/compile.js';
import { compileLinear, isLinearPattern, linearRegExp } from '../../lambda/policy/regex.js';
import policySchema from '../../policies/policy.schema.json' with { type: 'json' };

const NOW = '2026-06-01T12:00:00.000Z';
const ARN = 'arn:aws:ivschat:us-east-1:123456789012:room/Redos0000001';

/** One policy whose rule is `{ tags: { owner: <tagSchema> } }`. */
function ownerTagPolicy(tagSchema: Record<string, unknown>) {
  const file = {
    id: 'owner-tag',
    title: 'Owner tag',
    severity: 'low',
    description: 'd',
    remediation: 'tag {arn}',
    rule: { properties: { tags: { properties: { owner: tagSchema } } } },
    examples: { pass: [], fail: [{ arn: ARN }] },
  };
  return compilePolicies([{ file: 'policies/owner-tag.json', text: JSON.stringify(file) }], policySchema);
}

const ownerFindings = (policies: ReturnType<typeof ownerTagPolicy>, owner: string) =>
  evaluateRoom({ arn: ARN, tags: { owner } }, policies, { now: NOW }).findings;

function refusal(rule: Record<string, unknown>): string {
  try {
    ownerTagPolicy(rule);
  } catch (error) {
    if (error instanceof PolicySetError) return error.message;
    throw error;
  }
  throw new Error('expected the policy to be refused');
}

describe('policy patterns run in linear time (ReDoS)', () => {
  it('evaluates ^(a+)+$ on 40 × "a" + "b" and reports the mismatch', () => {
    const policies = ownerTagPolicy({ pattern: '^(a+)+$' });
    const findings = ownerFindings(policies, `${'a'.repeat(40)}b`);
    expect(findings).toHaveLength(1);
    expect(findings[0]?.path).toBe('/tags/owner');
    expect(ownerFindings(policies, 'a'.repeat(40))).toEqual([]);
  });

  it.each([
    ['(a|aa)*c', `${'a'.repeat(5000)}`],
    ['^(x+x+)+y$', `${'x'.repeat(5000)}`],
    ['^([a-z0-9]+-?)*[a-z0-9]+$', `${'a1'.repeat(3000)}!`],
  ])('evaluates the catastrophic shape %s on a long non-matching value', (pattern, value) => {
    const policies = ownerTagPolicy({ pattern });
    expect(ownerFindings(policies, value)).toHaveLength(1);
  });

  it('runs patternProperties keys on the same engine', () => {
    const file = {
      id: 'tag-keys',
      title: 'Tag keys',
      severity: 'low',
      description: 'd',
      remediation: 'tag {arn}',
      rule: { properties: { tags: { patternProperties: { '^(a+)+$': { const: 'x' } } } } },
      examples: { pass: [], fail: [{ arn: ARN }] },
    };
    const policies = compilePolicies(
      [{ file: 'policies/tag-keys.json', text: JSON.stringify(file) }],
      policySchema,
    );
    const room = (tags: Record<string, string>) => ({ arn: ARN, tags });
    expect(evaluateRoom(room({ [`${'a'.repeat(40)}b`]: 'y' }), policies, { now: NOW }).findings).toEqual([]);
    expect(evaluateRoom(room({ aaaa: 'y' }), policies, { now: NOW }).findings).toHaveLength(1);
  });

  it('checks format "regex" values with RE2: a lookahead is not a usable regex', () => {
    const policies = ownerTagPolicy({ format: 'regex' });
    expect(ownerFindings(policies, '^[a-z]+$')).toEqual([]);
    expect(ownerFindings(policies, '^(?=a)a$')).toHaveLength(1);
    expect(ownerFindings(policies, '(unclosed')).toHaveLength(1);
  });
});

describe('patterns RE2 cannot run are refused, naming the pointer and the reason', () => {
  it.each([
    ['(a)\\1', /\/rule\/properties\/tags\/properties\/owner\/pattern: .*backreference \(\\1\)/],
    ['(?<x>a)\\k<x>', /owner\/pattern: .*backreference \(\\k\)/],
    ['^(?!admin)[a-z]+$', /owner\/pattern: .*lookahead "\(\?!"/],
    ['(?<=a)b', /owner\/pattern: .*lookbehind "\(\?<="/],
    ['a{1001}', /owner\/pattern: .*cannot run on the linear-time engine \(RE2: .*repeat count/],
    ['(unclosed', /owner\/pattern: .*is not a valid regular expression/],
  ])('refuses %s', (pattern, expected) => {
    expect(refusal({ pattern })).toMatch(expected);
  });

  it('names a patternProperties key by its escaped pointer', () => {
    const message = refusal({ patternProperties: { '^a/(?=b)': {} } });
    expect(message).toContain('/rule/properties/tags/properties/owner/patternProperties/^a~1(?=b):');
  });
});

describe('JS pattern meaning is kept on RE2', () => {
  const same = (pattern: string, inputs: string[]) => {
    const re = linearRegExp(pattern, 'u');
    for (const input of inputs)
      expect([pattern, input, re.test(input)]).toEqual([
        pattern,
        input,
        new RegExp(pattern, 'u').test(input),
      ]);
  };

  it('agrees with JS on the starter and README patterns', () => {
    same('^[a-z0-9][a-z0-9-]*$', ['team-chat', 'Team', '', '-x', 'a\n', 'live-events']);
    same('^arn:aws[a-z-]*:ivschat:[a-z0-9-]+:[0-9]{12}:room/[A-Za-z0-9]+$', [
      'arn:aws:ivschat:us-east-1:123456789012:room/Kq3xP9vLm2Ta',
      'arn:aws:ivschat:us-east-1:12345:room/x',
    ]);
    same('^[a-zA-Z0-9-_]*$', ['room_1-a', 'room 1']);
  });

  it('agrees with JS on \\d, $, \\s, ., \\p{..} and \\u escapes', () => {
    same('^\\d+$', ['123', '١٢٣', '12a']);
    same('^a$', ['a', 'a\n']);
    same('^\\s$', [' ', '\u00a0', '\u2028', '\ufeff', '\v', 'x']);
    same('^\\S+$', ['ab', 'a\u00a0b']);
    same('^[\\s-]+$', ['- -', '\u3000']);
    same('^.$', ['x', '\n', '\r', '\u2029', '😀']);
    same('^\\p{L}+$', ['héllo', 'Ωμέγα', 'a1']);
    same('^\\p{Lu}', ['Élan', 'élan']);
    same('^\\p{Script=Greek}+$', ['Ωμέγα', 'omega']);
    same('^\\u00e9\\u{1F600}$', ['é😀', 'e😀']);
    same('^(?<year>\\d{4})-\\d{2}$', ['2026-11', '26-11']);
    same('^x[]', ['x', 'xy']);
    same('^x[^]$', ['xy', 'x\n', 'x']);
    same('^a\\/b$', ['a/b']);
    same('^[[:alpha:][]+$', ['a', 'ab', ':[', '']);
    same('^[[:a]+$', ['a:[', 'b']);
  });

  it('refuses flags other than u', () => {
    expect(() => linearRegExp('a', 'g')).toThrow(/flags "g" are not supported/);
  });

  it('gives each pattern its own cache key (ajv shares compiled patterns by toString)', () => {
    expect(String(linearRegExp('^a$', 'u'))).not.toBe(String(linearRegExp('^b$', 'u')));
  });

  it('tells usable patterns from unusable ones', () => {
    expect(isLinearPattern('^[a-z]+$')).toBe(true);
    expect(isLinearPattern('(a)\\1')).toBe(false);
    expect(() => compileLinear('(?=x)')).toThrow(/lookahead/);
  });
});
