import { describe, expect, it } from 'vitest';
import type { Finding, Severity } from '../../lambda/core/types.js';
import { SEVERITIES } from '../../lambda/core/types.js';
import type { MachineAlert, PublishInput } from '../../lambda/sinks/sns-message.js';
import { messageBytes, SNS_MAX_BYTES } from '../../lambda/sinks/sns-message.js';
import { buildSnsMessages, MessageTooLargeError } from '../../lambda/sinks/sns-parts.js';
import { subjectProblem } from '../../local-aws/sns.js';
import { makeAlert, makeFinding, makeReport } from './fixtures.js';

interface Structured {
  default: string;
  https: string;
  email: string;
  'email-json': string;
  sqs: string;
  lambda: string;
}

function parse(input: PublishInput): { structured: Structured; machine: MachineAlert } {
  const structured = JSON.parse(input.Message) as Structured;
  return { structured, machine: JSON.parse(structured.sqs) as MachineAlert };
}

function accounted(messages: PublishInput[]): { listed: number; omitted: number; fingerprints: Set<string> } {
  let listed = 0;
  let omitted = 0;
  const fingerprints = new Set<string>();
  for (const m of messages) {
    const { machine } = parse(m);
    for (const f of [...machine.newFindings, ...machine.resolvedFindings, ...machine.reminders]) {
      listed += 1;
      fingerprints.add(f.fingerprint);
    }
    omitted += machine.omitted.new + machine.omitted.resolved + machine.omitted.reminders;
  }
  return { listed, omitted, fingerprints };
}

/** Long values everywhere a room can put them: names, tag values quoted in messages, remediation. */
function longFinding(i: number, severity: Severity): Finding {
  const tag = `"quoted" <tag> ${'v'.repeat(200)} ü ${i}`;
  return makeFinding({
    severity,
    policyId: `policy-${i % 7}`,
    roomName: `room-${'n'.repeat(100)}-${i}`,
    message: `tags.team is ${tag}; must match ^[a-z-]+$`,
    actual: { team: tag, other: 'x'.repeat(256) },
    remediationTemplate: `Run aws ivschat tag-resource --resource-arn {arn} --tags team=platform (room {name} in {region}) ${'r'.repeat(200)}`,
  });
}

