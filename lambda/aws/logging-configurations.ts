import {
  type IvschatClient,
  type LoggingConfigurationSummary,
  paginateListLoggingConfigurations,
} from '@aws-sdk/client-ivschat';
import type { AuditError, LoggingConfigurationFact } from '../core/types.js';
import { toAuditError } from './inventory.js';

/** ListLoggingConfigurations answers at most this many per page. */
export const LOGGING_CONFIGURATIONS_PAGE_SIZE = 50;

export type LoggingListing =
  | { configurations: Map<string, LoggingConfigurationFact>; calls: number; error?: undefined }
  | { configurations?: undefined; calls: number; error: AuditError };

/**
 * Every logging configuration of the client's account and region, by ARN: one call per 50, however
 * many rooms point at them. Never throws for AWS faults: the error says why the listing failed.
 */
export async function listLoggingConfigurations(
  client: IvschatClient,
  region: string,
  signal?: AbortSignal,
): Promise<LoggingListing> {
  const configurations = new Map<string, LoggingConfigurationFact>();
  let calls = 0;
  const sendOptions = signal ? { abortSignal: signal } : {};
  try {
    for await (const page of paginateListLoggingConfigurations(
      { client, pageSize: LOGGING_CONFIGURATIONS_PAGE_SIZE },
      {},
      sendOptions,
    )) {
      calls++;
      for (const summary of page.loggingConfigurations ?? []) {
        const fact = toLoggingConfigurationFact(summary);
        if (fact) configurations.set(fact.arn, fact);
      }
    }
  } catch (error) {
    return { calls, error: toAuditError(region, 'ListLoggingConfigurations', error, signal) };
  }
  return { configurations, calls };
}

/** The API's summary → the joined fact; fields the API left out stay out. */
export function toLoggingConfigurationFact(
  summary: LoggingConfigurationSummary,
): LoggingConfigurationFact | undefined {
  if (!summary.arn) return undefined;
  const fact: LoggingConfigurationFact = { arn: summary.arn, state: summary.state ?? 'UNKNOWN' };
  if (summary.id) fact.id = summary.id;
  if (summary.name !== undefined) fact.name = summary.name;
  const destination = summary.destinationConfiguration;
  if (destination?.s3) {
    fact.destinationType = 's3';
    fact.destination = destination.s3.bucketName ?? '';
  } else if (destination?.cloudWatchLogs) {
    fact.destinationType = 'cloudWatchLogs';
    fact.destination = destination.cloudWatchLogs.logGroupName ?? '';
  } else if (destination?.firehose) {
    fact.destinationType = 'firehose';
    fact.destination = destination.firehose.deliveryStreamName ?? '';
  }
  return fact;
}
