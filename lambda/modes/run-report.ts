/**
 * The run's HTML report in the report bucket (setting `reportBucket`), for both runs that alert
 * people about a whole run: the single-account run and the state machine's aggregate step. Written
 * before the alert, whose link it returns; a failed write is a warning, and the alert goes out
 * without the link.
 */
import { firstRegionOf } from '../core/arn.js';
import type { Report } from '../core/types.js';
import type { InvocationContext } from '../runtime/context.js';
import { writeRunReport } from '../sinks/report-bucket.js';

/** Unanswered attempts the report's write may spend before the alert goes out without it. */
const REPORT_SILENT_ATTEMPTS = 2;

/**
 * Writes `report` under `reports/<scope>/` and returns its console link; undefined when no bucket is
 * configured or the write failed (logged as a warning naming the bucket, the key and the error).
 */
export async function writeReportLink(
  ctx: Pick<InvocationContext, 'config' | 'connection' | 'logger'>,
  scope: string,
  report: Report,
): Promise<string | undefined> {
  const bucket = ctx.config.reportBucket;
  if (!bucket) return undefined;
  // The function's own region: the bucket the stack creates is there, and a given one is found by redirect.
  const region = process.env.AWS_REGION ?? firstRegionOf(ctx.config.regions);
  // The alert waits on this write: an S3 that does not answer (a VPC without a route to it) is given
  // up after two silent attempts, not the five the SDK would spend.
  const connection = { silentAttempts: REPORT_SILENT_ATTEMPTS, ...ctx.connection };
  const written = await writeRunReport({ bucket, region, connection }, scope, report);
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
