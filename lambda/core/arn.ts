/**
 * AWS names by their shape: region names, account ids, room and SNS topic ARNs, and the region that
 * account-wide calls go to. One definition each, for the CLI, the Lambda, the settings and the stack.
 */

/**
 * AWS region names by shape: an area (`us`, or `eusc` for the European Sovereign Cloud), an optional
 * qualifier (`gov`, `iso`, `isob`, `de`), a compass direction, a number. By shape rather than by
 * aws-cdk-lib's list: the Lambda cannot carry that list, and a pinned list would refuse a region
 * launched after its release. The tests prove every region aws-cdk-lib knows matches.
 * `policies/policy.schema.json` holds this same pattern for `regions` (a test keeps them equal); it
 * is written for both JavaScript and RE2, so no `\d` or lookaround.
 */
export const REGION_NAME_PATTERN =
  '^[a-z]{2}(?:sc)?(?:-[a-z]{2,5})?-(?:north|south|east|west|central|northeast|northwest|southeast|southwest)-[1-9][0-9]?$';

const REGION_NAME = new RegExp(REGION_NAME_PATTERN);

/** The one region-name check: CLI flags, deployment settings, room ARNs and console links use it. */
export function isRegionName(value: string): boolean {
  return REGION_NAME.test(value);
}

/** Parts of an IVS Chat room ARN: arn:aws:ivschat:us-east-1:123456789012:room/AbCdEf123456 */
export interface RoomArnParts {
  partition: string;
  region: string;
  accountId: string;
  roomId: string;
}

/**
 * The room id as the service model's `RoomArn` allows it (`[a-zA-Z0-9-]+`), though rooms today get
 * 12 letters and digits: an ARN the API accepts must not be refused here (an exported room, `--input`).
 */
export function parseRoomArn(arn: unknown): RoomArnParts | undefined {
  if (typeof arn !== 'string') return undefined;
  const match = /^arn:([a-z-]+):ivschat:([^:]+):(\d{12}):room\/([A-Za-z0-9-]+)$/.exec(arn);
  if (!match) return undefined;
  const [, partition = '', region = '', accountId = '', roomId = ''] = match;
  if (!isRegionName(region)) return undefined;
  return { partition, region, accountId, roomId };
}

/** A 12-digit AWS account id (leading zeros are part of it). */
export const ACCOUNT_ID = /^\d{12}$/;

/**
 * A standard SNS topic ARN, as the Lambda accepts ALERT_TOPIC_ARN: a FIFO topic (`.fifo`) or any
 * other name is refused, and the CLI's `--publish` refuses the same topics.
 */
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:([a-z0-9-]+):\d{12}:[A-Za-z0-9_-]{1,256}$/;

/** The region an SNS topic lives in, from its ARN (publish must go there); undefined when not a topic ARN. */
export function topicRegion(topicArn: string): string | undefined {
  return TOPIC_ARN.exec(topicArn)?.[1];
}

/** Where account-wide calls (STS, the first client) go when no region is known. */
export const DEFAULT_REGION = 'us-east-1';

/** The region account-wide calls go to: the first region audited, else DEFAULT_REGION. */
export function firstRegionOf(regions: readonly string[]): string {
  return regions[0] ?? DEFAULT_REGION;
}