describe('Function: buildSnsMessages', () => {
  it('publishes one structured message per run with a body per protocol', () => {
    const alert = makeAlert({
      newFindings: [makeFinding({ severity: 'critical', policyId: 'review-handler' }), makeFinding()],
      resolvedFindings: [makeFinding({ status: 'resolved', severity: 'low', policyId: 'required-tags' })],
    });
    const [message, ...rest] = buildSnsMessages(alert);
    expect(rest).toHaveLength(0);
    if (!message) throw new Error('no message');
    expect(message.MessageStructure).toBe('json');
    const { structured, machine } = parse(message);
    expect(Object.keys(structured).sort()).toEqual([
      'default',
      'email',
      'email-json',
      'https',
      'lambda',
      'sqs',
    ]);
    expect(JSON.parse(structured.default)).toMatchObject({ version: '1.0', source: 'custom' });
    expect(structured.https).toBe(structured.default);
    expect(structured.email).toContain('NEW FINDINGS (2)');
    expect(structured['email-json']).toBe(structured.email);
    expect(structured.lambda).toBe(structured.sqs);
    expect(machine.newFindings).toHaveLength(2);
    for (const f of machine.newFindings) {
      expect(f.remediation).not.toMatch(/\{(arn|name|region)\}/);
      expect(f.remediation).toContain(f.roomArn);
      expect(f).not.toHaveProperty('remediationTemplate');
    }
    expect(machine.report.roomsAudited).toBe(12);
    expect(message.Subject).toBe('[ivschat-auditor] 2 new, 1 resolved (1 critical, 1 high) in 123456789012');
  });

  it('sets filterable attributes', () => {
    const alert = makeAlert({
      newFindings: [makeFinding({ severity: 'medium', policyId: 'rate-cap' })],
      reminders: [makeFinding({ status: 'open', severity: 'high', policyId: 'max-message-length' })],
      resolvedFindings: [
        makeFinding({ status: 'resolved', severity: 'critical', policyId: 'review-handler' }),
      ],
    });
    const [message] = buildSnsMessages(alert);
    expect(message?.MessageAttributes).toEqual({
      severity: { DataType: 'String', StringValue: 'high' },
      newCount: { DataType: 'Number', StringValue: '1' },
      resolvedCount: { DataType: 'Number', StringValue: '1' },
      openCount: { DataType: 'Number', StringValue: '2' },
      policyIds: {
        DataType: 'String.Array',
        StringValue: '["max-message-length","rate-cap","review-handler"]',
      },
      accountId: { DataType: 'String', StringValue: '123456789012' },
    });
  });

  it('uses the highest resolved severity when only resolved findings are present', () => {
    const alert = makeAlert({
      resolvedFindings: [makeFinding({ status: 'resolved', severity: 'critical' })],
    });
    expect(buildSnsMessages(alert)[0]?.MessageAttributes.severity?.StringValue).toBe('critical');
  });

  it('counts, without rendering, findings beyond the last part: 120,000 findings stay accounted for', () => {
    const findings = Array.from({ length: 120_000 }, (_, i) => longFinding(i, 'medium'));
    const alert = makeAlert({
      newFindings: findings,
      report: makeReport({ findings, roomsAudited: 50_000 }),
    });
    const messages = buildSnsMessages(alert);
    expect(messages).toHaveLength(10);
    for (const m of messages) expect(messageBytes(m)).toBeLessThanOrEqual(SNS_MAX_BYTES);
    const { listed, omitted } = accounted(messages);
    expect(listed + omitted).toBe(120_000);
  });

  it('keeps a run of 5,000 findings with long values within the SNS limit, every finding accounted for', () => {
    const findings = Array.from({ length: 5000 }, (_, i) => longFinding(i, SEVERITIES[i % 5] ?? 'info'));
    const alert = makeAlert({
      newFindings: findings.slice(0, 3000),
      resolvedFindings: findings.slice(3000, 4000).map((f) => ({ ...f, status: 'resolved' as const })),
      reminders: findings.slice(4000),
      report: makeReport({ findings, roomsAudited: 5000 }),
    });
    const messages = buildSnsMessages(alert);
    expect(messages.length).toBeGreaterThan(1);
    for (const m of messages) expect(messageBytes(m)).toBeLessThanOrEqual(SNS_MAX_BYTES);
    const { listed, omitted, fingerprints } = accounted(messages);
    expect(listed + omitted).toBe(5000);
    expect(fingerprints.size).toBe(listed);
    expect(omitted).toBeGreaterThan(0); // more than 10 parts' worth: the rest is counted
    const last = parse(messages.at(-1) as PublishInput).structured;
    expect(last.email).toMatch(/\.\.\.and [\d,]+ more findings? not listed here/);
    expect(JSON.parse(last.default).content.description).toMatch(/…and \d+ more/);
  });

  it('splits into numbered parts that list every finding when allowed enough parts', () => {
    const findings = Array.from({ length: 5000 }, (_, i) => longFinding(i, 'high'));
    const messages = buildSnsMessages(makeAlert({ newFindings: findings }), { maxParts: 1000 });
    const total = messages.length;
    messages.forEach((m, i) => {
      expect(messageBytes(m)).toBeLessThanOrEqual(SNS_MAX_BYTES);
      expect(m.Subject).toContain(`(part ${i + 1}/${total})`);
      expect(subjectProblem(m.Subject)).toBeUndefined();
      expect(m.MessageAttributes.part?.StringValue).toBe(`${i + 1}/${total}`);
    });
    const { listed, omitted } = accounted(messages);
    expect(listed).toBe(5000);
    expect(omitted).toBe(0);
    // packing is reasonably tight: parts are not mostly empty
    const average = messages.reduce((n, m) => n + messageBytes(m), 0) / total;
    expect(average).toBeGreaterThan(SNS_MAX_BYTES * 0.5);
  });

  it('respects a smaller maxBytes', () => {
    const findings = Array.from({ length: 300 }, (_, i) => longFinding(i, 'medium'));
    const messages = buildSnsMessages(makeAlert({ newFindings: findings }), {
      maxBytes: 60_000,
      maxParts: 100,
    });
    for (const m of messages) expect(messageBytes(m)).toBeLessThanOrEqual(60_000);
    expect(accounted(messages).listed).toBe(300);
  });

  it('compacts or counts a single finding too large to list', () => {
    const huge = makeFinding({ actual: 'z'.repeat(200_000), message: 'm'.repeat(50_000) });
    const messages = buildSnsMessages(makeAlert({ newFindings: [huge, makeFinding()] }), {
      maxBytes: 40_000,
    });
    for (const m of messages) expect(messageBytes(m)).toBeLessThanOrEqual(40_000);
    const { listed, omitted } = accounted(messages);
    expect(listed + omitted).toBe(2);
    const compacted = messages
      .flatMap((m) => parse(m).machine.newFindings)
      .find((f) => f.fingerprint === huge.fingerprint);
    if (compacted) expect(compacted.actualTruncated).toBe(true);
  });

  it('refuses a limit too small for even a summary rather than exceed it', () => {
    const alert = makeAlert({ newFindings: Array.from({ length: 20 }, () => makeFinding()) });
    expect(() => buildSnsMessages(alert, { maxBytes: 2_000 })).toThrow(MessageTooLargeError);
  });
});
