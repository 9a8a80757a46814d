import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { PublishError } from './core/errors.js';
import type { Reconciliation } from './core/lifecycle.js';
import { type Alert, hasContent } from './render/alert.js';
import { buildSnsMessages, type PublishInput } from './render/sns-message.js';
import type { StateStore } from './state/store.js';

/** What SNS answered for one accepted message. */
export interface PublishReceipt {
  messageId?: string;
}

export interface Publisher {
  publish(message: PublishInput): Promise<PublishReceipt>;
}

export function snsPublisher(client: SNSClient, topicArn: string): Publisher {
  return {
    async publish(message) {
      try {
        const { MessageId } = await client.send(new PublishCommand({ TopicArn: topicArn, ...message }));
        return MessageId ? { messageId: MessageId } : {};
      } catch (cause) {
        const e = cause as Error;
        throw new PublishError(`SNS publish to ${topicArn} failed: ${e.name}: ${e.message}`, { cause });
      }
    },
  };
}

export interface NotifyOutcome {
  alert: Alert;
  messages: PublishInput[];
  published: number;
  /** SNS MessageIds of the published messages, in publish order (a publisher may not report one). */
  messageIds: string[];
}

/**
 * Sends the run's notification, then records it. At-least-once: state is written only after SNS
 * accepted every part, so a failed publish leaves the state as it was and the next run sends again.
 */
export async function notifyAndRecord(input: {
  reconciliation: Reconciliation;
  accountId: string;
  regions: string[];
  store: StateStore;
  publisher?: Publisher;
  now: string;
}): Promise<NotifyOutcome> {
  const { reconciliation: r } = input;
  const alert: Alert = {
    accountId: input.accountId,
    regions: input.regions,
    newFindings: r.newFindings,
    resolvedFindings: r.resolvedFindings,
    reminders: r.reminders,
    report: r.report,
  };
  const messages = hasContent(alert) ? buildSnsMessages(alert) : [];
  let published = 0;
  const messageIds: string[] = [];
  if (input.publisher) {
    for (const message of messages) {
      const { messageId } = await input.publisher.publish(message);
      published++;
      if (messageId) messageIds.push(messageId);
    }
  }
  await input.store.save(r.changes, input.now);
  return { alert, messages, published, messageIds };
}
