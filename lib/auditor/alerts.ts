import { Aws, Stack } from 'aws-cdk-lib';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { createAuditorKey } from './keys.js';

/** A Slack channel connected through Amazon Q Developer in chat applications. */
export interface SlackChannelProps {
  /** The authorized Slack workspace, e.g. `T0123ABCD`. */
  readonly workspaceId: string;
  /** The channel, e.g. `C0123ABCD`. */
  readonly channelId: string;
}

export interface AlertsProps {
  /** Publish to this topic instead of creating one. @default - a new topic encrypted with a new key */
  readonly topic?: sns.ITopic;
  /** The key `topic` is encrypted with, so the function may encrypt what it publishes. @default - none (an unencrypted topic) */
  readonly topicKey?: kms.IKey;
  /** Email addresses subscribed to the topic. @default - none */
  readonly alertEmails?: readonly string[];
  /** Slack channel subscribed to the topic. @default - none */
  readonly slack?: SlackChannelProps;
  /** Where undeliverable emails go. */
  readonly deadLetterQueue: sqs.IQueue;
  /**
   * The team topics the policy folder's routes.json lists (existing topics, imported by ARN): the
   * function may publish to these and no other. @default - none (no routes file)
   */
  readonly routeTopicArns?: readonly string[];
}

/**
 * Where alerts go: the SNS topic (and its key), email subscriptions, the Slack channel. Not a
 * construct of its own: its resources keep the ids they had in the auditor's scope, so updating an
 * existing deployment neither replaces the topic (every email would need confirming again) nor the
 * named Slack configuration.
 */
export class AuditorAlerts {
  readonly topic: sns.ITopic;
  /** Undefined when an existing topic was given without its key. */
  readonly topicKey?: kms.IKey;
  readonly slackChannel?: chatbot.ISlackChannelConfiguration;
  /** The routes file's team topics, imported by ARN (their subscribers are their teams' own). */
  readonly routeTopics: sns.ITopic[];

  constructor(scope: Construct, props: AlertsProps) {
    this.routeTopics = (props.routeTopicArns ?? []).map((arn, i) =>
      sns.Topic.fromTopicArn(scope, `RouteTopic${i}`, arn),
    );
    if (props.topic) {
      this.topic = props.topic;
      if (props.topicKey) this.topicKey = props.topicKey;
    } else {
      const created = createTopic(scope);
      this.topic = created.topic;
      this.topicKey = created.key;
    }
    for (const email of props.alertEmails ?? []) {
      this.topic.addSubscription(
        new subscriptions.EmailSubscription(email, { deadLetterQueue: props.deadLetterQueue }),
      );
    }
    if (props.slack) {
      this.slackChannel = new chatbot.SlackChannelConfiguration(scope, 'Slack', {
        slackChannelConfigurationName: `${Stack.of(scope).stackName}-ivschat-audit`.slice(0, 128),
        slackWorkspaceId: props.slack.workspaceId,
        slackChannelId: props.slack.channelId,
        notificationTopics: [this.topic],
        // Alerts only: whatever role a channel member assumes, the guardrail caps it at read-only.
        guardrailPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('ReadOnlyAccess')],
        role: new iam.Role(scope, 'SlackChannelRole', {
          assumedBy: new iam.ServicePrincipal('chatbot.amazonaws.com'),
          description:
            'Amazon Q Developer in chat applications: deliver ivschat-auditor alerts (no permissions)',
        }),
      });
    }
  }

  /** Lets `grantee` publish to the topic, and encrypt with its key when there is one. */
  grantPublish(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PublishAlerts',
        actions: ['sns:Publish'],
        // Exactly the routes file's topics besides the auditor's own: a tag value can pick among
        // these (through the file's allow-list), never reach another.
        resources: [this.topic.topicArn, ...this.routeTopics.map((t) => t.topicArn)],
      }),
    );
    if (!this.topicKey) return;
    // SNS encrypts each published message with a data key from the topic's key.
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'EncryptAlerts',
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [this.topicKey.keyArn],
      }),
    );
  }
}

function createTopic(scope: Construct): { topic: sns.Topic; key: kms.Key } {
  // Only the topic uses it and SNS holds no data at rest: deleted with the stack.
  const key = createAuditorKey(scope, 'TopicKey', 'Encrypts the ivschat-auditor alerts topic');
  // CloudWatch alarms publish to the encrypted topic, so the service must be able to use the key —
  // but only on behalf of this account's alarms (confused-deputy guard).
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsToPublish',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: ownAlarmsCondition(),
    }),
  );
  const topic = new sns.Topic(scope, 'Alerts', {
    displayName: 'IVS Chat audit',
    masterKey: key,
    enforceSSL: true,
  });
  // enforceSSL gives the topic an explicit policy, which replaces the default one that let
  // same-account alarms publish; allow this account's alarms again, and nothing else.
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarmsToPublish',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: ownAlarmsCondition(),
    }),
  );
  return { topic, key };
}

/**
 * Conditions for a grant to cloudwatch.amazonaws.com: it may act only for alarms of this account and
 * region. The exact alarm ARNs cannot be named: the alarms reference the topic, which references
 * the key, so naming them in the key or topic policy would be a dependency cycle.
 */
function ownAlarmsCondition(): Record<string, Record<string, unknown>> {
  return {
    StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
    ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` },
  };
}
