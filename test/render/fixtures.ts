import type { Alert } from '../../lambda/alert/alert.js';
import { evaluateRoom } from '../../lambda/audit/evaluate.js';
import type { Finding, Report } from '../../lambda/core/types.js';
import { loadPolicyDir } from '../../lambda/policy/load-dir.js';
import { compliantRoom } from '../fixtures.js';

export const ACCOUNT = '123456789012';

let serial = 0;

/** A valid finding; override what the test is about. */
export function makeFinding(overrides: Partial<Finding> = {}): Finding {
  serial += 1;
  const region = overrides.region ?? 'us-east-1';
  const roomId = overrides.roomId ?? `room${String(serial).padStart(8, '0')}`;
  return {
    fingerprint: `fp-${serial}`,
    policyId: 'max-message-length',
    title: 'Maximum message length is at most 200',
    severity: 'high',
    status: 'new',
    accountId: ACCOUNT,
    region,
    roomArn: `arn:aws:ivschat:${region}:${ACCOUNT}:room/${roomId}`,
    roomId,
    roomName: `room-${serial}`,
    path: '/maximumMessageLength',
    actual: 500,
    message: 'maximumMessageLength is 500; must be ≤ 200',
    remediationTemplate:
      'aws ivschat update-room --region {region} --identifier {arn} --maximum-message-length 200  # {name}',
    firstSeen: '2025-01-01T00:00:00.000Z',
    lastSeen: '2025-01-02T00:00:00.000Z',
    ...overrides,
  };
}

export function makeReport(overrides: Partial<Report> = {}): Report {
  return {
    version: '1.0',
    startedAt: '2025-01-02T00:00:00.000Z',
    finishedAt: '2025-01-02T00:01:00.000Z',
    targets: [{ accountId: ACCOUNT, region: 'us-east-1' }],
    roomsAudited: 12,
    policiesEvaluated: 5,
    findings: [],
    errors: [],
    complete: true,
    ...overrides,
  };
}

export function makeAlert(overrides: Partial<Alert> = {}): Alert {
  const newFindings = overrides.newFindings ?? [];
  const reminders = overrides.reminders ?? [];
  return {
    accountId: ACCOUNT,
    regions: ['us-east-1'],
    newFindings,
    resolvedFindings: [],
    reminders,
    report: makeReport({ findings: [...newFindings, ...reminders] }),
    ...overrides,
  };
}

/** The hostile tag value from the brief, plus control characters and a bidi override. */
export const HOSTILE = '<!channel> *bold* <http://evil.example|click>';
export const HOSTILE_LINES = 'ok\nSubject: fake\r\n\u001b[31mred\u0007 \u202eevil\u2028line\u0085next';

/** True when `s` holds a C0/C1 control, DEL, a Unicode line separator or a bidi override. */
export function hasControlChars(s: string, opts: { allowNewline?: boolean } = {}): boolean {
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (opts.allowNewline && c === 0x0a) continue;
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029) return true;
    if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) return true;
  }
  return false;
}

/**
 * A finding as evaluation makes it when a room's exemption ran out on 2020-01-31: the real
 * evaluator, the starter message-length policy with an exemption added.
 */
export function expiredExemptionFinding(): Finding {
  const room = compliantRoom({ maximumMessageLength: 500 });
  const [starter] = loadPolicyDir().policies.filter((p) => p.policy.id === 'message-length-max');
  if (!starter) throw new Error('starter policy message-length-max not found');
  const exemption = { rooms: [room.arn], reason: 'legacy client', expires: '2020-01-31' };
  const compiled = { ...starter, exemptions: new Map([[room.arn, [exemption]]]) };
  const [finding] = evaluateRoom(room, [compiled], { now: '2026-01-01T00:00:00.000Z' }).findings;
  if (!finding) throw new Error('no finding');
  return finding;
}
