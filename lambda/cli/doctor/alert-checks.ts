/**
 * Where alerts go: the topic's email subscriptions confirmed, the Slack channel (Amazon Q Developer in
 * chat applications) subscribed when configured, the event bus present when events are put on one,
 * and the dead-letter queue of failed deliveries empty.
 */
import { DescribeEventBusCommand } from '@aws-sdk/client-eventbridge';
import { paginateListSubscriptionsByTopic, type Subscription } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { type CheckResult, check, errorCode } from './check.js';
import { type DoctorContext, sendOptions } from './context.js';

/** Amazon Q Developer in chat applications (formerly AWS Chatbot) subscribes to a topic with this endpoint. */
const CHATBOT_HOST = 'global.sns-api.chatbot.amazonaws.com';
const PENDING = 'PendingConfirmation';

export async function topicSubscriptions(ctx: DoctorContext): Promise<Subscription[]> {
  const { alertsTopicArn } = ctx.deployment;
  const region = alertsTopicArn.split(':')[3] ?? ctx.deployment.region;
  const subscriptions: Subscription[] = [];
  const pages = paginateListSubscriptionsByTopic(
    { client: ctx.clients.get('sns', region) },
    { TopicArn: alertsTopicArn },
    sendOptions(ctx),
  );
  for await (const page of pages) subscriptions.push(...(page.Subscriptions ?? []));
  return subscriptions;
}

export function emailCheck(ctx: DoctorContext, subscriptions: readonly Subscription[]): CheckResult {
  const { emailCount } = ctx.deployment.sinks;
  const title = 'Email subscriptions';
  const emails = subscriptions.filter((s) => s.Protocol === 'email' || s.Protocol === 'email-json');
  if (emailCount === 0 && emails.length === 0)
    return check('email', title, 'skip', ['no alert email configured (alertEmails)']);
  const pending = emails.filter((s) => s.SubscriptionArn === PENDING);
  const evidence = [
    `${emails.length} email subscription(s), ${emailCount} configured; ${pending.length} not confirmed`,
    ...pending.map((s) => `${s.Endpoint ?? '?'}: ${PENDING}`),
  ];
  const topic = ctx.deployment.alertsTopicArn;
  if (pending.length > 0)
    return check(
      'email',
      title,
      'fail',
      evidence,
      `each address must click "Confirm subscription" in the mail from AWS Notifications (check spam); to send it again: aws sns subscribe --topic-arn ${topic} --protocol email --notification-endpoint <address>`,
    );
  if (emails.length < emailCount)
    return check(
      'email',
      title,
      'fail',
      [
        ...evidence,
        'an address configured has no subscription (SNS deletes one left unconfirmed for 3 days)',
      ],
      // CloudFormation does not re-create a subscription SNS deleted: deploying again changes nothing.
      `subscribe the missing address again and have it confirm: aws sns subscribe --topic-arn ${topic} --protocol email --notification-endpoint <address>`,
    );
  return check('email', title, 'pass', evidence);
}

export function slackCheck(ctx: DoctorContext, subscriptions: readonly Subscription[]): CheckResult {
  const title = 'Slack channel (Amazon Q Developer)';
  const chatbot = subscriptions.filter((s) => s.Protocol === 'https' && isChatbot(hostOf(s.Endpoint)));
  if (!ctx.deployment.sinks.slack)
    return check('slack', title, 'skip', [
      `Slack not configured (slackWorkspaceId, slackChannelId)${chatbot.length ? '; a chat subscription exists anyway' : ''}`,
    ]);
  const confirmed = chatbot.filter((s) => s.SubscriptionArn !== PENDING);
  const evidence = [
    `${chatbot.length} Amazon Q Developer subscription(s) to the topic, ${confirmed.length} confirmed`,
  ];
  if (confirmed.length > 0) return check('slack', title, 'pass', evidence);
  return check(
    'slack',
    title,
    'fail',
    evidence,
    `console: Amazon Q Developer in chat applications → Configured clients → Slack → the channel configuration ${ctx.deployment.stackName}-ivschat-audit: add the topic ${ctx.deployment.alertsTopicArn}, and /invite @Amazon Q to the channel`,
  );
}

export async function eventBusCheck(ctx: DoctorContext): Promise<CheckResult> {
  const bus = ctx.deployment.sinks.eventBus;
  const title = 'Event bus for finding events';
  if (!bus) return check('event-bus', title, 'skip', ['no event bus configured (eventBus)']);
  const region = bus.startsWith('arn:')
    ? (bus.split(':')[3] ?? ctx.deployment.region)
    : ctx.deployment.region;
  try {
    const answer = await ctx.clients
      .get('events', region)
      .send(new DescribeEventBusCommand({ Name: bus }), sendOptions(ctx));
    return check('event-bus', title, 'pass', [`${answer.Arn ?? bus} exists`]);
  } catch (error) {
    if (errorCode(error) !== 'ResourceNotFoundException') throw error;
    return check(
      'event-bus',
      title,
      'fail',
      [`${bus}: does not exist in ${region}`],
      `aws events create-event-bus --name ${bus} --region ${region}, or deploy with -c eventBus=default`,
    );
  }
}

/** How many messages wait in a dead-letter queue: ApproximateNumberOfMessages plus those in flight. */
export async function queueDepth(ctx: DoctorContext, queueUrl: string): Promise<number> {
  const region = queueRegion(queueUrl) ?? ctx.deployment.region;
  const { Attributes = {} } = await ctx.clients.get('sqs', region).send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
    sendOptions(ctx),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

export async function deadLetterCheck(ctx: DoctorContext): Promise<CheckResult> {
  const url = ctx.deployment.deadLetterQueueUrl;
  const depth = await queueDepth(ctx, url);
  const title = 'Dead-letter queue (failed runs and deliveries)';
  const evidence = [`${depth} message(s) in ${queueName(url)}`];
  if (depth === 0) return check('dead-letter', title, 'pass', evidence);
  return check(
    'dead-letter',
    title,
    'fail',
    evidence,
    `read them to see what failed: aws sqs receive-message --queue-url ${url} --max-number-of-messages 10 --region ${queueRegion(url) ?? ctx.deployment.region}; purge once understood`,
  );
}

/** `https://sqs.eu-west-1.amazonaws.com/123456789012/name` → eu-west-1 (undefined for a local endpoint). */
export function queueRegion(url: string): string | undefined {
  return /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com\//.exec(url)?.[1];
}

export const queueName = (url: string): string => url.split('/').pop() ?? url;

/** The global endpoint, or a regional one of the same service should it subscribe through one. */
const isChatbot = (host: string | undefined) =>
  host !== undefined && (host === CHATBOT_HOST || host.endsWith('.chatbot.amazonaws.com'));

function hostOf(endpoint: string | undefined): string | undefined {
  if (!endpoint || !URL.canParse(endpoint)) return undefined;
  return new URL(endpoint).hostname;
}
