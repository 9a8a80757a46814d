import type { Alert } from '../../lambda/alert/alert.js';
import type { Finding } from '../../lambda/core/types.js';
import { renderEmail } from '../../lambda/render/email.js';
import { renderSlack } from '../../lambda/render/slack.js';
import { renderText } from '../../lambda/render/text.js';
import { buildSnsMessages } from '../../lambda/sinks/sns-parts.js';
import { HOSTILE, HOSTILE_LINES, makeAlert, makeFinding, makeReport } from './fixtures.js';

/** Findings with fixed ids, so the rendering does not depend on the order tests build fixtures. */
function finding(n: number, overrides: Partial<Finding> = {}): Finding {
  return makeFinding({
    fingerprint: `golden-${n}`,
    roomId: `golden${n}`,
    roomName: `golden-room-${n}`,
    ...overrides,
  });
}

/** A single-account alert exercising every part of every renderer (sections, exemptions, errors, omissions). */
export function singleAccountAlert(): Alert {
  const newFindings = [
    finding(1, {
      severity: 'critical',
      policyId: 'review-handler-fallback-deny',
      title: 'Review falls back to DENY',
    }),
    finding(2, { region: 'eu-west-1', roomArn: 'arn:aws:ivschat:eu-west-1:123456789012:room/golden2' }),
    finding(3, {
      severity: 'low',
      policyId: 'required-tags',
      message: `tags.owner is "${HOSTILE}"; ${HOSTILE_LINES}`,
    }),
  ];
  const resolvedFindings = [
    finding(4, { status: 'resolved', severity: 'medium', resolvedReason: 'room deleted' }),
  ];
  const reminders = [
    finding(5, {
      status: 'open',
      exemption: { reason: 'legacy client', expires: '2020-01-31', expired: true },
    }),
  ];
  return makeAlert({
    regions: ['us-east-1', 'eu-west-1'],
    newFindings,
    resolvedFindings,
    reminders,
    omitted: { new: 2, resolved: 0, reminders: 1 },
    report: makeReport({
      targets: [
        { accountId: '123456789012', region: 'us-east-1' },
        { accountId: '123456789012', region: 'eu-west-1' },
      ],
      findings: [
        ...newFindings,
        ...resolvedFindings,
        ...reminders,
        finding(6, { status: 'exempt', exemption: { reason: 'demo', expired: false } }),
      ],
      errors: [
        {
          region: 'eu-west-1',
          operation: 'ListRooms',
          code: 'ThrottlingException',
          message: 'Rate exceeded',
        },
      ],
      complete: false,
      roomsSkipped: 1,
    }),
  });
}

/** Every rendering of the single-account alert: text, email, Slack, the SNS message whole and split. */
export function renderAll(alert: Alert): Record<string, unknown> {
  return {
    text: renderText(alert.report),
    email: renderEmail(alert),
    slack: renderSlack(alert),
    sns: buildSnsMessages(alert),
    snsSplit: buildSnsMessages(alert, { maxBytes: 16_000 }),
  };
}
