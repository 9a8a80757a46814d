import { describe, expect, it } from 'vitest';
import { cachedRoom, planFetches } from '../../lambda/core/room-cache.js';
import type { RoomDocument } from '../../lambda/core/types.js';

const ARN = 'arn:aws:ivschat:us-east-1:123456789012:room/abc';
const full: RoomDocument = {
  arn: ARN,
  id: 'abc',
  name: 'lobby',
  createTime: '2026-01-01T00:00:00.000Z',
  updateTime: '2026-02-01T00:00:00.000Z',
  tags: { owner: 'team-a' },
  messageReviewHandler: {
    uri: 'arn:aws:lambda:us-east-1:123456789012:function:review',
    fallbackResult: 'DENY',
  },
  loggingConfigurationIdentifiers: ['arn:aws:ivschat:us-east-1:123456789012:logging-configuration/x'],
  maximumMessageLength: 500,
  maximumMessageRatePerSecond: 10,
  someFutureField: { a: 1 },
};

describe('cachedRoom', () => {
  it('keeps only what GetRoom adds to a list summary, plus the ARN and updateTime', () => {
    expect(cachedRoom(full, '2026-03-01T00:00:00.000Z')).toEqual({
      arn: ARN,
      updateTime: '2026-02-01T00:00:00.000Z',
      fetchedAt: '2026-03-01T00:00:00.000Z',
      doc: {
        arn: ARN,
        maximumMessageLength: 500,
        maximumMessageRatePerSecond: 10,
        someFutureField: { a: 1 },
      },
    });
  });

  it('gives back the full document once merged with an unchanged room summary', () => {
    const now = '2026-03-01T00:00:00.000Z';
    const entry = cachedRoom(full, now);
    const {
      maximumMessageLength: _l,
      maximumMessageRatePerSecond: _r,
      someFutureField: _f,
      ...summary
    } = full;
    const plan = planFetches(new Map([[ARN, entry]]), { now, fullRefreshHours: 24, needGetRoom: true });
    expect(plan.resolve(summary)).toEqual(full);
  });

  it('omits updateTime when the room has none', () => {
    const { updateTime: _u, ...noTime } = full;
    expect(cachedRoom(noTime, '2026-03-01T00:00:00.000Z')).not.toHaveProperty('updateTime');
  });
});
