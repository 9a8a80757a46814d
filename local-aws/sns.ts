/**
 * Amazon SNS (awsQuery protocol: form-encoded POST /, XML responses): CreateTopic, Subscribe, Publish.
 * Published messages are kept in memory so tests can read them back.
 */
import { randomUUID } from 'node:crypto';
import { ACCOUNT_ID, escapeXml, type LocalResponse, queryXml } from './http.js';

const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
/** Message + message attributes, in bytes (SNS: 256 KiB). */
export const SNS_MAX_MESSAGE_BYTES = 262_144;
const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
const TOPIC_ARN = /^arn:aws:sns:([a-z0-9-]+):([0-9]{12}):([A-Za-z0-9_.-]+)$/;

export const SNS_OPERATIONS = ['CreateTopic', 'Subscribe', 'Publish'] as const;

export interface MessageAttribute {
  DataType: string;
  StringValue?: string;
  /** Base64, as sent on the wire. */
  BinaryValue?: string;
}

export interface PublishedMessage {
  region: string;
  topicArn: string;
  messageId: string;
  /** The raw Message parameter. */
  message: string;
  subject?: string;
  messageStructure?: string;
  /** With MessageStructure json: the per-protocol messages SNS keeps (string values; always `default`). */
  messages?: Record<string, unknown>;
  messageAttributes: Record<string, MessageAttribute>;
  timestamp: string;
}

export interface Topic {
  region: string;
  topicArn: string;
  name: string;
  attributes: Record<string, string>;
  tags: Record<string, string>;
}

export interface Subscription {
  region: string;
  subscriptionArn: string;
  topicArn: string;
  protocol: string;
  endpoint?: string;
}

/** An SNS error; a 5xx is the service's fault (`Receiver`), anything else the caller's (`Sender`). */
export function snsError(
  status: number,
  code: string,
  message: string,
  type = status >= 500 ? 'Receiver' : 'Sender',
): LocalResponse {
  return queryXml(
    status,
    (id) =>
      `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${type}</Type><Code>${escapeXml(code)}</Code>` +
      `<Message>${escapeXml(message)}</Message></Error><RequestId>${id}</RequestId></ErrorResponse>`,
  );
}

function invalidParameter(message: string): LocalResponse {
  return snsError(400, 'InvalidParameter', `Invalid parameter: ${message}`);
}

function ok(action: string, result: string): LocalResponse {
  return queryXml(
    200,
    (id) =>
      `<${action}Response xmlns="${XMLNS}"><${action}Result>${result}</${action}Result>` +
      `<ResponseMetadata><RequestId>${id}</RequestId></ResponseMetadata></${action}Response>`,
  );
}

/** `Prefix.entry.N.<keyField>` / `.<valueField>` → map; also `Prefix.member.N...` for lists. */
function readEntries(params: URLSearchParams, prefix: string): Map<string, Map<string, string>> {
  const entries = new Map<string, Map<string, string>>();
  for (const [key, value] of params) {
    if (!key.startsWith(`${prefix}.`)) continue;
    const m = /^(?:entry|member)\.(\d+)\.(.+)$/.exec(key.slice(prefix.length + 1));
    if (!m?.[1] || !m[2]) continue;
    let entry = entries.get(m[1]);
    if (!entry) {
      entry = new Map();
      entries.set(m[1], entry);
    }
    entry.set(m[2], value);
  }
  return entries;
}

function parameterValueInvalid(message: string): LocalResponse {
  return snsError(400, 'ParameterValueInvalid', message);
}

/**
 * A message attribute name's problem, in the words of SNS: `[A-Za-z0-9_.-]`, ≤ 256 characters, no
 * leading, trailing or successive '.', and no `AWS.` / `Amazon.` prefix (any case: reserved).
 */
export function attributeNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'The message attribute name must not be empty.';
  if (name.length > 256) return 'Length of message attribute name must be less than 256 bytes.';
  const bad = [...name].find((ch) => !/[A-Za-z0-9_.-]/.test(ch));
  if (bad !== undefined) {
    const hex = `#x${(bad.codePointAt(0) ?? 0).toString(16).toUpperCase()}`;
    return `Invalid non-alphanumeric character '${hex}' was found in the message attribute name. Can only include alphanumeric characters, hyphens, underscores, or dots.`;
  }
  if (name.startsWith('.')) return "Invalid message attribute name starting with character '.' was found.";
  if (name.endsWith('.')) return "Invalid message attribute name ending with character '.' was found.";
  if (name.includes('..')) return "Message attribute name can not have successive '.' character.";
  if (/^(aws|amazon)\./i.test(name)) {
    return `The message attribute name '${name}' is reserved: names must not start with 'AWS.' or 'Amazon.'.`;
  }
  return undefined;
}

