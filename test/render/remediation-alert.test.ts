import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { type Alert, hasContent } from '../../lambda/alert/alert.js';
import { MAX_ALERT_REMEDIATION, runAlert, type TargetAlertPart } from '../../lambda/alert/run-alert.js';
import type { PlannedChange, PlanSkip } from '../../lambda/audit/remediation-plan.js';
import { declareCommand } from '../../lambda/cli/command.js';
import { remediateCommand } from '../../lambda/cli/commands/remediate.js';
import type { TargetRemediation } from '../../lambda/remediate/deployed.js';
import type { TrailEntry } from '../../lambda/remediate/trail.js';
import { renderEmail } from '../../lambda/render/email.js';
import { applyCommand } from '../../lambda/render/remediation-plan.js';
import { renderSlack } from '../../lambda/render/slack.js';
import { renderRemediationText } from '../../lambda/render/text.js';
import { type MachineAlert, messageBytes, SNS_MAX_BYTES } from '../../lambda/sinks/sns-message.js';
import { buildSnsMessages } from '../../lambda/sinks/sns-parts.js';
import { hasControlChars, makeFinding, makeReport } from './fixtures.js';

const A = '111111111111';
const B = '222222222222';
const HOSTILE = '<@here> *bold* https://evil.example\n| x |\u001b[31m';

const schema = JSON.parse(
  readFileSync(new URL('./fixtures/custom-notification.schema.json', import.meta.url), 'utf8'),
);
const validate = new Ajv2020.default({ allErrors: true, strict: true }).compile(schema);

const where = (accountId: string, region: string, id: string, roomName = `room-${id}`) => ({
  policyId: 'message-length-max',
  accountId,
  region,
  roomArn: `arn:aws:ivschat:${region}:${accountId}:room/${id}`,
  roomName,
});

function change(accountId: string, region: string, id: string, roomName?: string): PlannedChange {
  return {
    changeId: `chg-${id.padStart(12, '0').slice(-12)}`,
    ...where(accountId, region, id, roomName),
    updateTime: '2026-11-26T09:00:00.000Z',
    before: { maximumMessageLength: 500 },
    after: { maximumMessageLength: 200 },
  };
}

function entry(c: PlannedChange, outcome: TrailEntry['outcome'], reason?: string): TrailEntry {
  return {
    ...c,
    kind: 'fix',
    outcome,
    ...(reason ? { reason } : {}),
    time: '2026-11-26T10:00:05.000Z',
    actor: `arn:aws:sts::${c.accountId}:assumed-role/ivschat-auditor-member/run`,
  };
}

const skip = (accountId: string, id: string, reason: string): PlanSkip => ({
  ...where(accountId, 'us-east-1', id),
  reason,
});

function outcome(accountId: string, region: string, remediation?: TargetRemediation): TargetAlertPart {
  const finding = makeFinding({ accountId, region });
  return {
    accountId,
    region,
    report: makeReport({ targets: [{ accountId, region }], findings: [finding] }),
    newFindings: [finding],
    resolvedFindings: [],
    reminders: [],
    ...(remediation ? { remediation } : {}),
  };
}

/** Counts the renderers do not read (the run summary and metrics do). */
const NO_TOTALS = { planned: 0, applied: 0, skipped: 0, failed: 0 };

const plan = (
  changes: PlannedChange[],
  skipped: PlanSkip[] = [],
  tripped: string[] = [],
): TargetRemediation => ({
  mode: 'plan',
  planned: changes,
  skipped,
  tripped,
  entries: [],
  totals: NO_TOTALS,
});

function planAlert(roomName?: string): Alert {
  return runAlert(
    [
      outcome(A, 'us-east-1', plan([change(A, 'us-east-1', 'a1', roomName), change(A, 'us-east-1', 'a2')])),
      outcome(
        B,
        'eu-west-1',
        plan(
          [change(B, 'eu-west-1', 'b1')],
          [skip(B, 'b9', 'not opted in: tag ivschat-auditor:remediate=true missing')],
        ),
      ),
    ],
    [],
  );
}

