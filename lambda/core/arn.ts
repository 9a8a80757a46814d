/** Parts of an IVS Chat room ARN: arn:aws:ivschat:us-east-1:123456789012:room/AbCdEf123456 */
export interface RoomArnParts {
  partition: string;
  region: string;
  accountId: string;
  roomId: string;
}

export function parseRoomArn(arn: unknown): RoomArnParts | undefined {
  if (typeof arn !== 'string') return undefined;
  const match = /^arn:([a-z-]+):ivschat:([a-z0-9-]+):(\d{12}):room\/([A-Za-z0-9]+)$/.exec(arn);
  if (!match) return undefined;
  const [, partition = '', region = '', accountId = '', roomId = ''] = match;
  return { partition, region, accountId, roomId };
}

/** AWS region names: us-east-1, eu-central-2, us-gov-west-1, us-isob-east-1, cn-north-1 … */
export function isRegionName(value: string): boolean {
  return /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(value);
}
