import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChangeQueue, type SqsEvent } from '../../local-aws/change-queue.js';

/** A consumer that records each batch's bodies and answers what `answer` says. */
function recorder(answer: (event: SqsEvent) => unknown = () => ({ batchItemFailures: [] })) {
  const batches: SqsEvent[] = [];
  const consumer = async (event: SqsEvent) => {
    batches.push(event);
    return answer(event);
  };
  const bodies = () =>
    batches.map((b) => b.Records.map((r) => JSON.parse(r.body) as { n: number }).map((e) => e.n));
  return { batches, consumer, bodies };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('ChangeQueue', () => {
  it('gathers the events of one batching window into one SQS event', async () => {
    const { consumer, bodies, batches } = recorder();
    const queue = new ChangeQueue({ consumer, batchWindowMs: 1000 });
    queue.send({ n: 1 });
    await vi.advanceTimersByTimeAsync(300);
    queue.send({ n: 2 });
    queue.send({ n: 3 });
    await vi.advanceTimersByTimeAsync(699);
    expect(batches).toHaveLength(0);

    await vi.advanceTimersByTimeAsync(1);
    expect(bodies()).toEqual([[1, 2, 3]]);
    const record = batches[0]?.Records[0];
    expect(record).toMatchObject({
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:ivschat-auditor-changes',
      awsRegion: 'us-east-1',
      attributes: { ApproximateReceiveCount: '1' },
    });
    expect(JSON.parse(record?.body ?? '')).toEqual({ n: 1 });
    expect(queue.depth).toBe(0);
  });

  it('delivers a full batch at once and the remainder when its window ends', async () => {
    const { consumer, bodies } = recorder();
    const queue = new ChangeQueue({ consumer, batchWindowMs: 1000, maxBatchSize: 2 });
    for (let n = 1; n <= 5; n++) queue.send({ n });
    await vi.advanceTimersByTimeAsync(10);
    expect(bodies()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(bodies()).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('never puts more body bytes in a batch than maxBatchBytes', async () => {
    const { consumer, bodies } = recorder();
    const queue = new ChangeQueue({ consumer, batchWindowMs: 1000, maxBatchSize: 100, maxBatchBytes: 30 });
    for (let n = 1; n <= 4; n++) queue.send({ n, pad: 'xxxx' }); // 18 bytes each
    await vi.advanceTimersByTimeAsync(10);
    expect(bodies()).toEqual([[1], [2], [3]]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(bodies()).toEqual([[1], [2], [3], [4]]);
  });

  it('redelivers only the messages named in batchItemFailures, with a higher receive count', async () => {
    let failedOnce = false;
    const { consumer, batches, bodies } = recorder((event) => {
      const second = event.Records.find((r) => (JSON.parse(r.body) as { n: number }).n === 2);
      if (second && !failedOnce) {
        failedOnce = true;
        return { batchItemFailures: [{ itemIdentifier: second.messageId }] };
      }
      return { batchItemFailures: [] };
    });
    const queue = new ChangeQueue({ consumer, batchWindowMs: 500 });
    const ids = [1, 2, 3].map((n) => queue.send({ n }));
    await vi.advanceTimersByTimeAsync(500);
    await vi.advanceTimersByTimeAsync(500);
    expect(bodies()).toEqual([[1, 2, 3], [2]]);
    expect(batches[1]?.Records[0]).toMatchObject({
      messageId: ids[1],
      attributes: { ApproximateReceiveCount: '2' },
    });
    await vi.advanceTimersByTimeAsync(5000);
    expect(batches).toHaveLength(2);
    expect(queue.deadLetters).toEqual([]);
    expect(queue.deliveries.map((d) => d.failedIds)).toEqual([[ids[1]], []]);
  });

  it('moves a message to the DLQ after maxReceiveCount failed receives, and never delivers it again', async () => {
    const { consumer, batches } = recorder(() => {
      throw new Error('target role cannot be assumed');
    });
    const queue = new ChangeQueue({
      consumer,
      batchWindowMs: 100,
      maxReceiveCount: 3,
      visibilityTimeoutMs: 1000,
    });
    const id = queue.send({ n: 1 });
    await vi.advanceTimersByTimeAsync(100); // receive 1
    await vi.advanceTimersByTimeAsync(999);
    expect(batches).toHaveLength(1); // still invisible
    await vi.advanceTimersByTimeAsync(1 + 100); // receive 2
    await vi.advanceTimersByTimeAsync(1100); // receive 3
    await vi.advanceTimersByTimeAsync(60_000);

    expect(batches.map((b) => b.Records[0]?.attributes.ApproximateReceiveCount)).toEqual(['1', '2', '3']);
    expect(queue.deadLetters).toEqual([
      { messageId: id, body: '{"n":1}', receiveCount: 3, reason: 'target role cannot be assumed' },
    ]);
    expect(queue.depth).toBe(0);
    await queue.idle();
  });

  it('treats a batchItemFailures id that is not in the batch as a failure of the whole batch', async () => {
    const { consumer, bodies } = recorder((event) =>
      event.Records[0]?.attributes.ApproximateReceiveCount === '1'
        ? { batchItemFailures: [{ itemIdentifier: 'not-a-message-of-this-batch' }] }
        : {},
    );
    const queue = new ChangeQueue({ consumer, batchWindowMs: 100 });
    queue.send({ n: 1 });
    queue.send({ n: 2 });
    await vi.advanceTimersByTimeAsync(100);
    await vi.advanceTimersByTimeAsync(100);
    expect(bodies()).toEqual([
      [1, 2],
      [1, 2],
    ]);
    expect(queue.deliveries[0]?.failedIds).toHaveLength(2);
  });

  it('idle() resolves once every message is processed', async () => {
    const { consumer, bodies } = recorder();
    const queue = new ChangeQueue({ consumer, batchWindowMs: 2000 });
    queue.send({ n: 1 });
    let done = false;
    const idle = queue.idle().then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(1999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await idle;
    expect(bodies()).toEqual([[1]]);
  });

  it('stops cleanly: the batch in flight finishes, nothing more is delivered, unprocessed messages are returned', async () => {
    let release: () => void = () => {};
    const batches: SqsEvent[] = [];
    const queue = new ChangeQueue({
      batchWindowMs: 100,
      maxBatchSize: 1,
      consumer: (event) => {
        batches.push(event);
        return new Promise((resolve) => {
          release = () => resolve({});
        });
      },
    });
    queue.send({ n: 1 });
    queue.send({ n: 2 });
    await vi.advanceTimersByTimeAsync(0);
    expect(batches).toHaveLength(1);

    let stopped = false;
    const stopping = queue.stop().then((left) => {
      stopped = true;
      return left;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false); // waits for the batch in flight
    release();
    const left = await stopping;
    expect(left.map((m) => JSON.parse(m.body))).toEqual([{ n: 2 }]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(batches).toHaveLength(1);
    expect(() => queue.send({ n: 3 })).toThrow(/stopped/);
    await queue.idle();
  });

  it('has at most maxConcurrency batches in flight at once', async () => {
    const releases: (() => void)[] = [];
    const started: number[][] = [];
    const queue = new ChangeQueue({
      batchWindowMs: 100,
      maxBatchSize: 1,
      maxConcurrency: 2,
      consumer: (event) => {
        started.push(event.Records.map((r) => (JSON.parse(r.body) as { n: number }).n));
        return new Promise((resolve) => releases.push(() => resolve({})));
      },
    });
    for (let n = 1; n <= 3; n++) queue.send({ n });
    await vi.advanceTimersByTimeAsync(10);
    expect(started).toEqual([[1], [2]]);
    releases[0]?.();
    await vi.advanceTimersByTimeAsync(10);
    expect(started).toEqual([[1], [2], [3]]);
    releases[1]?.();
    releases[2]?.();
    await queue.idle();
    expect(queue.depth).toBe(0);
  });

  it('refuses a negative batching window', () => {
    expect(() => new ChangeQueue({ consumer: async () => ({}), batchWindowMs: -1 })).toThrow(/batchWindowMs/);
  });
});
