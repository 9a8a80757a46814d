/**
 * A local stand-in for the change path's SQS queue and its Lambda event source mapping: events wait
 * for the batching window (or until a batch is full), are delivered to the consumer as an SQS event,
 * and the messages it reports in `batchItemFailures` (all of them, if it throws) come back after the
 * visibility timeout, until the receive count reaches `maxReceiveCount` and they move to the DLQ.
 * At most `maxConcurrency` batches are in flight at once (default 1, so deliveries are ordered; the
 * stack's mapping allows 2).
 */
import { createHash, randomUUID } from 'node:crypto';
import { ACCOUNT_ID, DEFAULT_REGION } from './http.js';

/** One record of an SQS event, as Lambda delivers it. */
export interface SqsRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: {
    ApproximateReceiveCount: string;
    SentTimestamp: string;
    SenderId: string;
    ApproximateFirstReceiveTimestamp: string;
  };
  messageAttributes: Record<string, never>;
  md5OfBody: string;
  eventSource: 'aws:sqs';
  eventSourceARN: string;
  awsRegion: string;
}

export interface SqsEvent {
  Records: SqsRecord[];
}

/** What the consumer may answer (the SQS partial-batch response); anything else means "all done". */
export interface SqsBatchResponse {
  batchItemFailures?: { itemIdentifier: string }[];
}

export type ChangeConsumer = (event: SqsEvent) => Promise<unknown>;

export interface ChangeQueueOptions {
  consumer: ChangeConsumer;
  /** How long the first waiting message waits for others (the mapping's maximumBatchingWindow). */
  batchWindowMs: number;
  /** A batch this large is delivered at once. Default 10 (the mapping's default batchSize). */
  maxBatchSize?: number;
  /** Lambda's 6 MB invoke payload: a batch never holds more bytes of bodies than this. */
  maxBatchBytes?: number;
  /** Receives before a failing message moves to the DLQ (the redrive policy). Default 5. */
  maxReceiveCount?: number;
  /** How long a failed message stays invisible before it can be received again. Default 0. */
  visibilityTimeoutMs?: number;
  /** Batches delivered at the same time at most (the mapping's maximumConcurrency). Default 1. */
  maxConcurrency?: number;
  queueName?: string;
  region?: string;
  accountId?: string;
}

/** A message the consumer failed `maxReceiveCount` times. */
export interface DeadLetter {
  messageId: string;
  body: string;
  receiveCount: number;
  /** Why the last delivery failed: the consumer's error, or "reported in batchItemFailures". */
  reason: string;
}

/** What the queue did, for tests, the demo and the bench. */
export interface Delivery {
  /** Epoch ms when the batch was handed to the consumer and when the consumer finished. */
  startedAt: number;
  finishedAt: number;
  messageIds: string[];
  failedIds: string[];
  error?: string;
  response?: unknown;
}

interface Message {
  messageId: string;
  body: string;
  sentAt: number;
  firstReceivedAt?: number;
  receiveCount: number;
  /** Epoch ms from when the message may be received. */
  visibleAt: number;
}

const SIX_MB = 6 * 1024 * 1024;

function isBatchResponse(value: unknown): value is SqsBatchResponse {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as SqsBatchResponse).batchItemFailures)
  );
}

/** The queue's ARN, as the event source mapping names it in each record. */
export function sqsQueueArn(region: string, accountId: string, queueName: string): string {
  return `arn:aws:sqs:${region}:${accountId}:${queueName}`;
}

/**
 * One message as Lambda delivers it from the queue `queueArn` in `region` (tests build their SQS
 * events with it). Received `receiveCount` times, first at `firstReceivedAt`.
 */
