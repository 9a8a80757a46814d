import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { type Alert, hasContent } from '../alert/alert.js';
import { PublishError } from '../core/errors.js';
import { DEFAULT_ROUTE } from '../policy/routes.js';
import type { AlertSink, SinkReceipt } from './sink.js';
import type { PublishInput } from './sns-message.js';
import { type BuildOptions, buildSnsMessages } from './sns-parts.js';

/** What SNS answered for one accepted message. */
export interface PublishReceipt {
  messageId?: string;
}

/** One SNS `Publish` to a fixed topic; tests inject their own to fail or record. */
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

/**
 * The SNS sink's name, its key in each finding's delivery state (`pendingSinks`): `sns` for the
 * deployment's topic (the default route keeps it, so records owed before a routes file existed are
 * still delivered), `sns:<route>` for another route.
 */
export function snsSinkName(route?: string): string {
  return route === undefined || route === DEFAULT_ROUTE ? 'sns' : `sns:${route}`;
}

/**
 * The alert as SNS messages (email, Slack and machine JSON in one `MessageStructure: json` publish,
 * split into numbered parts when it exceeds the SNS size limit), published in order. The first
 * failed part stops the delivery: the alert counts as not delivered and is sent again in full.
 */
export function snsSink(publisher: Publisher, options: BuildOptions = {}, route?: string): AlertSink {
  const name = snsSinkName(route);
  return {
    name,
    ...(route !== undefined ? { route } : {}),
    async deliver(alert: Alert): Promise<SinkReceipt> {
      const receipt: SinkReceipt = { sink: name, delivered: 0, messageIds: [] };
      // People are not told of exemptions: an alert holding only those is for the machine sinks.
      if (!hasContent(alert)) return receipt;
      for (const message of buildSnsMessages(alert, options)) {
        const { messageId } = await publisher.publish(message);
        receipt.delivered++;
        if (messageId) receipt.messageIds.push(messageId);
      }
      return receipt;
    },
  };
}
