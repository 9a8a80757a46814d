/**
 * What the Lambda's entry can be given instead of its defaults: the emulator's endpoint, a clock,
 * recording publishers, a DynamoDB client for dynalite. Production passes nothing.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AwsConnection } from '../aws/clients.js';
import type { SinkDeps } from '../sinks/configured.js';
import type { RoomCacheStore } from '../state/room-cache-store.js';
import type { StateStore } from '../state/store.js';
import type { HandlerConfig } from './config.js';

export interface HandlerDeps extends SinkDeps {
  env?: NodeJS.ProcessEnv;
  /** Endpoint override for every AWS client (the local emulator in the demo and tests). */
  connection?: AwsConnection;
  logger?: Logger;
  metrics?: Metrics;
  now?: () => Date;
  stateStore?: (accountId: string, config: HandlerConfig) => StateStore;
  /** Room document cache for incremental audits; default: the state table when configured. */
  roomCache?: RoomCacheStore;
  /** The DynamoDB client for STATE_TABLE_NAME (dynalite in the demo and tests). */
  dynamoClient?: DynamoDBClient;
  /**
   * Replaces API_BUDGET_TPS, past its quota check; `null` = no client-side budget. Only for an
   * emulator without quotas (the memory benchmark audits 50,000 rooms in a minute, not 3.5 hours).
   */
  apiBudgetTps?: number | null;
}
