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

export function parseRoomArn(arn: unknown): RoomArnParts | undefined {
  if (typeof arn !== 'string') return undefined;
  const match = /^arn:([a-z-]+):ivschat:([^:]+):(\d{12}):room\/([A-Za-z0-9]+)$/.exec(arn);
  if (!match) return undefined;
  const [, partition = '', region = '', accountId = '', roomId = ''] = match;
  if (!isRegionName(region)) return undefined;
  return { partition, region, accountId, roomId };
}