/** A decimal number as SNS reads a Number attribute (no hex, no Infinity, no blanks). */
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** String.Array: a JSON array of strings, numbers, true, false and null. */
function isStringArray(value: string): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return false;
  }
  return (
    Array.isArray(parsed) &&
    parsed.every((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v))
  );
}

/**
 * The first key that appears twice at the top level of a JSON object text (already known to parse),
 * which JSON.parse would silently resolve to the last value.
 */
export function duplicateTopLevelKey(text: string): string | undefined {
  const seen = new Set<string>();
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (seen.has(key)) return key;
        seen.add(key);
        expectKey = false;
      }
      i = end;
    } else if (ch === '{' || ch === '[') {
      depth++;
      expectKey = depth === 1 && ch === '{';
    } else if (ch === '}' || ch === ']') {
      depth--;
    } else if (ch === ',' && depth === 1) {
      expectKey = true;
    }
  }
  return undefined;
}

/**
 * SNS Subject, as the model states it: UTF-8 text with no line breaks or control characters, at most
 * 100 characters (counted as characters, not bytes or UTF-16 units).
 */
export function subjectProblem(subject: string): string | undefined {
  if (subject.length === 0) return 'Subject must not be empty';
  if ([...subject].length > 100) return 'Subject must be at most 100 characters';
  if (/[\p{Cc}\u2028\u2029]/u.test(subject))
    return 'Subject must not contain line breaks or control characters';
  return undefined;
}

/** The protocols Subscribe takes (the model's Protocol documentation); any other is refused. */
export const SNS_PROTOCOLS = [
  'http',
  'https',
  'email',
  'email-json',
  'sms',
  'sqs',
  'application',
  'lambda',
  'firehose',
] as const;

export class SnsService {
  private topics = new Map<string, Topic>();
  private subs: Subscription[] = [];
  private messages: PublishedMessage[] = [];
  /** Subscriptions confirmed (by their owner clicking the link, or seeded so); the rest of those needing it are pending. */
  private confirmed = new Set<string>();

  operationOf(params: URLSearchParams): string {
    return params.get('Action') ?? 'Unknown';
  }

  handle(region: string, params: URLSearchParams): LocalResponse {
    switch (params.get('Action')) {
      case 'CreateTopic':
        return this.createTopic(region, params);
      case 'Subscribe':
        return this.subscribe(region, params);
      case 'Publish':
        return this.publish(region, params);
      case 'ListSubscriptionsByTopic':
        return this.listSubscriptionsByTopic(region, params);
      default:
        return snsError(
          400,
          'InvalidAction',
          `Could not find operation ${params.get('Action') ?? ''} for version`,
        );
    }
  }

  published(region?: string): PublishedMessage[] {
    return structuredClone(region ? this.messages.filter((m) => m.region === region) : this.messages);
  }

  clearPublished(): void {
    this.messages = [];
  }

  listTopics(region?: string): Topic[] {
    return structuredClone([...this.topics.values()].filter((t) => !region || t.region === region));
  }

  subscriptions(region?: string): Subscription[] {
    return structuredClone(this.subs.filter((s) => !region || s.region === region));
  }

  /** Creates a topic without HTTP (idempotent). */
  createTopicDirect(region: string, name: string): string {
    const topicArn = `arn:aws:sns:${region}:${ACCOUNT_ID}:${name}`;
    if (!this.topics.has(topicArn))
      this.topics.set(topicArn, { region, topicArn, name, attributes: {}, tags: {} });
    return topicArn;
  }

  private createTopic(region: string, params: URLSearchParams): LocalResponse {
    const name = params.get('Name') ?? '';
    if (!TOPIC_NAME.test(name)) {
      return invalidParameter(
        'Topic Name: must be 1-256 characters long; only alphanumerics, hyphens and underscores (and .fifo suffix)',
      );
    }
    const topicArn = this.createTopicDirect(region, name);
    const topic = this.topics.get(topicArn);
    if (topic) {
      for (const e of readEntries(params, 'Attributes').values()) {
        const key = e.get('key');
        if (key) topic.attributes[key] = e.get('value') ?? '';
      }
      for (const e of readEntries(params, 'Tags').values()) {
        const key = e.get('Key');
        if (key) topic.tags[key] = e.get('Value') ?? '';
      }
    }
    return ok('CreateTopic', `<TopicArn>${escapeXml(topicArn)}</TopicArn>`);
  }