export function sqsRecord(
  message: Pick<Message, 'messageId' | 'body' | 'sentAt' | 'receiveCount' | 'firstReceivedAt'>,
  queue: { queueArn: string; region: string },
): SqsRecord {
  const firstReceivedAt = message.firstReceivedAt ?? message.sentAt;
  return {
    messageId: message.messageId,
    receiptHandle: `${message.messageId}#${message.receiveCount}`,
    body: message.body,
    attributes: {
      ApproximateReceiveCount: String(message.receiveCount),
      SentTimestamp: String(message.sentAt),
      SenderId: 'AIDAEVENTBRIDGE',
      ApproximateFirstReceiveTimestamp: String(firstReceivedAt),
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(message.body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: queue.queueArn,
    awsRegion: queue.region,
  };
}

/** Events as one SQS batch, each received once now: what the mapping delivers for a fresh batch. */
export function sqsEvent(
  events: readonly { messageId: string; event: unknown }[],
  queue: { region: string; accountId: string; queueName: string },
): SqsEvent {
  const now = Date.now();
  const target = {
    queueArn: sqsQueueArn(queue.region, queue.accountId, queue.queueName),
    region: queue.region,
  };
  return {
    Records: events.map(({ messageId, event }) =>
      sqsRecord({ messageId, body: JSON.stringify(event), sentAt: now, receiveCount: 1 }, target),
    ),
  };
}

export class ChangeQueue {
  readonly deadLetters: DeadLetter[] = [];
  readonly deliveries: Delivery[] = [];
  private readonly waiting: Message[] = [];
  private readonly options: Required<ChangeQueueOptions>;
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(options: ChangeQueueOptions) {
    if (!(options.batchWindowMs >= 0)) throw new Error('ChangeQueue: batchWindowMs must be a number ≥ 0');
    this.options = {
      maxBatchSize: 10,
      maxBatchBytes: SIX_MB,
      maxReceiveCount: 5,
      visibilityTimeoutMs: 0,
      maxConcurrency: 1,
      queueName: 'ivschat-auditor-changes',
      region: DEFAULT_REGION,
      accountId: ACCOUNT_ID,
      ...options,
    };
    if (!(this.options.maxBatchSize >= 1)) throw new Error('ChangeQueue: maxBatchSize must be ≥ 1');
    if (!(this.options.maxReceiveCount >= 1)) throw new Error('ChangeQueue: maxReceiveCount must be ≥ 1');
    if (!(this.options.maxConcurrency >= 1)) throw new Error('ChangeQueue: maxConcurrency must be ≥ 1');
  }

  get queueArn(): string {
    const { region, accountId, queueName } = this.options;
    return sqsQueueArn(region, accountId, queueName);
  }

  /** Messages not yet processed (waiting or invisible after a failure), excluding the batch in flight. */
  get depth(): number {
    return this.waiting.length;
  }

  /** Queues one message (an object is sent as its JSON, as EventBridge's SQS target does). */
  send(event: unknown): string {
    if (this.stopped) throw new Error(`ChangeQueue ${this.options.queueName} is stopped`);
    const messageId = randomUUID();
    const now = Date.now();
    const body = typeof event === 'string' ? event : JSON.stringify(event);
    this.waiting.push({ messageId, body, sentAt: now, receiveCount: 0, visibleAt: now });
    this.schedule();
    return messageId;
  }

  /** Resolves when nothing is waiting and no batch is in flight (or when stopped). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops delivering: clears the timer, lets the batch in flight finish, and returns the messages
   * that were never processed (as SQS would keep them).
   */
  async stop(): Promise<{ messageId: string; body: string }[]> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.all(this.inFlight);
    this.notifyIdle();
    return this.waiting.map(({ messageId, body }) => ({ messageId, body }));
  }

  private isIdle(): boolean {
    return this.stopped || (this.waiting.length === 0 && this.inFlight.size === 0);
  }

  private notifyIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** The messages of the next batch, oldest first, within the size and byte limits. */
  private visible(now: number): Message[] {
    const batch: Message[] = [];
    let bytes = 0;
    for (const message of this.waiting) {
      if (message.visibleAt > now) continue;
      const size = Buffer.byteLength(message.body);
      if (
        batch.length >= this.options.maxBatchSize ||
        (batch.length > 0 && bytes + size > this.options.maxBatchBytes)
      ) {
        break;
      }
      batch.push(message);
      bytes += size;
    }
    return batch;
  }

  /** When the next batch is due: at once when full, else when the oldest visible message's window ends. */
  private schedule(): void {
    if (this.stopped || this.inFlight.size >= this.options.maxConcurrency) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.waiting.length === 0) return;
    const now = Date.now();
    const batch = this.visible(now);
    const full =
      batch.length >= this.options.maxBatchSize ||
      batch.length < this.waiting.filter((m) => m.visibleAt <= now).length;
    let dueAt: number;
    if (batch.length > 0) {
      const oldest = Math.min(...batch.map((m) => m.visibleAt));
      dueAt = full ? now : oldest + this.options.batchWindowMs;
    } else {
      dueAt = Math.min(...this.waiting.map((m) => m.visibleAt));
    }
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.deliver();
      },
      Math.max(0, dueAt - now),
    );
  }

  private deliver(): void {
    if (this.stopped || this.inFlight.size >= this.options.maxConcurrency) return;
    const now = Date.now();
    const batch = this.visible(now);
    if (batch.length === 0) {
      this.schedule();
      return;
    }
    const taken = new Set(batch);
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      if (taken.has(this.waiting[i] as Message)) this.waiting.splice(i, 1);
    }
    const delivery: Promise<void> = this.run(batch, now).finally(() => {
      this.inFlight.delete(delivery);
      this.schedule();
      this.notifyIdle();
    });
    this.inFlight.add(delivery);
    // Another poller may take the next batch meanwhile.
    this.schedule();
  }

  private record(message: Message, now: number): SqsRecord {
    message.receiveCount += 1;
    message.firstReceivedAt ??= now;
    return sqsRecord(message, { queueArn: this.queueArn, region: this.options.region });
  }

  private async run(batch: Message[], startedAt: number): Promise<void> {
    const event: SqsEvent = { Records: batch.map((m) => this.record(m, startedAt)) };
    const ids = new Set(batch.map((m) => m.messageId));
    let failed: Set<string>;
    let reason = 'reported in batchItemFailures';
    const delivery: Delivery = { startedAt, finishedAt: startedAt, messageIds: [...ids], failedIds: [] };
    try {
      const response = await this.options.consumer(event);
      delivery.response = response;
      const reported = isBatchResponse(response)
        ? (response.batchItemFailures?.map((f) => f.itemIdentifier) ?? [])
        : [];
      // Lambda treats an identifier that is not in the batch as a failure of the whole batch.
      const unknown = reported.filter((id) => !ids.has(id));
      if (unknown.length > 0) reason = `batchItemFailures named ids not in the batch: ${unknown.join(', ')}`;
      failed = unknown.length > 0 ? new Set(ids) : new Set(reported);
    } catch (err) {
      reason = err instanceof Error ? err.message : String(err);
      delivery.error = reason;
      failed = new Set(ids);
    }
    delivery.finishedAt = Date.now();
    delivery.failedIds = [...failed];
    this.deliveries.push(delivery);
    for (const message of batch) {
      if (!failed.has(message.messageId)) continue;
      if (message.receiveCount >= this.options.maxReceiveCount) {
        const { messageId, body, receiveCount } = message;
        this.deadLetters.push({ messageId, body, receiveCount, reason });
      } else {
        message.visibleAt = delivery.finishedAt + this.options.visibilityTimeoutMs;
        this.waiting.push(message);
      }
    }
  }
}
