import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICIES_DIR } from '../../lambda/policy/load-dir.js';
import { buildApp } from '../../lib/app.js';
import { NO_BUNDLING } from '../cdk/synth.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'policies-'));
  cpSync(DEFAULT_POLICIES_DIR, dir, { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The error synthesis stops with when the app is built from `dir`, exactly as `cdk synth` builds it. */
function synthError(): string {
  try {
    buildApp({ context: NO_BUNDLING }, { policiesDir: dir });
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error('expected synthesis to fail');
}

describe('cdk synth refuses the policies `policies check` refuses', () => {
  it('stops on a pattern RE2 cannot run and an exemption on an impossible date, naming both', () => {
    const path = join(dir, 'required-tags.json');
    const policy = JSON.parse(readFileSync(path, 'utf8'));
    policy.rule.properties.tags.properties.owner.pattern = '^(\\w+)-\\1$';
    policy.exemptions = [
      {
        rooms: ['arn:aws:ivschat:us-east-1:123456789012:room/Exempt000001'],
        reason: 'r',
        expires: '2027-02-30',
      },
    ];
    writeFileSync(path, JSON.stringify(policy));
    const message = synthError();
    expect(message).toContain('ivschat-auditor: invalid policy, not deploying');
    expect(message).toMatch(
      /required-tags\.json \/rule\/properties\/tags\/properties\/owner\/pattern: .*backreference/,
    );
    expect(message).toContain('required-tags.json /exemptions/0/expires: 2027-02-30 is not a calendar date');
  });

  it('synthesizes, with a warning naming file and pointer, when an exemption has already expired', () => {
    const path = join(dir, 'required-tags.json');
    const policy = JSON.parse(readFileSync(path, 'utf8'));
    policy.exemptions = [
      {
        rooms: ['arn:aws:ivschat:us-east-1:123456789012:room/Exempt000001'],
        reason: 'r',
        expires: '2020-01-31',
      },
    ];
    writeFileSync(path, JSON.stringify(policy));
    const { stack } = buildApp({ context: NO_BUNDLING }, { policiesDir: dir });
    Annotations.fromStack(stack).hasWarning(
      '*',
      // Acknowledged one by one: the id names the file and the pointer.
      Match.stringLikeRegexp(
        'required-tags\\.json /exemptions/0/expires: .*2020-01-31.*ack: ivschat-auditor:policy:required-tags\\.json/exemptions/0/expires',
      ),
    );
  });
});