  private topicFor(region: string, topicArn: string | null): Topic | LocalResponse {
    if (!topicArn) return invalidParameter('TopicArn or TargetArn Reason: no value for required parameter');
    const m = TOPIC_ARN.exec(topicArn);
    if (!m) return invalidParameter('TopicArn Reason: An ARN must have at least 6 elements, not 1');
    const topic = m[1] === region ? this.topics.get(topicArn) : undefined;
    if (!topic) return snsError(404, 'NotFound', 'Topic does not exist');
    return topic;
  }

  private subscribe(region: string, params: URLSearchParams): LocalResponse {
    const topic = this.topicFor(region, params.get('TopicArn'));
    if ('status' in topic) return topic;
    const protocol = params.get('Protocol');
    if (!protocol) return invalidParameter('Protocol Reason: no value for required parameter');
    if (!(SNS_PROTOCOLS as readonly string[]).includes(protocol)) {
      return invalidParameter(`Amazon SNS does not support this protocol string: ${protocol}`);
    }
    const endpoint = params.get('Endpoint') ?? undefined;
    const subscriptionArn = `${topic.topicArn}:${randomUUID()}`;
    const sub: Subscription = { region, subscriptionArn, topicArn: topic.topicArn, protocol };
    if (endpoint !== undefined) sub.endpoint = endpoint;
    this.subs.push(sub);
    const needsConfirmation = ['email', 'email-json', 'http', 'https'].includes(protocol);
    const shown =
      needsConfirmation && params.get('ReturnSubscriptionArn') !== 'true'
        ? 'pending confirmation'
        : subscriptionArn;
    return ok('Subscribe', `<SubscriptionArn>${escapeXml(shown)}</SubscriptionArn>`);
  }

  /**
   * Adds a subscription without HTTP, confirmed or not (an email whose owner never clicked the link
   * stays `PendingConfirmation`); returns its ARN. The topic must exist.
   */
  seedSubscription(topicArn: string, protocol: string, endpoint: string, confirmed: boolean): string {
    const topic = this.topics.get(topicArn);
    if (!topic) throw new Error(`no topic ${topicArn}`);
    const subscriptionArn = `${topicArn}:${randomUUID()}`;
    this.subs.push({ region: topic.region, subscriptionArn, topicArn, protocol, endpoint });
    if (confirmed) this.confirmed.add(subscriptionArn);
    return subscriptionArn;
  }

  /**
   * Confirms a subscription as its owner would, or (`confirmed` false) puts it back to pending, as an
   * address subscribed again after unsubscribing is; false when there is no such subscription.
   */
  confirmSubscription(subscriptionArn: string, confirmed = true): boolean {
    if (!this.subs.some((s) => s.subscriptionArn === subscriptionArn)) return false;
    if (confirmed) this.confirmed.add(subscriptionArn);
    else this.confirmed.delete(subscriptionArn);
    return true;
  }

  /** Whether a subscription still waits for its confirmation (email, email-json, http, https). */
  isPending(sub: Subscription): boolean {
    return (
      ['email', 'email-json', 'http', 'https'].includes(sub.protocol) &&
      !this.confirmed.has(sub.subscriptionArn)
    );
  }

  /** ListSubscriptionsByTopic: 100 a page; a pending one shows `PendingConfirmation` for its ARN, as in SNS. */
  private listSubscriptionsByTopic(region: string, params: URLSearchParams): LocalResponse {
    const topic = this.topicFor(region, params.get('TopicArn'));
    if ('status' in topic) return topic;
    const all = this.subs.filter((s) => s.topicArn === topic.topicArn);
    const start = Number(params.get('NextToken') ?? '0');
    if (!Number.isInteger(start) || start < 0 || start > all.length) return invalidParameter('NextToken');
    const page = all.slice(start, start + 100);
    const members = page
      .map(
        (s) =>
          `<member><TopicArn>${escapeXml(s.topicArn)}</TopicArn><Protocol>${escapeXml(s.protocol)}</Protocol>` +
          `<SubscriptionArn>${this.isPending(s) ? 'PendingConfirmation' : escapeXml(s.subscriptionArn)}</SubscriptionArn>` +
          `<Owner>${ACCOUNT_ID}</Owner>${s.endpoint !== undefined ? `<Endpoint>${escapeXml(s.endpoint)}</Endpoint>` : ''}</member>`,
      )
      .join('');
    const next = start + page.length < all.length ? `<NextToken>${start + page.length}</NextToken>` : '';
    return ok('ListSubscriptionsByTopic', `<Subscriptions>${members}</Subscriptions>${next}`);
  }

