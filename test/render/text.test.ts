import { describe, expect, it } from 'vitest';
import { renderText, summaryLine } from '../../lambda/render/text.js';
import { expiredExemptionFinding, hasControlChars, makeFinding, makeReport } from './fixtures.js';

describe('Function: renderText', () => {
  const report = makeReport({
    findings: [
      makeFinding({ severity: 'medium', policyId: 'rate-cap', roomName: 'r-medium-1' }),
      makeFinding({ severity: 'high', policyId: 'z-policy', roomName: 'r-high-z' }),
      makeFinding({
        severity: 'critical',
        policyId: 'review-handler',
        roomName: 'r-critical',
        status: 'open',
      }),
      makeFinding({ severity: 'high', policyId: 'a-policy', roomName: 'r-high-a' }),
      makeFinding({ severity: 'medium', policyId: 'rate-cap', roomName: 'r-medium-2' }),
      makeFinding({ severity: 'low', policyId: 'gone', roomName: 'r-resolved', status: 'resolved' }),
    ],
  });

  it('groups by severity, then policy, one line per finding with the ARN beneath', () => {
    const lines = renderText(report).split('\n');
    const order = ['CRITICAL', 'review-handler', 'HIGH', 'a-policy', 'z-policy', 'MEDIUM', 'rate-cap'];
    const at = order.map((h) => lines.findIndex((l) => l === h || l.startsWith(`${h}  `)));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    const i = lines.findIndex((l) =>
      l.startsWith('  OPEN  r-critical (us-east-1)  maximumMessageLength is 500'),
    );
    expect(i).toBeGreaterThan(0);
    expect(lines[i + 1]).toMatch(/^ {4}arn:aws:ivschat:us-east-1:123456789012:room\//);
    // resolved findings are not among the open ones: only in the RESOLVED section after them
    const resolvedAt = lines.indexOf('RESOLVED (1)');
    expect(resolvedAt).toBeGreaterThan(i);
    expect(lines.findIndex((l) => l.includes('r-resolved'))).toBeGreaterThan(resolvedAt);
  });

  it('ends with the summary line', () => {
    const out = renderText(report).trimEnd().split('\n');
    expect(out.at(-1)).toBe(
      '12 rooms audited, 5 findings (1 critical, 2 high, 2 medium), 0 errors, 1 resolved',
    );
  });

  it('says when the audit was incomplete and lists the errors', () => {
    const partial = makeReport({
      complete: false,
      errors: [
        { region: 'eu-west-1', operation: 'GetRoom', roomArn: 'arn:x', code: 'Throttling', message: 'slow' },
      ],
    });
    const out = renderText(partial);
    expect(summaryLine(partial)).toBe('12 rooms audited, 0 findings, 1 error, audit incomplete');
    expect(out).toContain('ERRORS (1)');
    expect(out).toContain('eu-west-1 GetRoom arn:x: Throttling slow');
    expect(out).toContain('audit incomplete');
  });

  it('uses no ANSI colours unless asked', () => {
    const esc = new RegExp(String.fromCharCode(27));
    expect(renderText(report)).not.toMatch(esc);
    expect(renderText(report, { color: true })).toMatch(esc);
  });

  it('strips terminal escape sequences from room data', () => {
    const hostile = makeReport({
      findings: [makeFinding({ roomName: '\u001b[2Jwiped\nfake line', message: 'm\u0007' })],
    });
    const out = renderText(hostile);
    expect(out.includes(String.fromCharCode(27))).toBe(false);
    expect(out.split('\n').some((l) => l.startsWith('fake line'))).toBe(false);
  });

  it('resolved findings were never printed: a RESOLVED section after the open ones, counted in the summary', () => {
    const r = makeReport({
      findings: [
        makeFinding({ severity: 'high', policyId: 'open-policy', roomName: 'still-bad' }),
        makeFinding({
          severity: 'medium',
          policyId: 'rate-cap',
          title: 'Rate is capped',
          roomName: 'fixed-room',
          region: 'eu-west-1',
          status: 'resolved',
          message: 'maximumMessageRatePerSecond is 100; must be ≤ 10',
        }),
        makeFinding({
          severity: 'critical',
          policyId: 'review-handler',
          title: 'Handler reviewed',
          roomName: 'gone-room',
          status: 'resolved',
          message: 'no message review handler',
          resolvedReason: 'room deleted',
        }),
        makeFinding({ status: 'exempt', exemption: { reason: 'load test', expired: false } }),
      ],
    });
    const lines = renderText(r).trimEnd().split('\n');
    const at = lines.indexOf('RESOLVED (2)');
    expect(at).toBeGreaterThan(lines.findIndex((l) => l.includes('still-bad')));
    expect(at).toBeLessThan(lines.indexOf('EXEMPT (1)'));
    // grouped like the open findings: most severe first, policy line, one line per finding
    expect(lines.slice(at + 1, at + 6)).toEqual([
      'review-handler  Handler reviewed  (critical)',
      '  RESOLVED  gone-room (us-east-1)  was: no message review handler (room deleted)',
      'rate-cap  Rate is capped  (medium)',
      '  RESOLVED  fixed-room (eu-west-1)  was: maximumMessageRatePerSecond is 100; must be ≤ 10',
      '',
    ]);
    expect(lines.at(-1)).toBe('12 rooms audited, 1 finding (1 high), 0 errors, 2 resolved, 1 exempt');
    expect(summaryLine(makeReport())).toBe('12 rooms audited, 0 findings, 0 errors');
  });

  it('policy ids, titles, reasons and ARNs from policy files and state are stripped of control characters', () => {
    const bad = '\u001b]8;;https://evil.example\u0007link\u001b]8;;\u0007\nforged\u202e\u009b2J\ud800';
    const r = makeReport({
      findings: [
        makeFinding({ policyId: `p${bad}`, title: `t${bad}`, roomArn: `arn${bad}`, message: bad }),
        makeFinding({
          status: 'resolved',
          policyId: `q${bad}`,
          title: bad,
          message: bad,
          resolvedReason: bad,
        }),
        makeFinding({
          status: 'exempt',
          policyId: `e${bad}`,
          exemption: { reason: bad, expires: bad, expired: false },
        }),
        makeFinding({ policyId: 'x', exemption: { reason: bad, expires: bad, expired: true } }),
      ],
      errors: [{ region: bad, operation: bad, roomArn: bad, code: bad, message: bad }],
      complete: false,
    });
    for (const color of [false, true]) {
      const out = renderText(r, { color });
      // only our own SGR colour codes may remain
      const withoutOurs = out.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');
      expect(hasControlChars(withoutOurs, { allowNewline: true })).toBe(false);
      expect(withoutOurs).not.toMatch(/[\ud800-\udfff]/);
      expect(out.split('\n').some((l) => l.startsWith('forged'))).toBe(false);
    }
  });

  it('lists exempt findings apart and counts them in the summary', () => {
    const r = makeReport({
      findings: [makeFinding({ status: 'exempt', exemption: { reason: 'load test', expired: false } })],
    });
    expect(renderText(r)).toContain('EXEMPT (1)');
    expect(summaryLine(r)).toBe('12 rooms audited, 0 findings, 0 errors, 1 exempt');
  });

  it('marks each finding NEW, OPEN, RESOLVED or EXEMPT (until DATE)', () => {
    const r = makeReport({
      findings: [
        makeFinding({ roomName: 'first-seen', status: 'new' }),
        makeFinding({ roomName: 'seen-before', status: 'open' }),
        makeFinding({ roomName: 'fixed', status: 'resolved' }),
        makeFinding({
          roomName: 'waived',
          status: 'exempt',
          exemption: { reason: 'load test', expires: '2027-03-31', expired: false },
        }),
        makeFinding({
          roomName: 'waived-for-good',
          status: 'exempt',
          exemption: { reason: 'r', expired: false },
        }),
      ],
    });
    const line = (room: string) =>
      renderText(r)
        .split('\n')
        .find((l) => l.includes(` ${room} (`));
    expect(line('first-seen')).toMatch(/^ {2}NEW {3}first-seen \(/);
    expect(line('seen-before')).toMatch(/^ {2}OPEN {2}seen-before \(/);
    expect(line('fixed')).toMatch(/^ {2}RESOLVED {2}fixed \(/);
    expect(line('waived')).toMatch(/^ {2}EXEMPT \(until 2027-03-31\) {2}waived \(/);
    expect(line('waived-for-good')).toMatch(/^ {2}EXEMPT {2}waived-for-good \(/);
  });

  it('notes an expired exemption once', () => {
    const out = renderText(makeReport({ findings: [expiredExemptionFinding()] }));
    expect(out.match(/exemption expired 2020-01-31/g)).toHaveLength(1);
  });
});
