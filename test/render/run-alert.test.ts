import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { type Alert, hasContent, type NotAuditedTarget } from '../../lambda/alert/alert.js';
import { runAlert, type TargetAlertPart } from '../../lambda/alert/run-alert.js';
import type { Finding } from '../../lambda/core/types.js';
import { renderEmail } from '../../lambda/render/email.js';
import { renderSlack } from '../../lambda/render/slack.js';
import { renderText } from '../../lambda/render/text.js';
import { type MachineAlert, messageBytes, type PublishInput } from '../../lambda/sinks/sns-message.js';
import { buildSnsMessages } from '../../lambda/sinks/sns-parts.js';
import { hasControlChars, makeFinding, makeReport } from './fixtures.js';

const A = '111111111111';
const B = '222222222222';
const C = '333333333333';
const HOSTILE_REASON = '<@here> <script> *bold* \n| x |';

const schema = JSON.parse(
  readFileSync(new URL('./fixtures/custom-notification.schema.json', import.meta.url), 'utf8'),
);
const validate = new Ajv2020.default({ allErrors: true, strict: true }).compile(schema);

let serial = 0;

function findingIn(accountId: string, overrides: Partial<Finding> = {}): Finding {
  const region = overrides.region ?? 'us-east-1';
  serial += 1;
  const roomId = overrides.roomId ?? `run${serial}`;
  return makeFinding({
    accountId,
    roomId,
    roomArn: `arn:aws:ivschat:${region}:${accountId}:room/${roomId}`,
    roomName: `room-of-${accountId}`,
    ...overrides,
  });
}

function outcome(
  accountId: string,
  region: string,
  findings: Partial<TargetAlertPart> = {},
): TargetAlertPart {
  const newFindings = findings.newFindings ?? [];
  const reminders = findings.reminders ?? [];
  return {
    accountId,
    region,
    report: makeReport({ targets: [{ accountId, region }], findings: [...newFindings, ...reminders] }),
    newFindings,
    resolvedFindings: findings.resolvedFindings ?? [],
    reminders,
  };
}

function target(accountId: string, overrides: Partial<NotAuditedTarget> = {}): NotAuditedTarget {
  return {
    accountId,
    region: 'us-east-1',
    reason: 'AccessDenied: not authorized to perform sts:AssumeRole',
    failedRuns: 1,
    ...overrides,
  };
}

/** Three accounts, each with a finding of its own; account C's eu-west-1 not audited. */
function threeAccounts(notAudited: NotAuditedTarget[] = [target(C, { region: 'eu-west-1' })]): Alert {
  return runAlert(
    [
      outcome(B, 'us-east-1', {
        newFindings: [findingIn(B, { severity: 'critical', policyId: 'review-handler' })],
      }),
      outcome(A, 'us-east-1', {
        newFindings: [findingIn(A), findingIn(A, { severity: 'low', policyId: 'required-tags' })],
      }),
      outcome(C, 'us-east-1', {
        resolvedFindings: [findingIn(C, { status: 'resolved', resolvedReason: 'room deleted' })],
      }),
    ],
    notAudited,
  );
}

function parse(input: PublishInput): { email: string; slack: string; machine: MachineAlert } {
  const structured = JSON.parse(input.Message) as { email: string; default: string; sqs: string };
  return {
    email: structured.email,
    slack: structured.default,
    machine: JSON.parse(structured.sqs) as MachineAlert,
  };
}

/** Indexes of `needles` in `haystack`, each after the one before (-1 when missing or out of order). */
function inOrder(haystack: string, needles: string[]): boolean {
  let from = 0;
  for (const needle of needles) {
    const at = haystack.indexOf(needle, from);
    if (at < 0) return false;
    from = at + needle.length;
  }
  return true;
}

