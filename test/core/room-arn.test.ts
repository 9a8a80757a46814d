import { describe, expect, it } from 'vitest';
import { parseRoomArn } from '../../lambda/core/arn.js';

describe('parseRoomArn', () => {
  it('reads the parts of a room ARN', () => {
    expect(parseRoomArn('arn:aws:ivschat:eu-west-1:123456789012:room/AbCdEf123456')).toEqual({
      partition: 'aws',
      region: 'eu-west-1',
      accountId: '123456789012',
      roomId: 'AbCdEf123456',
    });
  });

  it('accepts a room id with "-", as the service model\'s RoomArn pattern does', () => {
    expect(parseRoomArn('arn:aws:ivschat:us-east-1:123456789012:room/room-with-dash')?.roomId).toBe(
      'room-with-dash',
    );
  });

  it.each([
    ['not a string', 42],
    ['another service', 'arn:aws:ivs:us-east-1:123456789012:channel/AbCd'],
    ['a short account id', 'arn:aws:ivschat:us-east-1:12345:room/AbCd'],
    ['an id with "/"', 'arn:aws:ivschat:us-east-1:123456789012:room/a/b'],
    ['an id with "_"', 'arn:aws:ivschat:us-east-1:123456789012:room/a_b'],
    ['no id', 'arn:aws:ivschat:us-east-1:123456789012:room/'],
    ['a bad region', 'arn:aws:ivschat:mars-1:123456789012:room/AbCd'],
  ])('refuses %s', (_label, arn) => {
    expect(parseRoomArn(arn)).toBeUndefined();
  });
});
