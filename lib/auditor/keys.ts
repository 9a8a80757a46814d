import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';

/**
 * Denies `kms:CreateGrant` to every principal, the account root and its administrators included,
 * unless the call comes from an AWS service or through one on the caller's behalf (AWS Control
 * Tower CT.KMS.PR.3). CDK's default key policy gives the account root `kms:*`: it keeps
 * administering and using the key, but cannot hand the key to anyone else through a grant. No
 * service using the auditor's keys needs a grant made by a principal: SNS and CloudWatch Logs use
 * the key through the key policy (alarms, the log groups), and services that do make grants
 * (Lambda, SQS, DynamoDB with a customer key) make them through the service.
 */
export function denyGrantsExceptForAwsServices(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'DenyGrantsExceptForAwsServices',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: {
      BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
    },
  });
}

/**
 * A customer-managed key of the auditor: rotation on, grants only through AWS services, deleted
 * (after 7 days) with the stack, since what it encrypts goes with the stack too.
 */
export function createAuditorKey(scope: Construct, id: string, description: string): kms.Key {
  const key = new kms.Key(scope, id, {
    description,
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.DESTROY,
    pendingWindow: Duration.days(7),
  });
  key.addToResourcePolicy(denyGrantsExceptForAwsServices());
  return key;
}
