import { describe, expect, it } from 'vitest';
import {
  expiresAfterDays,
  expiryOf,
  findingKeys,
  fullAuditDueKey,
  healthKey,
  lockKey,
  roomCacheKeys,
  runKeys,
  snapshotKeys,
  TTL_ATTRIBUTE,
  trailKeys,
} from '../../lambda/state/keys.js';

const target = { accountId: '111122223333', region: 'eu-west-1' };

// Items already stored are read back by these keys: a layout that changed would strand them.
describe('state table keys', () => {
  it('keep the layouts items were written under', () => {
    expect(findingKeys.item(target, 'fp')).toEqual({ pk: 'FINDING#111122223333#eu-west-1', sk: 'fp' });
    expect(findingKeys.legacyPk('111122223333')).toBe('FINDING#111122223333');
    expect(roomCacheKeys.pk(target)).toBe('ROOM#111122223333#eu-west-1');
    expect(fullAuditDueKey(target)).toEqual({ pk: 'FULLAUDIT#111122223333#eu-west-1', sk: 'DUE' });
    expect(trailKeys.pk(target)).toBe('TRAIL#111122223333#eu-west-1');
    expect(trailKeys.sk({ time: '2026-01-02T03:04:05.000Z', changeId: 'c1' })).toBe(
      '2026-01-02T03:04:05.000Z#c1',
    );
    expect(runKeys.pk('r1')).toBe('RUN#r1');
    expect(runKeys.plan).toBe('PLAN');
    expect(runKeys.target(42)).toBe('TARGET#000042');
    expect(runKeys.result(42)).toBe('RESULT#000042#');
    expect(runKeys.listingMeta(42)).toBe('LISTING#000042#META');
    expect(runKeys.listingRooms(42, 3)).toBe('LISTING#000042#ROOMS#000003#');
    expect(runKeys.listingQueue(42, 3)).toBe('LISTING#000042#QUEUE#000003#');
    expect(lockKey(target)).toEqual({ pk: 'LOCK#111122223333#eu-west-1', sk: 'LOCK' });
    expect(healthKey(target)).toEqual({ pk: 'HEALTH#111122223333#eu-west-1', sk: 'HEALTH' });
    expect(snapshotKeys.pk(target)).toBe('SNAPSHOT#111122223333#eu-west-1');
    expect(snapshotKeys.indexPk).toBe('SNAPSHOTS');
    expect(snapshotKeys.indexSk(target)).toBe('111122223333#eu-west-1');
    expect(TTL_ATTRIBUTE).toBe('expiresAt');
  });

  it('read back what their builders wrote', () => {
    expect(runKeys.targetIndex(runKeys.target(7))).toBe(7);
    expect(runKeys.resultPosition(`${runKeys.result(7)}0003`)).toEqual({ index: 7, chunk: 3 });
    expect(runKeys.resultPosition('RESULT#000007')).toBeUndefined();
    expect(snapshotKeys.chunkNumber(`${snapshotKeys.chunkPrefix}0012`)).toBe(12);
  });

  it('expire whole seconds: a kept item from its start, a lock no earlier than its end', () => {
    expect(expiresAfterDays(Date.parse('2026-01-01T00:00:00.999Z'), 2)).toBe(1767225600 + 2 * 86_400);
    expect(expiryOf(new Date('2026-01-01T00:00:00.001Z'))).toBe(1767225601);
  });
});