describe('Function: runAlert', () => {
  it('joins every target outcome into one alert naming all accounts, audited or not', () => {
    const alert = threeAccounts([target('444444444444')]);
    expect(alert.accountId).toBe('');
    expect(alert.accounts).toEqual([A, B, C, '444444444444']);
    expect(alert.regions).toEqual(['us-east-1']);
    expect(alert.newFindings.map((f) => f.accountId)).toEqual([B, A, A]);
    expect(alert.resolvedFindings).toHaveLength(1);
    expect(alert.report.targets.map((t) => t.accountId)).toEqual([B, A, C]);
    expect(alert.notAudited).toEqual([target('444444444444')]);
  });

  it('names the one account of a run over a single account', () => {
    const alert = runAlert([outcome(A, 'us-east-1'), outcome(A, 'eu-west-1')], []);
    expect(alert.accountId).toBe(A);
    expect(alert.accounts).toEqual([A]);
    expect(alert.regions).toEqual(['us-east-1', 'eu-west-1']);
    expect(alert.report.complete).toBe(true);
  });

  it('marks the report incomplete when a target was not audited', () => {
    expect(threeAccounts().report.complete).toBe(false);
    expect(threeAccounts([]).report.complete).toBe(true);
  });
});

describe('Function: hasContent (targets not audited)', () => {
  it('is true for an alert whose only news is a target not audited for the first time', () => {
    expect(hasContent(runAlert([outcome(A, 'us-east-1')], [target(B, { failedRuns: 1 })]))).toBe(true);
  });

  it('is false for an alert whose only news is a target that has been failing for several runs', () => {
    expect(hasContent(runAlert([outcome(A, 'us-east-1')], [target(B, { failedRuns: 5 })]))).toBe(false);
  });
});

describe('Rendering a run over three accounts', () => {
  it('groups email findings under an account heading each, in account order', () => {
    const { subject, body } = renderEmail(threeAccounts());
    // With the breakdown it would be 100 characters, one over SNS's "less than 100": it is dropped.
    expect(subject).toBe(
      '[ivschat-auditor] 1 not audited, 3 new, 1 resolved in 3 accounts, audit incomplete',
    );
    expect(body).toContain('IVS Chat room audit of 3 accounts (us-east-1, eu-west-1)');
    expect(body).toContain('1 target (account and region) not audited at all: see the top of this message.');
    expect(
      inOrder(body, [
        'NEW FINDINGS (3)',
        `## Account ${A} (2 findings)`,
        '--- HIGH ---',
        '--- LOW ---',
        `## Account ${B} (1 finding)`,
        '--- CRITICAL ---',
        'RESOLVED (1)',
        `## Account ${C} (1 finding)`,
      ]),
    ).toBe(true);
  });

  it('groups Slack findings under an account line each, and says "3 accounts"', () => {
    const n = renderSlack(threeAccounts());
    expect(validate(n)).toBe(true);
    expect(n.content.title).toContain('1 not audited, 3 new, 1 resolved');
    expect(n.content.title).toContain('in 3 accounts');
    const d = n.content.description;
    expect(d.startsWith('3 accounts · us-east-1, eu-west-1')).toBe(true);
    expect(
      inOrder(d, [
        '*New (3)*',
        `Account \`${A}\``,
        'HIGH',
        'LOW',
        `Account \`${B}\``,
        'CRITICAL',
        '*Resolved (1)*',
        `Account \`${C}\``,
      ]),
    ).toBe(true);
    expect(n.metadata.threadId).toBe('accounts-multi');
    expect(n.metadata.additionalContext).toMatchObject({ accountCount: '3', notAuditedCount: '1' });
    expect(n.metadata.additionalContext).not.toHaveProperty('accountId');
  });

  it('groups the CLI text report under an account heading each', () => {
    const alert = threeAccounts();
    const text = renderText({
      ...alert.report,
      findings: [...alert.report.findings, ...alert.resolvedFindings],
    });
    expect(
      inOrder(text, [
        `ACCOUNT ${A}`,
        'HIGH',
        'LOW',
        `ACCOUNT ${B}`,
        'CRITICAL',
        'RESOLVED (1)',
        `ACCOUNT ${C}`,
      ]),
    ).toBe(true);
  });

  it('lists the targets not audited first: account, region, reason, and the streak when it is not the first run', () => {
    const alert = threeAccounts([
      target(C, { region: 'eu-west-1', failedRuns: 3 }),
      target(A, { reason: 'role missing' }),
    ]);
    const { body } = renderEmail(alert);
    expect(
      inOrder(body, [
        'ACCOUNTS NOT AUDITED (2 targets)',
        `  ${A}  us-east-1: role missing\n`,
        `  ${C}  eu-west-1: AccessDenied`,
        '(failing for 3 runs)',
        'NEW FINDINGS',
      ]),
    ).toBe(true);
    const d = renderSlack(alert).content.description;
    expect(
      inOrder(d, [
        'Accounts not audited (2)',
        `\`${A}\` us-east-1: role missing\n`,
        `\`${C}\` eu-west-1`,
        'failing for 3 runs',
        '*New (3)*',
      ]),
    ).toBe(true);
  });

  it('sends one SNS message without accountId (SNS refuses an empty value) but with the account and not-audited counts', () => {
    const [message, ...rest] = buildSnsMessages(threeAccounts());
    expect(rest).toHaveLength(0);
    if (!message) throw new Error('no message');
    expect(message.MessageAttributes).not.toHaveProperty('accountId');
    expect(message.MessageAttributes.accountCount).toEqual({ DataType: 'Number', StringValue: '3' });
    expect(message.MessageAttributes.notAuditedCount).toEqual({ DataType: 'Number', StringValue: '1' });
    const { machine } = parse(message);
    expect(machine.accountId).toBe('');
    expect(machine.accountCount).toBe(3);
    expect(machine.notAudited).toEqual([target(C, { region: 'eu-west-1' })]);
  });
});

