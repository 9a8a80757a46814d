import { describe, expect, it } from 'vitest';
import { batches, deliverInRounds, isRetryable, type Refusal, Tally } from '../../lambda/sinks/delivery.js';

describe('isRetryable', () => {
  it('retries throttling, quotas and server faults, never a refusal of the item itself', () => {
    for (const code of [
      'ThrottlingException',
      'InternalFailure',
      'LimitExceededException',
      'TooManyRequests',
      'ServiceUnavailable',
    ]) {
      expect(isRetryable(code)).toBe(true);
    }
    for (const code of ['AccessDeniedException', 'MalformedDetail', 'InvalidInputException']) {
      expect(isRetryable(code)).toBe(false);
    }
  });
});

describe('batches', () => {
  it('cuts at the item count and at the byte limit, the envelope counted in every call', () => {
    const limits = { maxItems: 3, maxBytes: 10, emptyBytes: 2, sizeOf: (n: number) => n };
    expect([...batches([1, 1, 1, 1, 4, 4, 4], limits)]).toEqual([
      [1, 1, 1],
      [1, 4],
      [4, 4],
    ]);
  });

  it('sends an item larger than a call alone rather than never', () => {
    expect([...batches([20, 1], { maxItems: 10, maxBytes: 10, sizeOf: (n: number) => n })]).toEqual([
      [20],
      [1],
    ]);
  });
});

describe('deliverInRounds', () => {
  const rounds = (send: (batch: readonly string[]) => Promise<readonly (Refusal | undefined)[]>) => ({
    items: ['a', 'b', 'c', 'd'],
    retries: 2,
    batches: (items: readonly string[]) => batches(items, { maxItems: 2, maxBytes: 100, sizeOf: () => 1 }),
    send,
    fingerprintOf: (item: string) => item,
    describe: (code: string, message: string) => `${code}: ${message}`,
    exhausted: (count: number) => `${count} refused`,
  });

  it('resends only what was refused for a passing reason, and gives up on the rest at once', async () => {
    const sent: string[][] = [];
    let throttled = false;
    const tally = new Tally('test');
    await deliverInRounds(
      tally,
      rounds(async (batch) => {
        sent.push([...batch]);
        return batch.map((item) => {
          if (item === 'b' && !throttled) {
            throttled = true;
            return { code: 'ThrottlingException', message: 'slow down' };
          }
          return item === 'd' ? { code: 'AccessDenied', message: 'no' } : undefined;
        });
      }),
    );
    expect(sent).toEqual([['a', 'b'], ['c', 'd'], ['b']]);
    expect(tally.receipt()).toEqual({
      sink: 'test',
      delivered: 3,
      messageIds: [],
      error: 'AccessDenied: no',
      undelivered: ['d'],
    });
  });

  it('stops at a failed call: it and everything not yet sent wait for the next run', async () => {
    const tally = new Tally('test');
    let calls = 0;
    await deliverInRounds(
      tally,
      rounds(async (batch) => {
        if (++calls === 2) throw Object.assign(new Error('down'), { code: 'AccessDeniedException' });
        return batch.map(() => undefined);
      }),
    );
    expect(tally.receipt()).toEqual({
      sink: 'test',
      delivered: 2,
      messageIds: [],
      error: 'AccessDeniedException: down',
      undelivered: ['c', 'd'],
    });
  });

  it('says how many were still refused when the rounds run out', async () => {
    const tally = new Tally('test');
    await deliverInRounds(
      tally,
      rounds(async (batch) => batch.map(() => ({ code: 'InternalFailure', message: '' }))),
    );
    expect(tally.receipt()).toEqual({
      sink: 'test',
      delivered: 0,
      messageIds: [],
      error: '4 refused',
      undelivered: ['a', 'b', 'c', 'd'],
    });
  });

  // A first audit hands a sink 145,823 findings; passing them to push() as arguments overflowed the call stack.
  it('gives up on 200,000 findings when the first call fails, every one listed as undelivered', async () => {
    const tally = new Tally('test');
    const items = Array.from({ length: 200_000 }, (_, i) => `f${i}`);
    await deliverInRounds(tally, {
      ...rounds(async () => {
        throw Object.assign(new Error('down'), { code: 'AccessDeniedException' });
      }),
      items,
      batches: (all: readonly string[]) => batches(all, { maxItems: 100, maxBytes: 1e6, sizeOf: () => 1 }),
    });
    expect(tally.receipt().undelivered).toHaveLength(200_000);
    expect(tally.receipt().error).toBe('AccessDeniedException: down');
  });

  it('lists 200,000 findings still refused when the rounds run out', async () => {
    const tally = new Tally('test');
    const items = Array.from({ length: 200_000 }, (_, i) => `f${i}`);
    await deliverInRounds(tally, {
      ...rounds(async (batch) => batch.map(() => ({ code: 'InternalFailure', message: '' }))),
      items,
      retries: 0,
      batches: (all: readonly string[]) =>
        batches(all, { maxItems: 100_000, maxBytes: 1e6, sizeOf: () => 1 }),
    });
    expect(tally.receipt().undelivered).toHaveLength(200_000);
    expect(tally.receipt().error).toBe('200000 refused');
  });
});