  private publish(region: string, params: URLSearchParams): LocalResponse {
    if (params.get('PhoneNumber')) return invalidParameter('PhoneNumber Reason: SMS is not emulated locally');
    const topic = this.topicFor(region, params.get('TopicArn') ?? params.get('TargetArn'));
    if ('status' in topic) return topic;

    const message = params.get('Message');
    if (message === null || message === '') return invalidParameter('Empty message');

    const subject = params.get('Subject');
    if (subject !== null && subjectProblem(subject)) return invalidParameter('Subject');

    const attributes: Record<string, MessageAttribute> = {};
    let size = Buffer.byteLength(message);
    const entries = [...readEntries(params, 'MessageAttributes').values()];
    if (entries.length > 10) {
      return snsError(
        400,
        'ParameterValueInvalid',
        `Number of message attributes [${entries.length}] exceeds the allowed maximum [10].`,
      );
    }
    for (const e of entries) {
      const name = e.get('Name') ?? '';
      const dataType = e.get('Value.DataType') ?? '';
      const stringValue = e.get('Value.StringValue');
      const binaryValue = e.get('Value.BinaryValue');
      const nameProblem = attributeNameProblem(name);
      if (nameProblem) return parameterValueInvalid(nameProblem);
      if (!/^(String|Number|Binary|String\.Array)(\..+)?$/.test(dataType)) {
        return snsError(
          400,
          'ParameterValueInvalid',
          `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
        );
      }
      const isBinary = dataType.startsWith('Binary');
      if (isBinary ? !binaryValue : !stringValue) {
        return snsError(
          400,
          'ParameterValueInvalid',
          `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${dataType}'.`,
        );
      }
      if (/^Number(\.|$)/.test(dataType) && !NUMBER.test(stringValue as string)) {
        return parameterValueInvalid(`Could not cast message attribute '${name}' value to number.`);
      }
      if (/^String\.Array(\.|$)/.test(dataType) && !isStringArray(stringValue as string)) {
        return parameterValueInvalid(
          `The message attribute '${name}' with type 'String.Array' must be a JSON array of strings, numbers, true, false or null.`,
        );
      }
      const attr: MessageAttribute = { DataType: dataType };
      if (isBinary) attr.BinaryValue = binaryValue as string;
      else attr.StringValue = stringValue as string;
      attributes[name] = attr;
      size +=
        Buffer.byteLength(name) +
        Buffer.byteLength(dataType) +
        (isBinary
          ? Buffer.from(binaryValue as string, 'base64').length
          : Buffer.byteLength(stringValue as string));
    }
    if (size > SNS_MAX_MESSAGE_BYTES) return invalidParameter('Message too long');

    const structure = params.get('MessageStructure');
    let messages: Record<string, unknown> | undefined;
    if (structure !== null) {
      if (structure !== 'json') return invalidParameter('MessageStructure');
      let parsed: unknown;
      try {
        parsed = JSON.parse(message);
      } catch {
        return invalidParameter('Message Structure - JSON message body failed to parse');
      }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
        return invalidParameter('Message Structure - JSON message body failed to parse');
      }
      const duplicate = duplicateTopLevelKey(message);
      if (duplicate !== undefined) {
        return invalidParameter(`Message Structure - Duplicate key '${duplicate}' in JSON message body`);
      }
      // The model: "Non-string values will cause the key to be ignored", so such a key is dropped;
      // `default` must still be there with a string value.
      const strings = Object.entries(parsed).filter(([, v]) => typeof v === 'string');
      messages = Object.fromEntries(strings);
      if (typeof messages.default !== 'string')
        return invalidParameter('Message Structure - No default entry in JSON message body');
    }

    const record: PublishedMessage = {
      region,
      topicArn: topic.topicArn,
      messageId: randomUUID(),
      message,
      messageAttributes: attributes,
      timestamp: new Date().toISOString(),
    };
    if (subject !== null) record.subject = subject;
    if (structure !== null) record.messageStructure = structure;
    if (messages) record.messages = messages;
    this.messages.push(record);
    return ok('Publish', `<MessageId>${record.messageId}</MessageId>`);
  }
}
