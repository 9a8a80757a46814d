import { ArnFormat, Aws, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { createAuditorKey } from './keys.js';

/**
 * The auditor's log groups: each encrypted with one customer-managed key (AWS Control Tower
 * CT.CLOUDWATCH.PR.3) and kept `logRetentionDays` (CT.CLOUDWATCH.PR.2 asks for 365 or more).
 * CloudWatch Logs may use the key only for these log groups: the key policy names each by its ARN
 * in the `kms:EncryptionContext:aws:logs:arn` condition. That is why every log group is named: an
 * ARN taken from the log group would be a dependency cycle (the log group needs the key first).
 */
export class AuditorLogs {
  readonly key: kms.Key;

  /** `keyScope` keeps the key's logical id: a new key would leave the old logs unreadable once the old one is deleted. */
  constructor(
    keyScope: Construct,
    private readonly retentionDays: number,
  ) {
    this.key = createAuditorKey(keyScope, 'LogKey', "Encrypts the ivschat-auditor's log groups");
  }

  /** A log group named `logGroupName`, encrypted with the key and kept `logRetentionDays`. */
  logGroup(scope: Construct, id: string, logGroupName: string): logs.LogGroup {
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `AllowCloudWatchLogsFor${id}`,
        principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnEquals: {
            'kms:EncryptionContext:aws:logs:arn': Stack.of(scope).formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: logGroupName,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    return new logs.LogGroup(scope, id, {
      logGroupName,
      encryptionKey: this.key,
      // The settings table admits only the values CloudWatch Logs accepts (LOG_RETENTION_DAYS).
      retention: this.retentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}