describe('Slack with a whole organization not audited', () => {
  it('lists targets in at most half the description, counts the rest, and still shows the findings', () => {
    const notAudited = Array.from({ length: 300 }, (_, i) =>
      target(String(100000000000 + i), { reason: `AccessDenied: ${'y'.repeat(100)}` }),
    );
    const n = renderSlack(threeAccounts(notAudited));
    expect(validate(n)).toBe(true);
    const d = n.content.description;
    const listed = d.split('\n').filter((l) => l.startsWith('• `1000000')).length;
    expect(listed).toBeGreaterThan(10);
    expect(d).toContain(`_…and ${300 - listed} more not audited_`);
    expect(d).toContain('*New (3)*');
    expect(d).toContain('300 target(s) not audited');
  });
});

describe('A hostile reason for a target not audited', () => {
  const alert = threeAccounts([target(C, { reason: HOSTILE_REASON, region: '<!channel>\nus-east-1' })]);

  it('is one inert line in the email and an ASCII subject', () => {
    const { subject, body } = renderEmail(alert);
    expect(hasControlChars(subject)).toBe(false);
    expect(hasControlChars(body, { allowNewline: true })).toBe(false);
    expect(body.split('\n').some((l) => l.trimStart().startsWith('| x |'))).toBe(false);
    expect(body).toContain(`  ${C}  <!channel> us-east-1: <@here> <script> *bold*  | x |`);
  });

  it('cannot mention, format or break lines in Slack', () => {
    const n = renderSlack(alert);
    const everything = JSON.stringify(n.content);
    for (const bad of ['<@here>', '<script>', '<!channel>', '*bold*']) expect(everything).not.toContain(bad);
    const line = n.content.description.split('\n').find((l) => l.includes('script'));
    expect(line).toBe(
      `• \`${C}\` &lt;!channel&gt; us-east-1: &lt;@\u2060here&gt; &lt;script&gt; ＊bold＊  | x |`,
    );
  });

  it('reaches the SNS message escaped in its email and Slack bodies', () => {
    const [message] = buildSnsMessages(alert);
    if (!message) throw new Error('no message');
    const { email, slack, machine } = parse(message);
    expect(email).not.toContain('\n| x |');
    expect(slack).not.toContain('<@here>');
    // The machine JSON carries the reason as data, exactly as it came.
    expect(machine.notAudited?.[0]?.reason).toBe(HOSTILE_REASON);
  });
});

