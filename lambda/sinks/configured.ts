/** The alert sinks a deployment is configured with (SNS always; Security Hub, EventBridge opt-in). */
import { type AwsConnection, snsClient } from '../aws/clients.js';
import { DEFAULT_REGION, firstRegionOf, topicRegion } from '../core/arn.js';
import type { RouteTable } from '../policy/routes.js';
import { defaultEventPutter, type EventPutter, eventBridgeSink } from './eventbridge.js';
import { type SecurityHubImporter, securityHubImporters, securityHubSink } from './securityhub.js';
import type { AlertSink } from './sink.js';
import { type Publisher, snsPublisher, snsSink } from './sns.js';

/** What the sinks send through; each defaults to a client signed with the function's connection. */
export interface SinkDeps {
  /** The SNS publish behind the alert sink (tests inject one that records or fails). */
  publisher?: Publisher;
  /** With routes: the publish to each route's topic (tests inject; default: `publisher` for the deployment's topic, else a signed client). */
  publisherFor?: (topicArn: string) => Publisher;
  /** The policy folder's routes file: one SNS sink per route, each to its own topic. */
  routes?: RouteTable;
  /** Security Hub imports when SECURITY_HUB=true; default: signed with `connection`. */
  securityHubImporter?: (accountId: string, region: string) => SecurityHubImporter;
  /** EventBridge PutEvents when EVENT_BUS is set; default: signed with `connection`. */
  eventPutter?: EventPutter;
}

/** The settings that choose the sinks (the handler's configuration has them all). */
export interface SinkSettings {
  topicArn: string;
  securityHub: boolean;
  /** `default` or a bus ARN; absent: no events. */
  eventBus?: string;
  regions: readonly string[];
}

/**
 * SNS always; Security Hub and EventBridge when configured. Security Hub imports each finding with
 * `connectionOf(account)`: the function's own credentials for its own account (the single-account
 * run), the member role for another (the state machine's aggregate step).
 */
export function alertSinks(
  config: SinkSettings,
  deps: SinkDeps,
  connection: AwsConnection,
  connectionOf: (accountId: string) => AwsConnection | Promise<AwsConnection> = () => connection,
): AlertSink[] {
  const sinks = deps.routes
    ? routeSinks(deps.routes, config.topicArn, deps, connection)
    : [snsSink(deps.publisher ?? defaultPublisher(config.topicArn, connection))];
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

/**
 * One SNS sink per route of the routes file, the default route's first (to the file's `default`
 * topic, or the deployment's). Topics come from the file alone: a tag value only picks among the
 * topics its allow-list names (see RouteTable).
 */
function routeSinks(
  routes: RouteTable,
  deploymentTopic: string,
  deps: SinkDeps,
  connection: AwsConnection,
): AlertSink[] {
  return routes.destinations().map(({ id, topicArn = deploymentTopic }) => {
    const publisher =
      deps.publisherFor?.(topicArn) ??
      (topicArn === deploymentTopic ? deps.publisher : undefined) ??
      defaultPublisher(topicArn, connection);
    return snsSink(publisher, {}, id);
  });
}

export function defaultPublisher(topicArn: string, connection: AwsConnection): Publisher {
  return snsPublisher(snsClient(topicRegion(topicArn) ?? DEFAULT_REGION, connection), topicArn);
}
