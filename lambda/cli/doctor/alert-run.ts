/** The alert checks of one run: the topic's subscriptions read once for both the email and Slack checks. */
import type { Subscription } from '@aws-sdk/client-sns';
import {
  deadLetterCheck,
  emailCheck,
  eventBusCheck,
  slackCheck,
  topicSubscriptions,
} from './alert-checks.js';
import { type CheckResult, check, errorLine, guarded } from './check.js';
import type { DoctorContext } from './context.js';

export async function alertsChecks(ctx: DoctorContext): Promise<CheckResult[]> {
  let subscriptions: Subscription[] | undefined;
  let failure = '';
  try {
    subscriptions = await topicSubscriptions(ctx);
  } catch (error) {
    failure = `could not list the topic's subscriptions: ${errorLine(error)}`;
  }
  const fix = 'doctor needs sns:ListSubscriptionsByTopic on the topic (README: the IAM policy doctor needs)';
  return [
    subscriptions
      ? emailCheck(ctx, subscriptions)
      : check('email', 'Email subscriptions', 'unknown', [failure], fix),
    subscriptions
      ? slackCheck(ctx, subscriptions)
      : check('slack', 'Slack channel (Amazon Q Developer)', 'unknown', [failure], fix),
    await guarded('dead-letter', 'Dead-letter queue', () => deadLetterCheck(ctx)),
    await guarded('event-bus', 'Event bus for finding events', () => eventBusCheck(ctx)),
  ];
}
