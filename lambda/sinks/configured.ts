/** The alert sinks a deployment is configured with (SNS always; Security Hub, EventBridge opt-in). */
import { type AwsConnection, snsClient } from '../aws/clients.js';
import { DEFAULT_REGION, firstRegionOf, topicRegion } from '../core/arn.js';
import type { HandlerDeps } from '../handler.js';
import type { HandlerConfig } from '../runtime/config.js';
import { defaultEventPutter, eventBridgeSink } from './eventbridge.js';
import { securityHubImporters, securityHubSink } from './securityhub.js';
import type { AlertSink } from './sink.js';
import { type Publisher, snsPublisher, snsSink } from './sns.js';

/**
 * SNS always; Security Hub and EventBridge when configured. Security Hub imports each finding with
 * `connectionOf(account)`: the function's own credentials for its own account (the single-account
 * run), the member role for another (the state machine's aggregate step).
 */
export function alertSinks(
  config: HandlerConfig,
  deps: Pick<HandlerDeps, 'publisher' | 'securityHubImporter' | 'eventPutter'>,
  connection: AwsConnection,
  connectionOf: (accountId: string) => AwsConnection | Promise<AwsConnection> = () => connection,
): AlertSink[] {
  const sinks = [snsSink(deps.publisher ?? defaultPublisher(config.topicArn, connection))];
  if (config.securityHub) {
    sinks.push(securityHubSink({ importer: deps.securityHubImporter ?? securityHubImporters(connectionOf) }));
  }
  if (config.eventBus) {
    const region = process.env.AWS_REGION ?? firstRegionOf(config.regions);
    const putter = deps.eventPutter ?? defaultEventPutter(config.eventBus, region, connection);
    sinks.push(eventBridgeSink({ putter, eventBus: config.eventBus }));
  }
  return sinks;
}

export function defaultPublisher(topicArn: string, connection: AwsConnection): Publisher {
  return snsPublisher(snsClient(topicRegion(topicArn) ?? DEFAULT_REGION, connection), topicArn);
}
