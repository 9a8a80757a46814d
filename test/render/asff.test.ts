import { describe, expect, it } from 'vitest';
import { ASFF_LIMITS, asffBytes, asffId, defaultProductArn, toAsff } from '../../lambda/render/asff.js';
import { limitProblems, shapeProblems } from './asff-shape.js';
import { makeFinding } from './fixtures.js';

const NOW = '2025-01-03T00:00:00.000Z';

function problems(value: ReturnType<typeof toAsff>): string[] {
  return [
    ...shapeProblems(value, 'AwsSecurityFinding'),
    ...limitProblems(value as unknown as Record<string, unknown>),
  ];
}

describe('toAsff', () => {
  it('maps a new finding to an ACTIVE, FAILED record the service model accepts', () => {
    const finding = makeFinding({ severity: 'high' });
    const asff = toAsff(finding, NOW);

    expect(problems(asff)).toEqual([]);
    expect(asff).toMatchObject({
      SchemaVersion: '2018-10-08',
      Id: asffId(finding.fingerprint),
      ProductArn: 'arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default',
      GeneratorId: 'ivschat-auditor/max-message-length',
      AwsAccountId: '123456789012',
      CreatedAt: finding.firstSeen,
      UpdatedAt: NOW,
      Severity: { Label: 'HIGH' },
      Compliance: { Status: 'FAILED' },
      RecordState: 'ACTIVE',
      Resources: [{ Type: 'Other', Id: finding.roomArn, Partition: 'aws', Region: 'us-east-1' }],
    });
    expect(asff.Types[0]).toMatch(/^Software and Configuration Checks\/AWS Security Best Practices\//);
    expect(asff.Remediation.Recommendation.Text).toContain(finding.roomArn);
    expect(asff.Resources[0]?.Details.Other).toMatchObject({ roomName: finding.roomName, actual: '500' });
  });

  it('labels every severity with the ASFF enum (info → INFORMATIONAL)', () => {
    const labels = (['critical', 'high', 'medium', 'low', 'info'] as const).map(
      (severity) => toAsff(makeFinding({ severity }), NOW).Severity.Label,
    );
    expect(labels).toEqual(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL']);
  });

  it('keeps the same Id for the same fingerprint whatever the value or status', () => {
    const open = toAsff(makeFinding({ fingerprint: 'abc', actual: 500, status: 'open' }), NOW);
    const resolved = toAsff(makeFinding({ fingerprint: 'abc', actual: 300, status: 'resolved' }), NOW);
    expect(resolved.Id).toBe(open.Id);
  });

  it('archives a resolved finding as PASSED', () => {
    const asff = toAsff(makeFinding({ status: 'resolved', resolvedReason: 'room deleted' }), NOW);
    expect(problems(asff)).toEqual([]);
    expect(asff.Compliance.Status).toBe('PASSED');
    expect(asff.RecordState).toBe('ARCHIVED');
    expect(asff.ProductFields['ivschat-auditor/ResolvedReason']).toBe('room deleted');
  });

  it('archives an exempt finding with the exemption reason and expiry in ProductFields', () => {
    const asff = toAsff(
      makeFinding({
        status: 'exempt',
        exemption: { reason: 'legacy app', expires: '2026-01-31', expired: false },
      }),
      NOW,
    );
    expect(problems(asff)).toEqual([]);
    expect(asff.RecordState).toBe('ARCHIVED');
    expect(asff.ProductFields).toMatchObject({
      'ivschat-auditor/ExemptionReason': 'legacy app',
      'ivschat-auditor/ExemptionExpires': '2026-01-31',
      'ivschat-auditor/ExemptionExpired': 'false',
    });
  });

  it('keeps a finding whose exemption expired ACTIVE and says it expired', () => {
    const asff = toAsff(
      makeFinding({ status: 'new', exemption: { reason: 'legacy', expires: '2024-01-31', expired: true } }),
      NOW,
    );
    expect(asff.RecordState).toBe('ACTIVE');
    expect(asff.ProductFields['ivschat-auditor/ExemptionExpired']).toBe('true');
    expect(asff.Description).toContain('expired on 2024-01-31');
  });

  it('never writes Workflow, Note or the other analyst-owned fields', () => {
    for (const status of ['new', 'open', 'resolved', 'exempt'] as const) {
      const asff = toAsff(makeFinding({ status }), NOW) as unknown as Record<string, unknown>;
      for (const field of ['Workflow', 'WorkflowState', 'Note', 'UserDefinedFields', 'VerificationState'])
        expect(asff[field]).toBeUndefined();
    }
  });

  it('truncates long text cleanly within the ASFF limits, without splitting a character', () => {
    const huge = `${'😀'.repeat(3000)}`;
    const asff = toAsff(
      makeFinding({
        title: huge,
        message: huge,
        remediationTemplate: huge,
        roomName: huge,
        actual: huge,
        exemption: { reason: huge, expires: '2026-01-01', expired: false },
        status: 'exempt',
      }),
      NOW,
    );
    expect(problems(asff)).toEqual([]);
    expect(asff.Title.length).toBeLessThanOrEqual(ASFF_LIMITS.title);
    expect(asff.Title.endsWith('😀…')).toBe(true);
    expect(asff.Description.length).toBeLessThanOrEqual(ASFF_LIMITS.description);
    expect(asff.Remediation.Recommendation.Text.length).toBeLessThanOrEqual(ASFF_LIMITS.recommendation);
    expect(asffBytes(asff)).toBeLessThan(ASFF_LIMITS.findingBytes);
  });

  it('leaves out blank map values, which ASFF refuses', () => {
    const asff = toAsff(makeFinding({ roomName: '   ', actual: undefined }), NOW);
    expect(problems(asff)).toEqual([]);
    expect(asff.Resources[0]?.Details.Other).not.toHaveProperty('roomName');
    expect(asff.Resources[0]?.Details.Other).not.toHaveProperty('actual');
  });

  it('names the partition of the room in the product ARN', () => {
    const asff = toAsff(
      makeFinding({ region: 'cn-north-1', roomArn: 'arn:aws-cn:ivschat:cn-north-1:123456789012:room/abc' }),
      NOW,
    );
    expect(asff.ProductArn).toBe(defaultProductArn('aws-cn', 'cn-north-1', '123456789012'));
    expect(asff.Resources[0]?.Partition).toBe('aws-cn');
  });
});

describe('the ASFF shape check itself', () => {
  it('refuses a missing required member, an unknown enum value, a blank string and an unknown member', () => {
    const asff = { ...toAsff(makeFinding(), NOW), RecordState: 'DELETED', Title: ' ', Bogus: 1 } as Record<
      string,
      unknown
    >;
    delete asff.AwsAccountId;
    expect(shapeProblems(asff, 'AwsSecurityFinding')).toEqual(
      expect.arrayContaining([
        '/AwsAccountId: required',
        expect.stringMatching(/^\/RecordState: DELETED is not one of/),
        expect.stringMatching(/^\/Title: does not match/),
        '/Bogus: not a member of AwsSecurityFinding',
      ]),
    );
  });
});
