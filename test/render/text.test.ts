import { describe, expect, it } from 'vitest';
import { renderText, summaryLine } from '../../lambda/render/text.js';
import { makeFinding, makeReport } from './fixtures.js';

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
    const i = lines.findIndex((l) => l.startsWith('  r-critical (us-east-1)  maximumMessageLength is 500'));
    expect(i).toBeGreaterThan(0);
    expect(lines[i + 1]).toMatch(/^ {4}arn:aws:ivschat:us-east-1:123456789012:room\//);
    expect(lines.some((l) => l.includes('r-resolved'))).toBe(false);
  });

  it('ends with the summary line', () => {
    const out = renderText(report).trimEnd().split('\n');
    expect(out.at(-1)).toBe('12 rooms audited, 5 findings (1 critical, 2 high, 2 medium), 0 errors');
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

  it('lists exempt findings apart and counts them in the summary', () => {
    const r = makeReport({
      findings: [makeFinding({ status: 'exempt', exemption: { reason: 'load test', expired: false } })],
    });
    expect(renderText(r)).toContain('EXEMPT (1)');
    expect(summaryLine(r)).toBe('12 rooms audited, 0 findings, 0 errors, 1 exempt');
  });
});