describe('Splitting a run alert across SNS messages', () => {
  function bigRun(notAudited: NotAuditedTarget[]): Alert {
    const many = (accountId: string) =>
      Array.from({ length: 40 }, (_, i) =>
        findingIn(accountId, {
          roomName: `room-${i}-${'n'.repeat(200)}`,
          message: `tags.team is ${'v'.repeat(300)}`,
        }),
      );
    return runAlert(
      [outcome(A, 'us-east-1', { newFindings: many(A) }), outcome(B, 'us-east-1', { newFindings: many(B) })],
      notAudited,
    );
  }

  it('keeps the whole not-audited section in part 1, and every finding listed or counted', () => {
    const notAudited = [target(C), target(C, { region: 'eu-west-1', failedRuns: 4 }), target('444444444444')];
    const messages = buildSnsMessages(bigRun(notAudited), { maxBytes: 40_000 });
    expect(messages.length).toBeGreaterThan(1);
    const parts = messages.map(parse);
    expect(parts[0]?.machine.notAudited).toHaveLength(3);
    expect(parts[0]?.email).toContain('ACCOUNTS NOT AUDITED (3 targets)');
    expect(parts[0]?.email).toContain('(failing for 4 runs)');
    expect(messages[0]?.Subject).toMatch(
      /^\[ivschat-auditor\] 3 not audited, .* in 4 accounts, audit incomplete \(part 1\/\d+\)$/,
    );
    for (const part of parts.slice(1)) {
      expect(part.machine.notAudited).toBeUndefined();
      expect(part.email).not.toContain('NOT AUDITED');
    }
    const listed = parts.reduce((n, p) => n + p.machine.newFindings.length, 0);
    const omitted = parts.reduce((n, p) => n + p.machine.omitted.new, 0);
    expect(listed + omitted).toBe(80);
    for (const m of messages) expect(messageBytes(m)).toBeLessThanOrEqual(40_000);
  });

  it('lists as many targets not audited as fit in part 1 and counts the rest there, within the size limit', () => {
    const notAudited = Array.from({ length: 3000 }, (_, i) =>
      target(String(100000000000 + i), {
        reason: `AccessDenied: ${'x'.repeat(250)}`,
        failedRuns: 1 + (i % 3),
      }),
    );
    const messages = buildSnsMessages(bigRun(notAudited), { maxBytes: 262_144 });
    const [first, ...others] = messages.map(parse);
    const listed = first?.machine.notAudited?.length ?? 0;
    const omitted = first?.machine.omitted.notAudited ?? 0;
    expect(listed).toBeGreaterThan(100);
    expect(listed + omitted).toBe(3000);
    expect(first?.email).toContain(`...and ${omitted} more targets not audited`);
    for (const part of others) {
      expect(part.machine.notAudited).toBeUndefined();
      expect(part.machine.omitted.notAudited).toBeUndefined();
    }
    // The findings still go out in the parts after it.
    const findings = messages
      .map(parse)
      .reduce((n, p) => n + p.machine.newFindings.length + p.machine.omitted.new, 0);
    expect(findings).toBe(80);
    for (const m of messages) expect(messageBytes(m)).toBeLessThanOrEqual(262_144);
  });

  it("lists at most 100 of a run's targets in the machine JSON, with their count", () => {
    const parts = Array.from({ length: 150 }, (_, i) => outcome(String(100000000000 + i), 'us-east-1'));
    const alert = runAlert(parts, [target(C)]);
    const [message] = buildSnsMessages(alert);
    if (!message) throw new Error('no message');
    const { machine } = parse(message);
    expect(machine.report.targets).toHaveLength(100);
    expect(machine.report.targetCount).toBe(150);
  });
});
