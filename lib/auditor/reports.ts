/**
 * The bucket each run's HTML report goes to (setting `reportBucket`): an existing bucket named by the
 * setting, or one the stack creates (`create`). The function may put objects under `reports/` and do
 * nothing else there.
 */
import { type CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { CREATE_BUCKET } from '../../lambda/settings/checks.js';
import { REPORT_EXPIRY_DAYS, REPORT_PREFIX } from '../../lambda/settings/table.js';

/** A created bucket's logical id, in the auditor's scope. */
export const REPORT_BUCKET_ID = 'ReportBucket';

/**
 * The bucket a `reportBucket` value names: looked up by name, or created private (all public access
 * blocked, ACLs off), encrypted with S3-managed keys (the function writes with SSE-S3 and needs no
 * KMS grant), TLS 1.2 or later only, unversioned (a report is written once and never replaced) and
 * with every report expiring after REPORT_EXPIRY_DAYS. Retained by `cdk destroy` (CDK's default for
 * a bucket): the reports are the audit's record.
 */
export function reportBucket(scope: Construct, setting: string): s3.IBucket {
  if (setting !== CREATE_BUCKET) return s3.Bucket.fromBucketName(scope, REPORT_BUCKET_ID, setting);
  const bucket = new s3.Bucket(scope, REPORT_BUCKET_ID, {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    versioned: false,
    lifecycleRules: [
      {
        id: 'ExpireReports',
        prefix: REPORT_PREFIX,
        expiration: Duration.days(REPORT_EXPIRY_DAYS),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      },
    ],
  });
  Validations.of(bucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason:
      'The bucket holds only the audit reports the auditor writes (one PutObject a run, by one role); CloudTrail records who writes and reads them. An access-log bucket would be a second bucket to keep for no added record.',
  });
  return bucket;
}

/** Lets `role` put reports, and only reports (`reports/*`), into `bucket`. */
export function grantReportWrite(role: iam.IRole, bucket: s3.IBucket): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'WriteRunReports',
      actions: ['s3:PutObject'],
      resources: [bucket.arnForObjects(`${REPORT_PREFIX}*`)],
    }),
  );
}

/** Why the role's one `reports/*` resource is a wildcard (cdk-nag AwsSolutions-IAM5). */
export const REPORT_WRITE_REASON =
  'Each run writes a new report, reports/<account or runs>/<start time>.html, so the key is not known in advance; the role may put objects under reports/ only, and not read, list or delete any.';

/**
 * The cdk-nag finding id of that wildcard: the bucket's ARN as cdk-nag shows it, the created bucket's
 * by its logical id, a named one by its name.
 */
export function reportWriteNagId(bucket: s3.IBucket): string {
  const resource = bucket.node.defaultChild
    ? `<${Stack.of(bucket).getLogicalId(bucket.node.defaultChild as CfnElement)}.Arn>`
    : `arn:<AWS::Partition>:s3:::${bucket.bucketName}`;
  return `AwsSolutions-IAM5[Resource::${resource}/${REPORT_PREFIX}*]`;
}
