import { describe, expect, it } from 'vitest';
import type { Alert, NotAuditedTarget } from '../../lambda/alert/alert.js';
import { alertForRoute, onRoute } from '../../lambda/alert/route-alert.js';
import type { Finding } from '../../lambda/core/types.js';
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
