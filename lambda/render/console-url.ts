/**
 * The AWS console link of a chat room, as every renderer for people and Security Hub puts it in a
 * finding: a rendering concern (it escapes untrusted room data), so it lives with the renderers.
 */
import { isRegionName } from '../core/arn.js';
import type { Finding } from '../core/types.js';
import { wellFormed } from './escape.js';

/**
 * The AWS console page of a chat room. Built only from percent-encoded parts, so it is a trusted
 * URL that renderers insert as-is (never through `escapeSlack`, which would defang it). A region
 * that is not a plain region name is not put in the host name (percent escapes there make an
 * invalid URL): the link then uses the global console host, which redirects by `?region=`.
 */
export function consoleUrl(f: Pick<Finding, 'region' | 'roomId' | 'roomArn'>): string {
  const region = urlPart(f.region);
  const host = isRegionName(f.region) ? `${f.region}.console.aws.amazon.com` : 'console.aws.amazon.com';
  const roomId = urlPart(f.roomId || f.roomArn.split('/').at(-1) || '');
  return `https://${host}/ivs/home?region=${region}#/chat/rooms/${roomId}`;
}

/**
 * The AWS console page of one S3 object (the run's HTML report), for the people the alert reaches:
 * a console link, not a presigned URL, which would expire and would hand the report to whoever
 * holds the link. Opening it needs console access to the bucket. Percent-encoded parts only.
 */
export function s3ObjectConsoleUrl(bucket: string, key: string, region: string): string {
  return `https://s3.console.aws.amazon.com/s3/object/${urlPart(bucket)}?region=${urlPart(region)}&bucketType=general&prefix=${urlPart(key)}`;
}

/**
 * `url` when it is a plain https URL (letters, digits and URL punctuation only, nothing a markdown or
 * Slack renderer reads as markup), else undefined. The alert's report link is built by
 * `s3ObjectConsoleUrl`; this check keeps a renderer from inserting anything else as-is.
 */
export function plainHttpsUrl(url: string | undefined): string | undefined {
  return url && url.length <= 2048 && /^https:\/\/[A-Za-z0-9.-]+\/[A-Za-z0-9%._~/?&=-]*$/.test(url)
    ? url
    : undefined;
}

/**
 * Percent-encodes also the characters markdown renderers treat specially, so a URL stays a plain
 * URL. Lone surrogates become U+FFFD first: `encodeURIComponent` throws on them, and one in a room
 * id or region would otherwise abort the whole notification.
 */
function urlPart(s: string): string {
  return encodeURIComponent(wellFormed(s)).replace(
    /[!'()*~_]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
