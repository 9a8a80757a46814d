import * as sqs from 'aws-cdk-lib/aws-sqs';

/**
 * Declares a queue a dead-letter queue: the `RedriveAllowPolicy` SQS documents for one, and the
 * mark AWS Control Tower's CT.SQS.PR.1 ("every queue has a dead-letter queue") skips a queue by, as
 * a dead-letter queue of a dead-letter queue would only move the problem. `allowAll` is SQS's
 * behaviour without the policy, so nothing changes: `byQueue` naming the change queue would be a
 * dependency cycle (the change queue names its dead-letter queue), and the auditor's other
 * dead-letter queue has no source queue at all (EventBridge, Lambda and SNS send to it).
 */
export const DECLARED_DEAD_LETTER_QUEUE: sqs.RedriveAllowPolicy = {
  redrivePermission: sqs.RedrivePermission.ALLOW_ALL,
};
