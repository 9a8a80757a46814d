import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PolicySetError } from '../../lambda/core/errors.js';
import { type CompileOptions, compilePolicySet } from '../../lambda/policy/compile.js';
import { isCalendarDate } from '../../lambda/policy/file-checks.js';
import { DEFAULT_POLICIES_DIR, loadPolicyDir } from '../../lambda/policy/load-dir.js';
import policySchema from '../../policies/policy.schema.json' with { type: 'json' };

const NOW = '2026-11-26T09:00:00.000Z';
const ROOM = 'arn:aws:ivschat:us-east-1:123456789012:room/Exempt000001';

function source(extra: Record<string, unknown>) {
  const file = {
    id: 'custom',
    title: 'Custom',
    severity: 'high',
    description: 'd',
    remediation: 'fix {name} ({id}) in {region} of {accountId}: {arn}',
    rule: { properties: { maximumMessageLength: { maximum: 100 } } },
    examples: { pass: [], fail: [{ arn: ROOM }] },
    ...extra,
  };
  return [{ file: 'policies/custom.json', text: JSON.stringify(file) }];
}

function problems(extra: Record<string, unknown>, options: CompileOptions = { now: NOW }): string[] {
  try {
    compilePolicySet(source(extra), policySchema, options);
  } catch (error) {
    if (error instanceof PolicySetError) return error.problems.map((p) => p.message);
    throw error;
  }
  return [];
}

const exempt = (expires: string) => ({ exemptions: [{ rooms: [ROOM], reason: 'r', expires }] });

describe('compilePolicySet: remediation placeholders', () => {
  it('accepts every documented placeholder', () => {
    expect(problems({})).toEqual([]);
  });

  it('refuses each unknown {word} once, and leaves other braces alone', () => {
    expect(problems({ remediation: 'use {ARN} and {acount} then {acount}; tags {"a": 1} or { x }' })).toEqual(
      [
        'policies/custom.json /remediation: unknown placeholder {ARN}, {acount}; allowed: {arn} {id} {name} {region} {accountId}',
      ],
    );
  });
});

describe('compilePolicySet: exemption dates', () => {
  it('accepts an exemption up to the limit and refuses one a day past it', () => {
    expect(problems(exempt('2027-11-27'))).toEqual([]);
    expect(problems(exempt('2027-11-28'))).toEqual([
      'policies/custom.json /exemptions/0/expires: 2027-11-28 is more than 366 days ahead (latest allowed 2027-11-27); exemptions are time-boxed, renew one when it runs out',
    ]);
  });

  it('takes the limit as an option', () => {
    expect(problems(exempt('2027-01-10'), { now: NOW, maxExemptionDays: 30 })).toEqual([
      'policies/custom.json /exemptions/0/expires: 2027-01-10 is more than 30 days ahead (latest allowed 2026-12-26); exemptions are time-boxed, renew one when it runs out',
    ]);
  });

  it('refuses impossible dates even without a clock', () => {
    expect(problems(exempt('2099-02-30'), {})).toEqual([
      'policies/custom.json /exemptions/0/expires: 2099-02-30 is not a calendar date',
    ]);
  });

  it('loads an expired exemption with a warning, and today is not yet expired', () => {
    const expired = compilePolicySet(source(exempt('2026-11-25')), policySchema, { now: NOW });
    expect(expired.policies).toHaveLength(1);
    expect(expired.warnings).toEqual([
      {
        file: 'policies/custom.json',
        pointer: '/exemptions/0/expires',
        message:
          'policies/custom.json /exemptions/0/expires: exemption expired on 2026-11-25 and no longer exempts its rooms; renew or remove it',
      },
    ]);
    expect(compilePolicySet(source(exempt('2026-11-26')), policySchema, { now: NOW }).warnings).toEqual([]);
  });

  it('knows calendar days', () => {
    expect(['2028-02-29', '2000-02-29', '2026-12-31'].map(isCalendarDate)).toEqual([true, true, true]);
    expect(
      ['2027-02-29', '2100-02-29', '2026-04-31', '2026-13-01', '2026-00-10'].map(isCalendarDate),
    ).toEqual([false, false, false, false, false]);
  });
});

describe('compilePolicySet: unknown keywords', () => {
  it('names every misspelt keyword at its own pointer, wherever it sits', () => {
    expect(
      problems({
        rule: {
          allOf: [{ properties: { name: { maxLenght: 10 } } }],
          properties: { tags: { patternProperties: { '^x/y$': { tpye: 'string' } } } },
          $defs: { id: { minLength: 1, requird: true } },
        },
        appliesTo: { properties: { loggingConfigurationIdentifiers: { items: { cont: 'x' } } } },
      }),
    ).toEqual([
      'policies/custom.json /rule/allOf/0/properties/name/maxLenght: unknown keyword "maxLenght" (did you mean "maxLength"?); a misspelt keyword would silently check nothing',
      'policies/custom.json /rule/properties/tags/patternProperties/^x~1y$/tpye: unknown keyword "tpye" (did you mean "type"?); a misspelt keyword would silently check nothing',
      'policies/custom.json /rule/$defs/id/requird: unknown keyword "requird" (did you mean "required"?); a misspelt keyword would silently check nothing',
      'policies/custom.json /appliesTo/properties/loggingConfigurationIdentifiers/items/cont: unknown keyword "cont" (did you mean "const"?); a misspelt keyword would silently check nothing',
    ]);
  });

  it('reports a misspelt keyword and an unrunnable pattern of the same rule together', () => {
    expect(
      problems({
        rule: { properties: { name: { pattern: '^(?=a)b$', maxLenght: 10 } } },
      }),
    ).toEqual([
      'policies/custom.json /rule/properties/name/pattern: pattern "^(?=a)b$" uses a lookahead "(?=", which cannot run in linear time',
      'policies/custom.json /rule/properties/name/maxLenght: unknown keyword "maxLenght" (did you mean "maxLength"?); a misspelt keyword would silently check nothing',
    ]);
  });

  it('does not mistake data (const, enum, errorMessage) or property names for keywords', () => {
    expect(
      problems({
        rule: {
          properties: {
            maximun: { const: { maximun: 1 } },
            tags: { enum: [{ owner: 'x' }], errorMessage: { enum: 'must be known' } },
          },
        },
      }),
    ).toEqual([]);
  });
});

