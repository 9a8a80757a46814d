import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICIES_DIR } from '../../lambda/policy/load-dir.js';
import { cli } from '../cli/run.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'policies-'));
  cpSync(DEFAULT_POLICIES_DIR, dir, { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const edit = (name: string, change: (policy: Record<string, unknown>) => void) => {
  const path = join(dir, name);
  const policy = JSON.parse(readFileSync(path, 'utf8'));
  change(policy);
  writeFileSync(path, JSON.stringify(policy, null, 2));
};

describe('ivschat-audit policies check', () => {
  it('accepts the starter policies', async () => {
    const { code, stdout } = await cli('policies', 'check', dir);
    expect(code).toBe(0);
    expect(stdout).toContain('7 policies OK');
  });

  it('rejects invalid JSON, naming the file and the line', async () => {
    writeFileSync(join(dir, 'message-length-max.json'), '{ "id": "message-length-max", }');
    const { code, stderr } = await cli('policies', 'check', dir);
    expect(code).toBe(2);
    expect(stderr).toMatch(/message-length-max\.json \/: invalid JSON: .*line 1/);
  });

  it('rejects an unknown severity, naming the file and /severity', async () => {
    edit('logging-required.json', (p) => {
      p.severity = 'urgent';
    });
    const { code, stderr } = await cli('policies', 'check', dir);
    expect(code).toBe(2);
    expect(stderr).toContain(
      'logging-required.json /severity: must be one of critical, high, medium, low, info',
    );
  });

  it('rejects a rule that does not compile, naming the file and the pointer inside /rule', async () => {
    edit('message-rate-max.json', (p) => {
      p.rule = { type: 'object', properties: { maximumMessageRatePerSecond: { maximum: 'ten' } } };
    });
    const { code, stderr } = await cli('policies', 'check', dir);
    expect(code).toBe(2);
    expect(stderr).toContain('message-rate-max.json /rule/properties/maximumMessageRatePerSecond/maximum');
  });

  it('rejects a misspelt keyword, naming the pointer of the keyword itself', async () => {
    edit('message-rate-max.json', (p) => {
      p.rule = { type: 'object', properties: { maximumMessageRatePerSecond: { maximun: 10 } } };
    });
    const { code, stderr } = await cli('policies', 'check', dir);
    expect(code).toBe(2);
    expect(stderr).toContain(
      'message-rate-max.json /rule/properties/maximumMessageRatePerSecond/maximun: unknown keyword "maximun" (did you mean "maximum"?)',
    );
  });

  it('rejects a pattern RE2 cannot run, naming the pointer and the reason', async () => {
    edit('required-tags.json', (p) => {
      p.rule = { properties: { tags: { properties: { owner: { pattern: '^(?!root)[a-z]+$' } } } } };
    });
    const { code, stderr } = await cli('policies', 'check', dir);
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /required-tags\.json \/rule\/properties\/tags\/properties\/owner\/pattern: pattern "\^\(\?!root\)\[a-z\]\+\$" uses a lookahead "\(\?!", which cannot run in linear time/,
    );
  });

  it('rejects an unknown remediation placeholder, listing the allowed ones', async () => {
    edit('logging-required.json', (p) => {
      p.remediation = 'fix {arn} in account {accountID}';
    });
    const { code, stderr } = await cli('policies', 'check', dir);
    expect(code).toBe(2);
    expect(stderr).toContain(
      'logging-required.json /remediation: unknown placeholder {accountID}; allowed: {arn} {id} {name} {region} {accountId}',
    );
  });

  it('rejects an exemption without expires', async () => {
    edit('logging-required.json', (p) => {
      p.exemptions = [
        { rooms: ['arn:aws:ivschat:us-east-1:123456789012:room/Exempt000001'], reason: 'forever' },
      ];
    });
    const { code, stderr } = await cli('policies', 'check', dir);
    expect(code).toBe(2);
    expect(stderr).toContain(
      "logging-required.json /exemptions/0/expires: must have required property 'expires'",
    );
  });

  it('rejects an exemption that expires on an impossible date', async () => {
    edit('logging-required.json', (p) => {
      p.exemptions = [
        {
          rooms: ['arn:aws:ivschat:us-east-1:123456789012:room/Exempt000001'],
          reason: 'typo',
          expires: '2027-02-30',
        },
      ];
    });
    const { code, stderr } = await cli('policies', 'check', dir);
    expect(code).toBe(2);
    expect(stderr).toContain(
      'logging-required.json /exemptions/0/expires: 2027-02-30 is not a calendar date',
    );
  });

  it('rejects an exemption more than a year ahead and warns about an expired one', async () => {
    const room = 'arn:aws:ivschat:us-east-1:123456789012:room/Exempt000001';
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    edit('logging-required.json', (p) => {
      p.exemptions = [{ rooms: [room], reason: 'old', expires: day(-3) }];
    });
    const expired = await cli('policies', 'check', dir);
    expect(expired.code).toBe(0);
    expect(expired.stderr).toMatch(
      new RegExp(
        `^warning: .*logging-required\\.json /exemptions/0/expires: exemption expired on ${day(-3)}`,
      ),
    );
    edit('logging-required.json', (p) => {
      p.exemptions = [{ rooms: [room], reason: 'too long', expires: day(400) }];
    });
    const tooFar = await cli('policies', 'check', dir);
    expect(tooFar.code).toBe(2);
    expect(tooFar.stderr).toContain(`/exemptions/0/expires: ${day(400)} is more than 366 days ahead`);
  });

  it('rejects a duplicate id, naming both files', async () => {
    const copy = JSON.parse(readFileSync(join(dir, 'required-tags.json'), 'utf8'));
    writeFileSync(join(dir, 'required-tags-copy.json'), JSON.stringify(copy));
    const { code, stderr } = await cli('policies', 'check', dir);
    expect(code).toBe(2);
    expect(stderr).toContain('required-tags-copy.json /id: id "required-tags" must equal the file name');
    expect(stderr).toMatch(
      /required-tags\.json \/id: duplicate id "required-tags" \(also in .*required-tags-copy\.json\)/,
    );
  });

  it('rejects an id that differs from its file name', async () => {
    edit('required-tags.json', (p) => {
      p.id = 'owner-tag';
    });
    const { code, stderr } = await cli('policies', 'check', dir);
    expect(code).toBe(2);
    expect(stderr).toContain(
      'required-tags.json /id: id "owner-tag" must equal the file name "required-tags"',
    );
  });

  it('rejects a missing field and an unknown one, reporting every problem at once', async () => {
    edit('logging-required.json', (p) => {
      delete p.remediation;
      p.sevrity = 'high';
    });
    const { code, stderr } = await cli('policies', 'check', dir);
    expect(code).toBe(2);
    expect(stderr).toContain('logging-required.json /remediation: must have required property');
    expect(stderr).toContain('logging-required.json /sevrity: unknown property');
  });

  it('fails clearly on a folder that does not exist', async () => {
    const { code, stderr } = await cli('policies', 'check', join(dir, 'nope'));
    expect(code).toBe(2);
    expect(stderr).toContain('cannot read policy folder: no such folder (ENOENT)');
  });
});

describe('ivschat-audit policies test', () => {
  it('runs every example of the starter policies', async () => {
    const { code, stdout } = await cli('policies', 'test', dir);
    expect(code).toBe(0);
    expect(stdout).toContain('examples: 31 passed, 0 failed');
  });

  it('fails when an example contradicts its rule, naming the policy and the example', async () => {
    edit('message-length-max.json', (p) => {
      (p.examples as { pass: unknown[] }).pass.push({
        arn: 'arn:aws:ivschat:us-east-1:123456789012:room/TooLong00001',
        maximumMessageLength: 500,
      });
    });
    const { code, stdout } = await cli('policies', 'test', dir);
    expect(code).toBe(1);
    expect(stdout).toContain('FAIL message-length-max');
    expect(stdout).toMatch(
      /message-length-max\.json \/examples\/pass\/2 \(arn:aws:ivschat:us-east-1:123456789012:room\/TooLong00001\): expected to pass, but: maximumMessageLength is 500; must be ≤ 200/,
    );
    expect(stdout).toContain('examples: 31 passed, 1 failed');
  });

  it('fails an example without the joined facts its rule reads, saying it was not evaluated', async () => {
    edit('logging-active.json', (p) => {
      (p.examples as { fail: unknown[] }).fail.push({
        arn: 'arn:aws:ivschat:us-east-1:123456789012:room/NoJoin000001',
        loggingConfigurationIdentifiers: [
          'arn:aws:ivschat:us-east-1:123456789012:logging-configuration/LcGone000001',
        ],
      });
    });
    const { code, stdout } = await cli('policies', 'test', dir);
    expect(code).toBe(1);
    expect(stdout).toMatch(
      /logging-active\.json \/examples\/fail\/2 \(arn:aws:ivschat:us-east-1:123456789012:room\/NoJoin000001\): not evaluated: the rule reads loggingConfigurations/,
    );
  });

  it('fails when a fail example is accepted by the rule', async () => {
    edit('message-rate-max.json', (p) => {
      (p.examples as { fail: unknown[] }).fail = [
        { arn: 'arn:aws:ivschat:us-east-1:123456789012:room/Fine0000001', maximumMessageRatePerSecond: 5 },
      ];
    });
    const { code, stdout } = await cli('policies', 'test', dir);
    expect(code).toBe(1);
    expect(stdout).toContain('/examples/fail/0');
    expect(stdout).toContain('expected to fail, but the rule accepts it');
  });
});
