/**
 * The link to the run's HTML report in S3 (setting `reportBucket`) in the email and the Slack
 * notification: shown when the alert carries it, absent without it, and never inserted when it is
 * anything but a plain https URL.
 */
import { describe, expect, it } from 'vitest';
import { s3ObjectConsoleUrl } from '../../lambda/render/console-url.js';
import { renderEmail } from '../../lambda/render/email.js';
import { renderSlack, SLACK_LIMITS } from '../../lambda/render/slack.js';
import { HOSTILE, makeAlert, makeFinding, makeReport } from './fixtures.js';

const URL = s3ObjectConsoleUrl(
  'audit-reports',
  'reports/123456789012/2026-12-06T20-00-00.000Z.html',
  'us-east-1',
);

describe('the report link', () => {
  it('is a line of the email, under the summary', () => {
    const body = renderEmail(makeAlert({ newFindings: [makeFinding()], reportUrl: URL })).body;
    const lines = body.split('\n');
    const at = lines.indexOf(`The run's full report (HTML, in S3): ${URL}`);
    expect(at).toBeGreaterThan(0);
    expect(lines[at - 1]).toMatch(/^In this message: /);
  });

  it("is the Slack notification's last next step, whole and unescaped, however many steps come before it", () => {
    const findings = ['a', 'b', 'c', 'd'].map((p) => makeFinding({ policyId: `policy-${p}` }));
    const alert = makeAlert({
      newFindings: findings,
      report: makeReport({ complete: false }),
      reportUrl: URL,
    });
    const steps = renderSlack(alert).content.nextSteps;
    expect(steps).toHaveLength(SLACK_LIMITS.nextSteps);
    expect(steps.at(-1)).toBe(`Read the run's full report: ${URL}`);
  });

  it('is absent from both without a report', () => {
    const alert = makeAlert({ newFindings: [makeFinding()] });
    expect(renderEmail(alert).body).not.toContain('full report');
    expect(renderSlack(alert).content.nextSteps.join('\n')).not.toContain('full report');
  });

  it('is left out rather than inserted when it is not a plain https URL', () => {
    for (const hostile of [
      HOSTILE,
      `https://evil.example/${HOSTILE}`,
      'javascript:alert(1)',
      'http://x.example/',
    ]) {
      const alert = makeAlert({ newFindings: [makeFinding()], reportUrl: hostile });
      const email = renderEmail(alert).body;
      const slack = JSON.stringify(renderSlack(alert));
      expect(email, hostile).not.toContain('full report');
      expect(slack, hostile).not.toContain('full report');
      expect(slack, hostile).not.toContain('<!channel>');
    }
  });
});
