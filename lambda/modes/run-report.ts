/**
 * The run's HTML report in the report bucket (setting `reportBucket`), for both runs that alert
 * people about a whole run: the single-account run and the state machine's aggregate step. Written
 * before the alert, whose link it returns; a failed write is a warning, and the alert goes out
 * without the link.
 */
import { type AwsConnection, DEFAULT_REQUEST_TIMEOUT_MS } from '../aws/clients.js';
import { firstRegionOf } from '../core/arn.js';
import type { Report } from '../core/types.js';
import type { InvocationContext } from '../runtime/context.js';
import { writeRunReport } from '../sinks/report-bucket.js';

/** Unanswered attempts the report's write may spend before the alert goes out without it. */
const REPORT_SILENT_ATTEMPTS = 2;

/**
 * The connection the report is written with. The alert waits on this write: an S3 that does not
 * answer (a VPC without a route to it) is given up after two silent attempts, not the five the SDK
 * would spend. The deployment's own setting may lower that, never raise it.
 */
export function reportConnection(connection: AwsConnection): AwsConnection {
  const attempts = Math.min(connection.silentAttempts ?? REPORT_SILENT_ATTEMPTS, REPORT_SILENT_ATTEMPTS);
  return { ...connection, silentAttempts: attempts };
}

/**
 * Writes `report` under `reports/<scope>/` and returns its console link; undefined when no bucket is
 * configured, the write failed, or too little time is left before the deadline for it (each logged
 * as a warning naming the bucket and why).
 */
export async function writeReportLink(
  ctx: Pick<InvocationContext, 'config' | 'connection' | 'logger' | 'deadline'>,
  scope: string,
  report: Report,
): Promise<string | undefined> {
  const bucket = ctx.config.reportBucket;
  if (!bucket) return undefined;
  // The function's own region: the bucket the stack creates is there, and a given one is found by redirect.
  const region = process.env.AWS_REGION ?? firstRegionOf(ctx.config.regions);
  const connection = reportConnection(ctx.connection);
  // The delivery margin is the alert's: a write that might not finish before it begins is not started.
  const mayTakeMs =
    (connection.silentAttempts ?? REPORT_SILENT_ATTEMPTS) *
    (connection.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
  const { deadline } = ctx;
  if (deadline && deadline.timeLeftMs() < mayTakeMs) {
    ctx.logger.warn(
      'report not written: too little time left before the deadline; the alert goes out without its link',
      {
        bucket,
        timeLeftMs: deadline.timeLeftMs(),
      },
    );
    return undefined;
  }
  const written = await writeRunReport({ bucket, region, connection }, scope, report, deadline?.signal());
  if (written.ok) {
    ctx.logger.info('report written', { bucket, key: written.key });
    return written.url;
  }
  ctx.logger.warn('report not written; the alert goes out without its link', {
    bucket,
    key: written.key,
    error: written.error,
  });
  return undefined;
}
