/**
 * Amazon SQS `GetQueueAttributes` (JSON 1.0, `X-Amz-Target: AmazonSQS.GetQueueAttributes`, with the
 * query-compatible error codes the SDK reads from `x-amzn-query-error`) over queues seeded with their
 * message counts. The age of the oldest message is no queue attribute in AWS: it is the CloudWatch
 * metric `AWS/SQS ApproximateAgeOfOldestMessage`, seeded in `cloudwatch.ts`.
 */
import { ACCOUNT_ID, type LocalResponse } from './http.js';
import { type JsonVersion, jsonAnswer, jsonBody, jsonError, text, textList } from './json-protocol.js';

export const SQS_TARGET_PREFIX = 'AmazonSQS.';
const V: JsonVersion = '1.0';

export interface SeedQueue {
  name: string;
  region: string;
  /** Default 000000000000. */
  accountId?: string;
  /** ApproximateNumberOfMessages (available). Default 0. */
  visible?: number;
  /** ApproximateNumberOfMessagesNotVisible (in flight). Default 0. */
  inFlight?: number;
  /** ApproximateNumberOfMessagesDelayed. Default 0. */
  delayed?: number;
  /** The queue's dead-letter queue, by name (same account and region). */
  deadLetterQueue?: string;
  /** Default 5. */
  maxReceiveCount?: number;
}

interface QueueRecord extends Required<Omit<SeedQueue, 'deadLetterQueue'>> {
  deadLetterQueue?: string;
  createdAt: number;
}

/** The attributes GetQueueAttributes knows (a name outside these is InvalidAttributeName). */
const ATTRIBUTES = [
  'All',
  'Policy',
  'VisibilityTimeout',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'QueueArn',
  'ApproximateNumberOfMessagesDelayed',
  'DelaySeconds',
  'ReceiveMessageWaitTimeSeconds',
  'RedrivePolicy',
  'FifoQueue',
  'ContentBasedDeduplication',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
  'DeduplicationScope',
  'FifoThroughputLimit',
  'RedriveAllowPolicy',
  'SqsManagedSseEnabled',
];

const NON_EXISTENT = 'AWS.SimpleQueueService.NonExistentQueue;Sender';

export class SqsService {
  private queues = new Map<string, QueueRecord>();

  private static key(accountId: string, region: string, name: string): string {
    return `${accountId}/${region}/${name}`;
  }

  seed(queues: SeedQueue[]): void {
    for (const q of queues) {
      const accountId = q.accountId ?? ACCOUNT_ID;
      const record: QueueRecord = {
        name: q.name,
        region: q.region,
        accountId,
        visible: q.visible ?? 0,
        inFlight: q.inFlight ?? 0,
        delayed: q.delayed ?? 0,
        maxReceiveCount: q.maxReceiveCount ?? 5,
        createdAt: Math.floor(Date.now() / 1000),
      };
      if (q.deadLetterQueue) record.deadLetterQueue = q.deadLetterQueue;
      this.queues.set(SqsService.key(accountId, q.region, q.name), record);
    }
  }

  /** Changes a seeded queue's message counts (a test or the demo fills a dead-letter queue). */
  setCounts(
    accountId: string,
    region: string,
    name: string,
    counts: Pick<SeedQueue, 'visible' | 'inFlight' | 'delayed'>,
  ): boolean {
    const queue = this.queues.get(SqsService.key(accountId, region, name));
    if (!queue) return false;
    Object.assign(queue, Object.fromEntries(Object.entries(counts).filter(([, v]) => v !== undefined)));
    return true;
  }

  clear(): void {
    this.queues.clear();
  }

  handle(operation: string, accountId: string, region: string, body: string): LocalResponse {
    const input = jsonBody(body);
    if (!input)
      return jsonError(
        V,
        400,
        'com.amazon.coral.service#SerializationException',
        'Request body is not a JSON object',
      );
    if (operation !== 'GetQueueAttributes')
      return jsonError(
        V,
        400,
        'com.amazonaws.sqs#UnsupportedOperation',
        `SQS has no operation ${operation} here`,
        {
          queryError: 'AWS.SimpleQueueService.UnsupportedOperation;Sender',
        },
      );
    const url = text(input, 'QueueUrl');
    if (!url)
      return jsonError(
        V,
        400,
        'com.amazonaws.sqs#InvalidAddress',
        'The address QueueUrl is not valid for this endpoint.',
        {
          queryError: 'InvalidAddress;Sender',
        },
      );
    const names = textList(input, 'AttributeNames');
    if (names === false)
      return jsonError(
        V,
        400,
        'com.amazonaws.sqs#InvalidAttributeName',
        'AttributeNames must be a list of strings',
        { queryError: 'InvalidAttributeName;Sender' },
      );
    const unknown = (names ?? []).find((n) => !ATTRIBUTES.includes(n));
    if (unknown !== undefined)
      return jsonError(V, 400, 'com.amazonaws.sqs#InvalidAttributeName', `Unknown Attribute ${unknown}.`, {
        queryError: 'InvalidAttributeName;Sender',
      });
    const queue = this.byUrl(url, accountId, region);
    if (!queue)
      return jsonError(V, 400, 'com.amazonaws.sqs#QueueDoesNotExist', 'The specified queue does not exist.', {
        queryError: NON_EXISTENT,
      });
    const all = attributesOf(queue);
    const wanted = !names || names.length === 0 ? [] : names.includes('All') ? Object.keys(all) : names;
    const Attributes = Object.fromEntries(wanted.filter((n) => n in all).map((n) => [n, all[n] as string]));
    return jsonAnswer(V, Object.keys(Attributes).length > 0 ? { Attributes } : {});
  }

  /** `https://sqs.REGION.amazonaws.com/ACCOUNT/NAME`, or the emulator's own `http://host/ACCOUNT/NAME`. */
  private byUrl(url: string, callerAccount: string, region: string): QueueRecord | undefined {
    let path: string;
    try {
      path = new URL(url).pathname;
    } catch {
      return undefined;
    }
    const [, account, name] = /^\/(\d{12})\/([\w-]{1,80}(?:\.fifo)?)$/.exec(path) ?? [];
    if (!account || !name || account !== callerAccount) return undefined;
    return this.queues.get(SqsService.key(account, region, name));
  }
}

function attributesOf(queue: QueueRecord): Record<string, string> {
  const arn = `arn:aws:sqs:${queue.region}:${queue.accountId}:${queue.name}`;
  return {
    QueueArn: arn,
    ApproximateNumberOfMessages: String(queue.visible),
    ApproximateNumberOfMessagesNotVisible: String(queue.inFlight),
    ApproximateNumberOfMessagesDelayed: String(queue.delayed),
    CreatedTimestamp: String(queue.createdAt),
    LastModifiedTimestamp: String(queue.createdAt),
    VisibilityTimeout: '30',
    MaximumMessageSize: '262144',
    MessageRetentionPeriod: '1209600',
    DelaySeconds: '0',
    ReceiveMessageWaitTimeSeconds: '0',
    SqsManagedSseEnabled: 'true',
    ...(queue.deadLetterQueue
      ? {
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: `arn:aws:sqs:${queue.region}:${queue.accountId}:${queue.deadLetterQueue}`,
            maxReceiveCount: queue.maxReceiveCount,
          }),
        }
      : {}),
  };
}
