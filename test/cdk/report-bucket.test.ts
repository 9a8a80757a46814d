/**
 * The stack with `reportBucket`: off by default (no bucket, no S3 permission, no variable); `create`
 * makes a private, encrypted, expiring bucket; a name uses that bucket. Either way the audit function
 * may put objects under `reports/` and nothing else. cdk-nag runs in every synth (synthApp).
 */
import { App } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { STACK_OUTPUT } from '../../lambda/settings/stack-outputs.js';
import { REPORT_EXPIRY_DAYS } from '../../lambda/settings/table.js';
import { IvsChatAuditor } from '../../lib/ivschat-auditor.js';
import { InvalidPropsError } from '../../lib/props.js';
import { synthApp, synthError } from './synth.js';

type Resource = { Properties: Record<string, unknown> };
type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

/** Every statement of every IAM policy in the template that names an S3 or KMS action. */
function s3Statements(resources: Record<string, Record<string, unknown>>): Statement[] {
  return (Object.values(resources) as Resource[])
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
    .filter((s) => [s.Action].flat().some((a) => a.startsWith('s3:')));
}

function functionVariables(template: ReturnType<typeof synthApp>['template']) {
  return Object.values(template.findResources('AWS::Lambda::Function')).map(
    (fn) => (fn as Resource).Properties.Environment as { Variables: Record<string, unknown> },
  );
}

describe('reportBucket', () => {
  it('is off by default: no bucket, no S3 permission, no REPORT_BUCKET', () => {
    const { template } = synthApp({});
    template.resourceCountIs('AWS::S3::Bucket', 0);
    expect(s3Statements(template.findResources('AWS::IAM::Policy'))).toEqual([]);
    for (const env of functionVariables(template)) expect(env.Variables).not.toHaveProperty('REPORT_BUCKET');
    expect(template.toJSON().Outputs).not.toHaveProperty(STACK_OUTPUT.reportBucket);
  });

  it('creates a private, SSE-S3, TLS-only, unversioned bucket whose reports expire, with create', () => {
    const { template, stack } = synthApp({ reportBucket: 'create' });
    template.resourceCountIs('AWS::S3::Bucket', 1);
    const [[bucketId, bucket]] = Object.entries(template.findResources('AWS::S3::Bucket')) as [
      [string, Resource],
    ];
    expect(bucket.Properties).toEqual({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      LifecycleConfiguration: {
        Rules: [
          {
            Id: 'ExpireReports',
            Prefix: 'reports/',
            ExpirationInDays: REPORT_EXPIRY_DAYS,
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
            Status: 'Enabled',
          },
        ],
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    // Kept by `cdk destroy`: the reports are the audit's record.
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Deny', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
        ]),
      },
    });
    expect(s3Statements(template.findResources('AWS::IAM::Policy'))).toEqual([
      {
        Sid: 'WriteRunReports',
        Effect: 'Allow',
        Action: 's3:PutObject',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/reports/*']] },
      },
    ]);
    for (const env of functionVariables(template)) {
      expect(env.Variables).toMatchObject({ REPORT_BUCKET: { Ref: bucketId } });
    }
    expect(stack.auditor.reportBucket).toBeDefined();
    expect(template.toJSON().Outputs[STACK_OUTPUT.reportBucket]).toMatchObject({ Value: { Ref: bucketId } });
  });

  it('uses a named bucket as it is: no bucket created, PutObject on its reports/ only, no KMS grant', () => {
    const { template } = synthApp({ reportBucket: 'central-audit-reports' });
    template.resourceCountIs('AWS::S3::Bucket', 0);
    template.resourceCountIs('AWS::S3::BucketPolicy', 0);
    expect(s3Statements(template.findResources('AWS::IAM::Policy'))).toEqual([
      {
        Sid: 'WriteRunReports',
        Effect: 'Allow',
        Action: 's3:PutObject',
        Resource: {
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::central-audit-reports/reports/*']],
        },
      },
    ]);
    // S3-managed encryption: the role is granted no key beyond those the default stack grants.
    const kmsStatements = (t: typeof template) =>
      JSON.stringify(
        Object.values(t.findResources('AWS::IAM::Policy'))
          .flatMap((r) => (r as Resource).Properties.PolicyDocument as { Statement: Statement[] })
          .flatMap((d) => d.Statement)
          .filter((st) => [st.Action].flat().some((a) => a.startsWith('kms:'))),
      );
    expect(kmsStatements(template)).toBe(kmsStatements(synthApp({}).template));
    expect(functionVariables(template).map((env) => env.Variables.REPORT_BUCKET)).toContain(
      'central-audit-reports',
    );
    expect(template.toJSON().Outputs[STACK_OUTPUT.reportBucket]).toMatchObject({
      Value: 'central-audit-reports',
    });
  });

  it('refuses a value that is neither a bucket name nor create, naming the key or the prop', () => {
    expect(synthError({ reportBucket: 's3://central-audit-reports' })?.message).toMatch(
      /reportBucket: "s3:\/\/central-audit-reports" is not an S3 bucket name/,
    );
    expect(
      () => new IvsChatAuditor(new App(), 'Auditor', { alerts: { reportBucket: 'Central_Reports' } }),
    ).toThrow(InvalidPropsError);
    expect(
      () => new IvsChatAuditor(new App(), 'Auditor', { alerts: { reportBucket: 'Central_Reports' } }),
    ).toThrow(/alerts\.reportBucket: "Central_Reports" is not an S3 bucket name/);
  });
});