describe('loadPolicyDir', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'policies-'));
    cpSync(DEFAULT_POLICIES_DIR, dir, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('judges exemptions against the now it is given', () => {
    const path = join(dir, 'logging-required.json');
    const policy = JSON.parse(readFileSync(path, 'utf8'));
    policy.exemptions = [{ rooms: [ROOM], reason: 'r', expires: '2027-06-01' }];
    writeFileSync(path, JSON.stringify(policy));
    expect(loadPolicyDir(dir, { now: '2026-07-01T00:00:00.000Z' }).warnings).toEqual([]);
    expect(() => loadPolicyDir(dir, { now: '2025-01-01T00:00:00.000Z' })).toThrow(/more than 366 days ahead/);
    expect(loadPolicyDir(dir, { now: '2027-06-02T00:00:00.000Z' }).warnings.map((w) => w.pointer)).toEqual([
      '/exemptions/0/expires',
    ]);
  });

  it('loads the starter policies without warnings', () => {
    expect(loadPolicyDir(DEFAULT_POLICIES_DIR, { now: NOW })).toMatchObject({ warnings: [] });
  });
});

describe('compilePolicySet: control characters in names, ids and keys', () => {
  const compile = (file: string, policy: Record<string, unknown>) => {
    try {
      compilePolicySet([{ file, text: JSON.stringify(policy) }], policySchema, { now: NOW });
    } catch (error) {
      if (error instanceof PolicySetError) return error.problems.map((p) => p.message);
      throw error;
    }
    return [];
  };
  const base = JSON.parse(source({})[0]?.text ?? '{}') as Record<string, unknown>;

  it('refuses a file name holding one, naming the file with the character escaped', () => {
    expect(compile('policies/cus\u001b[2Jtom\n.json', { ...base, id: 'custom' })).toEqual([
      'policies/cus\\u001b[2Jtom\\u000a.json /: the file name holds control characters (U+001B, U+000A); rename the file',
    ]);
  });

  it('refuses an id holding a bidi override or a zero-width character, whatever the schema allows', () => {
    const looseSchema = { type: 'object' };
    const id = 'custom\u202e';
    expect(() =>
      compilePolicySet(
        [{ file: 'policies/custom.json', text: JSON.stringify({ ...base, id }) }],
        looseSchema,
      ),
    ).toThrow('policies/custom.json /id: id holds control characters (U+202E)');
    expect(compile('policies/custom.json', { ...base, id: 'cus\u200btom' })).toContain(
      'policies/custom.json /id: id holds control characters (U+200B)',
    );
  });

  it('refuses a JSON key holding one, at any depth, with its pointer escaped on one line', () => {
    const rule = { properties: { 'tags\n::error::x': { const: 1 } } };
    expect(compile('policies/custom.json', { ...base, rule, '\u001b]52;c;eA==\u0007': 1 })).toEqual([
      'policies/custom.json /rule/properties/tags\\u000a::error::x: key holds control characters (U+000A)',
      'policies/custom.json /\\u001b]52;c;eA==\\u0007: key holds control characters (U+001B, U+0007)',
    ]);
  });

  it('checks the file name of a file that is not even JSON', () => {
    try {
      compilePolicySet([{ file: 'p/x\u0007.json', text: '{' }], policySchema);
      expect.fail('loaded');
    } catch (error) {
      expect((error as PolicySetError).problems.map((p) => p.message)).toEqual([
        'p/x\\u0007.json /: the file name holds control characters (U+0007); rename the file',
      ]);
    }
  });

  it('lets text values hold them: outputs escape or strip them', () => {
    expect(
      compile('policies/custom.json', { ...base, title: 'T \u001b[31mred', description: 'a\r\nb' }),
    ).toEqual([]);
  });
});

describe('compilePolicySet: a quoted value is cut whole', () => {
  it('never splits an emoji at the cut (80 characters and …)', () => {
    const [message] = problems(exempt(`${'x'.repeat(79)}😀tail`));
    expect(message).toContain(`"${'x'.repeat(79)}…" is not a date written YYYY-MM-DD`);
    expect(message).not.toContain('\\ud83d');
    // ASCII is cut where it always was.
    expect(problems(exempt('y'.repeat(90)))[0]).toContain(`"${'y'.repeat(80)}…" is not a date`);
  });
});