function applyAlert(): Alert {
  const made = change(A, 'us-east-1', 'a1');
  const moved = change(A, 'us-east-1', 'a2');
  return runAlert(
    [
      outcome(A, 'us-east-1', {
        mode: 'apply',
        totals: NO_TOTALS,
        planned: [made, moved],
        skipped: [],
        tripped: [],
        entries: [
          entry(moved, 'skipped', 'the room changed since the plan (updateTime 1, now 2)'),
          entry(made, 'applied'),
        ],
      }),
      outcome(B, 'us-east-1', {
        mode: 'apply',
        totals: NO_TOTALS,
        planned: [change(B, 'us-east-1', 'b1'), change(B, 'us-east-1', 'b2'), change(B, 'us-east-1', 'b3')],
        skipped: [],
        tripped: ['3 changes planned, more than remediationMaxChanges 2'],
        entries: [],
      }),
    ],
    [],
  );
}

function snsParts(alert: Alert) {
  const [message] = buildSnsMessages(alert);
  if (!message) throw new Error('no message');
  const body = JSON.parse(message.Message) as { email: string; default: string; sqs: string };
  return {
    subject: message.Subject,
    email: body.email,
    slack: body.default,
    machine: JSON.parse(body.sqs) as MachineAlert,
  };
}

describe('The remediation section of a run alert', () => {
  it('lists the planned changes of every target, and the command that applies each policy in each account and region', () => {
    const { body } = renderEmail(planAlert());
    expect(body).toContain('PLANNED FIXES (3)');
    expect(body).toContain(`  chg-0000000000a1  ${A} us-east-1  room-a1  [message-length-max]`);
    expect(body).toContain('    maximumMessageLength: 500 → 200');
    expect(body).toContain(
      `  account ${A}: ivschat-audit remediate --region us-east-1 --policy message-length-max --apply`,
    );
    expect(body).toContain(
      `  account ${B}: ivschat-audit remediate --region eu-west-1 --policy message-length-max --apply`,
    );
    expect(body.split(`account ${A}: ivschat-audit`).length).toBe(2);
    expect(body).toContain(
      `  ${B} us-east-1  room-b9  [message-length-max]: not opted in: tag ivschat-auditor:remediate=true missing`,
    );
  });

  it('gives a command the CLI accepts as it is', () => {
    const program = new Command().exitOverride();
    const io = { stdout: () => {}, stderr: () => {}, env: {} };
    declareCommand(program, remediateCommand({ io, policiesDefault: { dir: 'policies', description: 'p' } }));
    const remediate = program.commands.find((c) => c.name() === 'remediate');
    const words = applyCommand(
      { region: 'us-east-1', policyId: 'message-length-max' },
      'ivschat-auditor:remediate=true',
    ).split(' ');
    expect(words).toContain('--tag');
    expect(words.slice(0, 2)).toEqual(['ivschat-audit', 'remediate']);
    expect(remediate?.parseOptions(words.slice(2))).toEqual({ operands: [], unknown: [] });
  });

  it('does not send an alert for a plan alone, but does for a change the auditor made', () => {
    const quiet = (a: Alert): Alert => ({ ...a, newFindings: [] });
    expect(hasContent(quiet(planAlert()))).toBe(false);
    expect(hasContent(quiet(applyAlert()))).toBe(true);
    expect(renderEmail(quiet(applyAlert())).subject).toMatch(
      /^\[ivschat-auditor\] 1 changed by the auditor in 2 accounts/,
    );
  });

  it('sends an alert when remediation stopped on an error, even with nothing else to tell', () => {
    const plain = { ...planAlert(), newFindings: [] };
    const stopped: Alert = {
      ...plain,
      remediation: {
        ...(plain.remediation as NonNullable<Alert['remediation']>),
        errors: [{ accountId: A, region: 'us-east-1', message: 'the trail could not be written' }],
      },
    };
    expect(hasContent(plain)).toBe(false);
    expect(hasContent(stopped)).toBe(true);
  });

  it('reports applied changes first, skipped ones with their reason, and a tripped guard with its sentence', () => {
    const { body } = renderEmail(applyAlert());
    expect(body).toContain('FIXED BY THE AUDITOR (1; confirmed by the next audit)');
    const applied = body.indexOf(`  APPLIED chg-0000000000a1  ${A} us-east-1  room-a1  [message-length-max]`);
    const skipped = body.indexOf(
      `  SKIPPED chg-0000000000a2  ${A} us-east-1  room-a2  [message-length-max]: the room changed since the plan (updateTime 1, now 2)`,
    );
    expect(applied).toBeGreaterThan(0);
    expect(skipped).toBeGreaterThan(applied);
    expect(body).toContain(
      `  GUARD ${B} us-east-1: 3 changes planned, more than remediationMaxChanges 2; nothing there was changed`,
    );
    expect(body).not.toContain('chg-0000000000b1');
  });

  it('lists at most MAX_ALERT_REMEDIATION planned changes and counts the rest, with what the targets left out', () => {
    const many = Array.from({ length: MAX_ALERT_REMEDIATION + 5 }, (_, i) => change(A, 'us-east-1', `m${i}`));
    const alert = runAlert([outcome(A, 'us-east-1', { ...plan(many), omitted: 7 })], []);
    expect(alert.remediation?.planned).toHaveLength(MAX_ALERT_REMEDIATION);
    expect(alert.remediation?.omitted).toBe(12);
    expect(renderEmail(alert).body).toContain('...and 12 more not listed here (size limits).');
  });

  it('carries the section whole in the machine JSON and within the Slack schema', () => {
    const { machine, slack } = snsParts(applyAlert());
    expect(machine.remediation?.entries.map((e) => e.outcome)).toEqual(['applied', 'skipped']);
    expect(machine.remediation?.tripped).toEqual([
      {
        accountId: B,
        region: 'us-east-1',
        problems: ['3 changes planned, more than remediationMaxChanges 2'],
      },
    ]);
    const n = JSON.parse(slack);
    expect(validate(n)).toBe(true);
    expect(n.content.title).toContain('1 changed by the auditor');
    expect(n.content.description).toContain('*FIXED BY THE AUDITOR (1; confirmed by the next audit)*');
  });
});

