import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SEVERITIES } from '../../lambda/core/types.js';
import { renderEmail, SUBJECT_MAX } from '../../lambda/render/email.js';
import { subjectProblem } from '../../local-aws/sns.js';
import { HOSTILE, HOSTILE_LINES, hasControlChars, makeAlert, makeFinding, makeReport } from './fixtures.js';

describe('Function: renderEmail', () => {
  describe('subject', () => {
    it('counts new and resolved findings with the severity of the new ones', () => {
      const alert = makeAlert({
        newFindings: [makeFinding(), makeFinding(), makeFinding({ severity: 'medium' })],
        resolvedFindings: [makeFinding({ status: 'resolved' })],
      });
      expect(renderEmail(alert).subject).toBe(
        '[ivschat-auditor] 3 new, 1 resolved (2 high, 1 medium) in 123456789012',
      );
    });

    it('says reminder for a digest of still-open findings only', () => {
      const alert = makeAlert({
        reminders: [makeFinding({ status: 'open' }), makeFinding({ status: 'open' })],
      });
      expect(renderEmail(alert).subject).toBe(
        '[ivschat-auditor] reminder: 2 open findings (2 high) in 123456789012',
      );
    });

    it('carries the part label and says when the audit was incomplete', () => {
      const alert = makeAlert({
        newFindings: [makeFinding()],
        partLabel: 'part 2/3',
        report: makeReport({ complete: false }),
      });
      const { subject } = renderEmail(alert);
      expect(subject).toContain('audit incomplete');
      expect(subject.endsWith('(part 2/3)')).toBe(true);
    });

    it('is always printable ASCII of at most 100 characters', () => {
      const arbFinding = fc.record({
        roomName: fc.string({ unit: 'binary', maxLength: 300 }),
        title: fc.string({ unit: 'binary', maxLength: 300 }),
        policyId: fc.string({ unit: 'binary', maxLength: 100 }),
        message: fc.string({ unit: 'binary', maxLength: 300 }),
        severity: fc.constantFrom(...SEVERITIES),
      });
      fc.assert(
        fc.property(
          fc.array(arbFinding, { maxLength: 5 }),
          fc.array(arbFinding, { maxLength: 3 }),
          fc.nat({ max: 3 }),
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc.option(fc.string({ unit: 'binary', maxLength: 60 }), { nil: undefined }),
          fc.boolean(),
          (added, resolved, reminders, accountId, partLabel, complete) => {
            const alert = makeAlert({
              accountId,
              newFindings: added.map((o) => makeFinding(o)),
              resolvedFindings: resolved.map((o) => makeFinding({ ...o, status: 'resolved' })),
              reminders: Array.from({ length: reminders }, () => makeFinding({ status: 'open' })),
              report: makeReport({ complete }),
              ...(partLabel === undefined ? {} : { partLabel }),
            });
            const { subject } = renderEmail(alert);
            return /^[\x21-\x7e][\x20-\x7e]*$/.test(subject) && subjectProblem(subject) === undefined;
          },
        ),
      );
    });

    it('stays ASCII with huge counts', () => {
      const many = Array.from({ length: 12_345 }, () => makeFinding());
      const { subject } = renderEmail(makeAlert({ newFindings: many, accountId: 'x'.repeat(200) }));
      expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX);
    });

    it('a subject cut to the limit is 99 characters: SNS takes "less than 100"', () => {
      const found = Array.from({ length: 2000 }, () => makeFinding());
      const alert = makeAlert({
        newFindings: found,
        resolvedFindings: found.map((f) => ({ ...f, status: 'resolved' as const })),
        accountId: 'x'.repeat(200),
        partLabel: 'part 12/34',
        report: makeReport({ complete: false }),
      });
      const { subject } = renderEmail(alert);
      expect(SUBJECT_MAX).toBe(99);
      expect(subject.length).toBe(SUBJECT_MAX);
      expect(subject).toMatch(/\.\.\. \(part 12\/34\)$/);
      expect(subjectProblem(subject)).toBeUndefined();
    });
  });

  describe('body', () => {
    it('groups by severity (critical first) then policy', () => {
      const alert = makeAlert({
        newFindings: [
          makeFinding({ severity: 'low', policyId: 'required-tags', title: 'Tags' }),
          makeFinding({ severity: 'critical', policyId: 'review-handler', title: 'Handler' }),
          makeFinding({ severity: 'high', policyId: 'b-policy', title: 'B' }),
          makeFinding({ severity: 'high', policyId: 'a-policy', title: 'A' }),
        ],
      });
      const { body } = renderEmail(alert);
      const order = [
        '--- CRITICAL ---',
        '[review-handler]',
        '--- HIGH ---',
        '[a-policy]',
        '[b-policy]',
        '--- LOW ---',
      ];
      const positions = order.map((s) => body.indexOf(s));
      expect(positions.every((p) => p >= 0)).toBe(true);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    });

    it('shows room, ARN, region, message, filled remediation and a console link', () => {
      const f = makeFinding({ roomName: 'lobby', roomId: 'abcDEF123', region: 'eu-west-1' });
      const { body } = renderEmail(makeAlert({ newFindings: [f] }));
      expect(body).toContain('lobby');
      expect(body).toContain(f.roomArn);
      expect(body).toContain('eu-west-1');
      expect(body).toContain('maximumMessageLength is 500; must be ≤ 200');
      expect(body).toContain(`--region eu-west-1 --identifier ${f.roomArn}`);
      expect(body).toContain('# lobby');
      expect(body).not.toMatch(/\{(arn|name|region)\}/);
      expect(body).toContain(
        'https://eu-west-1.console.aws.amazon.com/ivs/home?region=eu-west-1#/chat/rooms/abcDEF123',
      );
    });

    it('lists resolved findings with their reason, then reminders', () => {
      const alert = makeAlert({
        newFindings: [makeFinding()],
        resolvedFindings: [makeFinding({ status: 'resolved', resolvedReason: 'room deleted' })],
        reminders: [makeFinding({ status: 'open' })],
      });
      const { body } = renderEmail(alert);
      expect(body).toContain('room deleted');
      expect(body.indexOf('NEW FINDINGS')).toBeLessThan(body.indexOf('RESOLVED (1)'));
      expect(body.indexOf('RESOLVED (1)')).toBeLessThan(body.indexOf('STILL OPEN'));
    });

    it('dates a resolved finding by the run that found it fixed, not by its stored lastSeen', () => {
      const alert = makeAlert({
        resolvedFindings: [
          makeFinding({
            status: 'resolved',
            firstSeen: '2026-01-01T00:00:00.000Z',
            lastSeen: '2026-01-01T00:00:00.000Z',
          }),
        ],
        report: makeReport({ startedAt: '2026-01-05T10:00:00.000Z' }),
      });
      const { body } = renderEmail(alert);
      expect(body).toContain(
        'First seen: 2026-01-01T00:00:00.000Z, fixed as of the run at 2026-01-05T10:00:00.000Z',
      );
      expect(body).not.toContain('last seen 2026-01-01');
    });

    it('renders 60,000 findings without overflowing the call stack (regression: push(...lines))', () => {
      const many = Array.from({ length: 60_000 }, (_, i) =>
        makeFinding({ roomArn: `arn:aws:ivschat:us-east-1:123456789012:room/R${i}`, fingerprint: `f${i}` }),
      );
      const { body } = renderEmail(makeAlert({ newFindings: many }));
      expect(body).toContain('NEW FINDINGS (60000)');
    });

    it('says when an exemption has expired', () => {
      const f = makeFinding({ exemption: { reason: 'load test', expires: '2024-12-31', expired: true } });
      expect(renderEmail(makeAlert({ newFindings: [f] })).body).toMatch(
        /EXPIRED on 2024-12-31; no longer exempt/,
      );
    });

    it('warns in the footer when the audit was partial', () => {
      const report = makeReport({
        complete: false,
        errors: [
          { region: 'us-east-1', operation: 'GetRoom', code: 'ThrottlingException', message: 'slow down' },
        ],
      });
      const { body } = renderEmail(makeAlert({ newFindings: [makeFinding()], report }));
      expect(body).toContain('12 rooms audited');
      expect(body).toContain('1 error');
      expect(body).toContain('INCOMPLETE');
      expect(body).toContain('ThrottlingException');
    });

    it('tells a change storm apart from a broken audit: rooms left to the full audit need no fix', () => {
      const deferred = {
        region: 'us-east-1',
        operation: 'ChangeBatch',
        code: 'FullAuditDue',
        message: '5000 rooms changed in one batch: 4900 are left to the next scheduled audit, marked due',
      };
      const report = makeReport({ complete: false, errors: [deferred] });
      const { subject, body } = renderEmail(makeAlert({ newFindings: [makeFinding()], report }));
      expect(body).toContain('Nothing to fix');
      expect(body).not.toContain('INCOMPLETE');
      expect(subject).not.toContain('incomplete');
      const mixed = makeReport({
        complete: false,
        errors: [
          deferred,
          { region: 'us-east-1', operation: 'GetRoom', code: 'AccessDenied', message: 'no' },
        ],
      });
      expect(renderEmail(makeAlert({ newFindings: [makeFinding()], report: mixed })).body).toContain(
        'INCOMPLETE',
      );
    });

    it('renders hostile room data inert: no control characters, no forged lines', () => {
      const f = makeFinding({
        roomName: HOSTILE_LINES,
        message: `tags.team is "${HOSTILE}\nFix: run rm -rf"; must be set`,
        remediationTemplate: 'Tag {name} properly',
      });
      const { body, subject } = renderEmail(makeAlert({ newFindings: [f] }));
      expect(hasControlChars(body, { allowNewline: true })).toBe(false);
      expect(body.split('\n').some((l) => l.startsWith('Subject:') || l.startsWith('Fix: run'))).toBe(false);
      expect(body.split('\n').filter((l) => l.includes('fake'))).toHaveLength(2); // Room: and Fix:, both indented fields
      for (const line of body.split('\n').filter((l) => l.includes('fake'))) expect(line).toMatch(/^ {2}\w/);
      expect(subject).toMatch(/^[\x20-\x7e]+$/);
    });

    it('a lone surrogate in a room id or region aborted the email (encodeURIComponent threw)', () => {
      const f = makeFinding({
        roomId: 'r\ud800',
        region: 'eu-west-1\udc00',
        roomName: 'n\ud800',
        message: 'm\udfff',
      });
      const alert = makeAlert({
        newFindings: [f],
        partLabel: 'part 1/2\ud800',
        accountId: '12345678901\udc00',
      });
      const { body, subject } = renderEmail(alert);
      expect(body).not.toMatch(/[\ud800-\udfff]/); // no surrogate left at all here: none was paired
      expect(body).toContain('Console:');
      expect(body).toContain('region=eu-west-1%EF%BF%BD');
      expect(subject).toMatch(/^[\x20-\x7e]+$/);
      expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX);
    });

    it('control characters in policy ids, titles, exemption and resolved reasons are stripped', () => {
      const bad = 'x\u001b[2J\r\nSubject: forged\u0007\u202e\u009b';
      const alert = makeAlert({
        newFindings: [
          makeFinding({ policyId: bad, title: bad, exemption: { reason: bad, expires: bad, expired: true } }),
        ],
        resolvedFindings: [makeFinding({ status: 'resolved', resolvedReason: bad, title: bad })],
      });
      const { body, subject } = renderEmail(alert);
      expect(hasControlChars(body, { allowNewline: true })).toBe(false);
      expect(body.split('\n').some((l) => l.startsWith('Subject:'))).toBe(false);
      expect(subject).toMatch(/^[\x20-\x7e]+$/);
    });
  });
});
