/**
 * The run's HTML report in S3 (setting `reportBucket`): rendered from the run's report, written
 * before the alert goes out so that the alert's link opens something, and linked by its console
 * page. Best effort: the caller logs a failed write and sends the alert without the link; a report
 * never holds back an alert.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { type AwsConnection, s3Client } from '../aws/clients.js';
import type { Report } from '../core/types.js';
import { s3ObjectConsoleUrl } from '../render/console-url.js';
import { renderHtml } from '../render/html.js';
import { REPORT_PREFIX } from '../settings/table.js';

/**
 * The deployed function has no package.json to read its version from; the report's footer names
 * where it came from instead.
 */
const DEPLOYED_VERSION = '(deployed function)';

export interface ReportBucket {
  bucket: string;
  /** The function's region: the client's (it follows S3's redirect to another) and the link's. */
  region: string;
  connection: AwsConnection;
}

export type ReportWrite = { ok: true; key: string; url: string } | { ok: false; key: string; error: string };

/**
 * `reports/<scope>/<startedAt>.html`: by account (the single-account run) or `runs` (a state
 * machine run over many). Characters outside `[A-Za-z0-9._-]` become `-` (the ISO time's colons
 * too), so a key never needs encoding in a path or a download's file name.
 */
export function reportKey(scope: string, startedAt: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '-') || 'unknown';
  return `${REPORT_PREFIX}${safe(scope)}/${safe(startedAt)}.html`;
}

/**
 * Writes `report` as one HTML page at `reportKey(scope, report.startedAt)`: no ACL (the bucket's
 * owner settings apply, never public), encrypted with S3-managed keys whatever the bucket's default
 * (the role is granted no KMS key). Never throws: a failure (or an abort by `signal`, the
 * invocation's deadline) comes back as `{ ok: false }`.
 */
export async function writeRunReport(
  target: ReportBucket,
  scope: string,
  report: Report,
  signal?: AbortSignal,
): Promise<ReportWrite> {
  const key = reportKey(scope, report.startedAt);
  const client = s3Client(target.region, target.connection);
  try {
    await client.send(
      new PutObjectCommand({
        Bucket: target.bucket,
        Key: key,
        Body: renderHtml(report, { toolVersion: DEPLOYED_VERSION }),
        ContentType: 'text/html; charset=utf-8',
        ServerSideEncryption: 'AES256',
      }),
      signal ? { abortSignal: signal } : {},
    );
    return { ok: true, key, url: s3ObjectConsoleUrl(target.bucket, key, target.region) };
  } catch (error) {
    const e = error as { name?: string; message?: string };
    return { ok: false, key, error: `${e.name ?? 'Error'}: ${e.message ?? String(error)}` };
  } finally {
    client.destroy();
  }
}