describe('An alert with the most remediation it lists, every value long', () => {
  it('stays within the SNS limit in every part, findings included', () => {
    const name = 'n'.repeat(128);
    const long = (c: PlannedChange): PlannedChange => ({
      ...c,
      before: { 'messageReviewHandler.uri': `arn:aws:lambda:us-east-1:${A}:function:${'f'.repeat(140)}` },
      after: { 'messageReviewHandler.uri': null },
    });
    const changes = Array.from({ length: 40 }, (_, i) => long(change(A, 'us-east-1', `x${i}`, name)));
    const remediation: TargetRemediation = {
      mode: 'apply',
      totals: NO_TOTALS,
      planned: changes,
      entries: changes.map((c) => entry(c, 'failed', `UpdateRoom failed: ${'r'.repeat(600)}`)),
      skipped: changes.map((c) => ({ ...c, reason: `the fix would not make it pass: ${'m'.repeat(600)}` })),
      tripped: [],
    };
    const alert = runAlert(
      [
        {
          ...outcome(A, 'us-east-1', remediation),
          newFindings: Array.from({ length: 300 }, () =>
            makeFinding({ roomName: name, message: 'v'.repeat(400) }),
          ),
        },
      ],
      [],
    );
    const messages = buildSnsMessages(alert);
    expect(messages.length).toBeGreaterThan(1);
    for (const m of messages) expect(messageBytes(m)).toBeLessThanOrEqual(SNS_MAX_BYTES);
  });
});

describe('A hostile room name in the remediation section', () => {
  const alert = planAlert(HOSTILE);

  it('is one inert line in the email and the terminal', () => {
    const { body } = renderEmail(alert);
    expect(hasControlChars(body, { allowNewline: true })).toBe(false);
    expect(body.split('\n').some((l) => l.trimStart().startsWith('| x |'))).toBe(false);
    const text = renderRemediationText(alert.remediation as NonNullable<Alert['remediation']>);
    expect(hasControlChars(text, { allowNewline: true })).toBe(false);
    expect(text).toContain('room-a2');
    expect(text.split('\n').some((l) => l.trimStart().startsWith('| x |'))).toBe(false);
  });

  it('cannot mention, format, link or break lines in Slack', () => {
    const n = renderSlack(alert);
    const description = n.content.description;
    for (const bad of ['<@here>', '*bold*', 'https://evil']) expect(description).not.toContain(bad);
    const line = description.split('\n').find((l) => l.includes('chg-0000000000a1'));
    expect(line).toBe(
      `  chg-0000000000a1  ${A} us-east-1  &lt;@\u2060here&gt; ＊bold＊ https［:］//evil.example | x |［31m  [message-length-max]`,
    );
  });

  it('reaches the machine JSON exactly as it came', () => {
    expect(snsParts(alert).machine.remediation?.planned[0]?.roomName).toBe(HOSTILE);
  });
});
