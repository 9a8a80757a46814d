import { describe, expect, it } from 'vitest';
import type { Alert, NotAuditedTarget } from '../../lambda/alert/alert.js';
import { alertForRoute, onRoute } from '../../lambda/alert/route-alert.js';
import type { Finding } from '../../lambda/core/types.js';
import { renderEmail } from '../../lambda/render/email.js';
import { renderSlack } from '../../lambda/render/slack.js';
import { makeFinding, makeReport } from '../render/fixtures.js';

const finding = (roomId: string, routes?: string[]): Finding =>
  makeFinding({ roomId, fingerprint: roomId, ...(routes ? { routes } : {}) });

const notAudited: NotAuditedTarget = {
  accountId: '111111111111',
  region: 'eu-west-1',
  reason: 'AccessDenied',
  failedRuns: 1,
};

function alertOf(findings: Finding[]): Alert {
  return {
    accountId: '111111111111',
    regions: ['us-east-1'],
    newFindings: findings,
    resolvedFindings: [],
    reminders: [],
    exemptedFindings: [],
    report: makeReport({ findings }),
    notAudited: [notAudited],
  };
}

describe('onRoute', () => {
  it('sends a finding without routes to the default route only', () => {
    expect(onRoute(finding('a'), 'default')).toBe(true);
    expect(onRoute(finding('a'), 'payments')).toBe(false);
    expect(onRoute(finding('a', ['payments', 'owners:video']), 'owners:video')).toBe(true);
    expect(onRoute(finding('a', ['payments']), 'default')).toBe(false);
  });

  it('sends a finding none of whose routes has a sink any more to the default route', () => {
    const known = new Set(['default', 'payments']);
    expect(onRoute(finding('a', ['gone']), 'default', known)).toBe(true);
    expect(onRoute(finding('a', ['owners:esports']), 'payments', known)).toBe(false);
    expect(onRoute(finding('a', ['gone', 'payments']), 'default', known)).toBe(false);
    expect(onRoute(finding('a', ['gone', 'payments']), 'payments', known)).toBe(true);
  });
});

describe('alertForRoute', () => {
  const alert = alertOf([
    finding('pay', ['payments']),
    finding('both', ['payments', 'default']),
    finding('old'),
  ]);

  it("keeps only the route's findings, in the lists and the report", () => {
    const payments = alertForRoute(alert, 'payments');
    expect(payments.newFindings.map((f) => f.roomId)).toEqual(['pay', 'both']);
    expect(payments.report.findings.map((f) => f.roomId)).toEqual(['pay', 'both']);
    expect(alertForRoute(alert, 'default').newFindings.map((f) => f.roomId)).toEqual(['both', 'old']);
  });

  it("tells the run's own notes (targets not audited) to the default route only", () => {
    expect(alertForRoute(alert, 'payments').notAudited).toBeUndefined();
    expect(alertForRoute(alert, 'default').notAudited).toEqual([notAudited]);
  });
});

describe("a team's alert names only its rooms", () => {
  const pay = finding('pay', ['payments']);
  const other = finding('other', ['default']);
  const base = alertOf([pay, other]);
  const alert: Alert = {
    ...base,
    reportUrl: 'https://console.aws.amazon.com/s3/object/reports?prefix=reports/runs/x.html',
    report: {
      ...base.report,
      complete: false,
      errors: [
        {
          region: 'us-east-1',
          roomArn: other.roomArn,
          operation: 'GetRoom',
          code: 'AccessDenied',
          message: 'no',
        },
        {
          region: 'us-east-1',
          roomArn: pay.roomArn,
          operation: 'GetRoom',
          code: 'Throttled',
          message: 'slow',
        },
        { region: 'eu-west-1', operation: 'ListRooms', code: 'AccessDenied', message: 'denied' },
      ],
      notEvaluated: [{ policyId: 'logging', reason: 'facts missing', rooms: [other.roomArn, pay.roomArn] }],
    },
  };

  it("keeps out other teams' room ARNs, the run's own errors and the org-wide report link", () => {
    const payments = alertForRoute(alert, 'payments');
    expect(payments.reportUrl).toBeUndefined();
    expect(payments.report.errors.map((e) => e.roomArn)).toEqual([pay.roomArn]);
    expect(payments.report.notEvaluated).toEqual([
      { policyId: 'logging', reason: 'facts missing', rooms: [pay.roomArn] },
    ]);
    const email = renderEmail(payments);
    const slack = JSON.stringify(renderSlack(payments));
    for (const text of [email.body, slack]) {
      expect(text).not.toContain(other.roomArn);
      expect(text).not.toContain('ListRooms');
      expect(text).not.toContain('reports/runs');
    }
    expect(email.body).toContain(pay.roomArn);
  });

  it('leaves the default route the whole run: every error, note and the link', () => {
    const operators = alertForRoute(alert, 'default');
    expect(operators.reportUrl).toBe(alert.reportUrl);
    expect(operators.report.errors).toEqual(alert.report.errors);
    expect(operators.report.notEvaluated).toEqual(alert.report.notEvaluated);
  });
});
