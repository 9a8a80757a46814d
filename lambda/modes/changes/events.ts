/**
 * The change path's input: IVS Chat write calls as CloudTrail records them and EventBridge delivers
 * them (`source: aws.ivschat`, `detail-type: AWS API Call via CloudTrail`), in an SQS batch (the
 * change queue's event source, the only way in). Pure: what each event says changed, or why it says
 * nothing, and the changes of a batch coalesced per target and room.
 *
 * An event is a hint, never evidence: it only names rooms to read again. Whoever can put a message
 * on the queue can make the auditor read a room of an audited target, never decide a verdict: even
 * a DeleteRoom resolves nothing until GetRoom answers that the room is gone.
 *
 * Fields relied on (README "Drift found in a minute"): `account`, `detail.eventName`,
 * `detail.requestParameters.identifier` / `.resourceArn` or `detail.responseElements.arn`,
 * `detail.awsRegion`, `detail.recipientAccountId`, `detail.errorCode`, `detail.eventTime`,
 * `detail.eventID`, `detail.userIdentity.sessionContext.sessionIssuer.type` and `.arn`.
 */
import { ACCOUNT_ID, isRegionName } from '../../core/arn.js';
import { CHANGE_SOURCE, CHANGE_WRITES as WRITES } from '../../core/change-writes.js';
import { getOrCreate } from '../../core/maps.js';
import { truncate } from '../../core/truncate.js';
import type { Target } from '../../core/types.js';
import type { TargetChanges } from '../../inventory/changed.js';

// The write calls and the source live in core/, where the stack's rule reads them too.

/** One message of the trigger: SQS names it (`messageId`, what a partial-batch response retries). */
export interface ChangeMessage {
  messageId?: string;
  /** The EventBridge event, or why the message holds none. */
  event: unknown;
  malformed?: string;
}

/** Why an event changes nothing the change path audits. */
export type IgnoreReason =
  | 'malformed message'
  | 'not an IVS Chat API call'
  | 'unknown event'
  | 'read-only call'
  | 'failed call'
  | 'own change'
  | 'malformed fields'
  | 'account mismatch';

/**
 * A write to one room, DeleteRoom included: the room is read again (GetRoom), and only GetRoom's
 * ResourceNotFoundException makes it deleted.
 */
export interface RoomChange extends Target {
  kind: 'room';
  roomArn: string;
  eventName: string;
}

/** A write to a logging configuration: the rooms that reference it are checked again. */
export interface LoggingChange extends Target {
  kind: 'logging';
  configurationArn: string;
  eventName: string;
}

export type Change = RoomChange | LoggingChange;

export type ParsedEvent =
  | { change: Change; eventId?: string; eventTime?: string }
  | { ignored: IgnoreReason; detail: string; eventId?: string };

const ROOM_ARN = /^arn:(aws(?:-[a-z]+)*):ivschat:([a-z0-9-]+):(\d{12}):room\/([A-Za-z0-9-]+)$/;
const LOGGING_ARN =
  /^arn:(aws(?:-[a-z]+)*):ivschat:([a-z0-9-]+):(\d{12}):logging-configuration\/([A-Za-z0-9-]+)$/;

/** True for what the change function is fed: an SQS batch (the change queue's event source). */
export function isChangeTrigger(event: unknown): boolean {
  return (
    isObject(event) &&
    Array.isArray(event.Records) &&
    event.Records.length > 0 &&
    event.Records.every((r) => isObject(r) && r.eventSource === 'aws:sqs')
  );
}

/**
 * True for one IVS Chat event handed to the function itself (`lambda:InvokeFunction`, or a rule
 * someone pointed at it): not an entry point. The stack feeds the change function through its queue
 * only, so such an event came around it and is refused, not audited.
 */
export function isDirectChangeEvent(event: unknown): boolean {
  return isObject(event) && !('Records' in event) && event.source === CHANGE_SOURCE;
}

/** The batch's messages: each SQS record's body parsed (none for anything but an SQS batch). */
export function changeMessages(event: unknown): ChangeMessage[] {
  if (!isChangeTrigger(event)) return [];
  return (event as { Records: unknown[] }).Records.map((record): ChangeMessage => {
    const messageId = isObject(record) && typeof record.messageId === 'string' ? record.messageId : undefined;
    const body = isObject(record) ? record.body : undefined;
    const id = messageId ? { messageId } : {};
    if (typeof body !== 'string') return { ...id, event: undefined, malformed: 'the SQS record has no body' };
    try {
      return { ...id, event: JSON.parse(body) };
    } catch (error) {
      return { ...id, event: undefined, malformed: `the body is not JSON (${(error as Error).message})` };
    }
  });
}

/**
 * The auditor's own roles: their writes are its remediation, confirmed by the next scheduled audit,
 * not new drift. A caller is one of them only when CloudTrail names a role session (`sessionIssuer`
 * of type `Role`) whose role ARN, account and path included, is one of these: a user, a federated
 * user or a role elsewhere (another account, another path) that shares a name is audited.
 */
export interface ParseOptions {
  /** The ARNs of the auditor's own roles for a write recorded in `accountId` of `partition`. */
  ownRoleArns(accountId: string, partition: string): readonly string[];
}

/**
 * What one EventBridge event says changed, or why it is ignored. Never throws for what the event
 * holds (only `ownRoleArns` may, for a bad role setting).
 */
export function parseChangeEvent(event: unknown, options: ParseOptions): ParsedEvent {
  if (!isObject(event) || !isObject(event.detail)) {
    return { ignored: 'malformed message', detail: 'not an EventBridge event with a detail object' };
  }
  const d = event.detail;
  const eventId = typeof d.eventID === 'string' ? { eventId: d.eventID } : {};
  const ignore = (ignored: IgnoreReason, detail: string): ParsedEvent => ({ ignored, detail, ...eventId });
  if (
    event.source !== CHANGE_SOURCE ||
    (d.eventSource !== undefined && d.eventSource !== 'ivschat.amazonaws.com')
  ) {
    return ignore(
      'not an IVS Chat API call',
      `source ${str(event.source)}, eventSource ${str(d.eventSource)}`,
    );
  }
  const eventName = typeof d.eventName === 'string' ? d.eventName : '';
  const kind = Object.hasOwn(WRITES, eventName) ? WRITES[eventName] : undefined;
  if (!kind) return ignore('unknown event', `eventName ${str(d.eventName)}`);
  if (d.readOnly === true) return ignore('read-only call', eventName);
  // A refused or failed call (AccessDenied, ValidationException, …) changed nothing.
  if (d.errorCode !== undefined && d.errorCode !== null && d.errorCode !== '') {
    return ignore('failed call', `${eventName}: ${str(d.errorCode)}`);
  }
  const accountId = d.recipientAccountId;
  const region = d.awsRegion;
  if (typeof accountId !== 'string' || !ACCOUNT_ID.test(accountId)) {
    return ignore(
      'malformed fields',
      `${eventName}: recipientAccountId ${str(accountId)} is not an account id`,
    );
  }
  // EventBridge sets `account` (the account whose bus got the event, kept when a member forwards it);
  // CloudTrail sets recipientAccountId. A real event has them equal.
  if (event.account !== accountId) {
    return ignore(
      'account mismatch',
      `${eventName}: event account ${str(event.account)} is not recipientAccountId ${accountId}`,
    );
  }
  if (typeof region !== 'string' || !isRegionName(region)) {
    return ignore('malformed fields', `${eventName}: awsRegion ${str(region)} is not a region`);
  }
  const request = isObject(d.requestParameters) ? d.requestParameters : {};
  const response = isObject(d.responseElements) ? d.responseElements : {};
  const written =
    kind === 'room-created' || kind === 'logging-created'
      ? response.arn
      : kind === 'tagged'
        ? decodeArn(request.resourceArn)
        : request.identifier;
  const where = { accountId, region };
  const when = typeof d.eventTime === 'string' ? { eventTime: d.eventTime } : {};
  const room = kind !== 'logging' && kind !== 'logging-created' && matchArn(ROOM_ARN, written, where);
  const logging =
    !room && kind !== 'room' && kind !== 'room-created' && matchArn(LOGGING_ARN, written, where);
  const target = room || logging;
  if (target) {
    const caller = callerRole(d.userIdentity);
    if (caller && options.ownRoleArns(accountId, target.partition).includes(caller)) {
      return ignore('own change', `${eventName} by ${caller}`);
    }
    const change: Change = room
      ? { kind: 'room', ...where, roomArn: room.arn, eventName }
      : { kind: 'logging', ...where, configurationArn: target.arn, eventName };
    return { change, ...eventId, ...when };
  }
  return ignore(
    'malformed fields',
    `${eventName}: no ${kind.startsWith('logging') ? 'logging configuration' : 'room'} ARN of account ${accountId} in ${region} (got ${str(written)})`,
  );
}

/** Groups changes by target and room: ten writes of a room, a delete among them or not, are one room. */
export function coalesceChanges(changes: readonly { change: Change; messageId?: string }[]): TargetChanges[] {
  const targets = new Map<
    string,
    { t: TargetChanges; rooms: Set<string>; logging: Set<string>; ids: Set<string> }
  >();
  for (const { change, messageId } of changes) {
    const entry = getOrCreate(targets, `${change.accountId}/${change.region}`, () => ({
      t: {
        accountId: change.accountId,
        region: change.region,
        rooms: [],
        loggingConfigurations: [],
        messageIds: [],
        events: 0,
      },
      rooms: new Set<string>(),
      logging: new Set<string>(),
      ids: new Set<string>(),
    }));
    entry.t.events++;
    if (messageId) entry.ids.add(messageId);
    if (change.kind === 'room') {
      entry.rooms.add(change.roomArn);
    } else {
      entry.logging.add(change.configurationArn);
    }
  }
  return [...targets.values()].map(({ t, rooms, logging, ids }) => ({
    ...t,
    rooms: [...rooms],
    loggingConfigurations: [...logging],
    messageIds: [...ids],
  }));
}

/**
 * The role ARN (path included) of the caller's session when a role issued it. `userName` drops the
 * path, and an IAM user's GetFederationToken session has a `sessionIssuer` too, of type `IAMUser`.
 */
function callerRole(identity: unknown): string | undefined {
  if (!isObject(identity) || !isObject(identity.sessionContext)) return undefined;
  const issuer = identity.sessionContext.sessionIssuer;
  if (!isObject(issuer) || issuer.type !== 'Role' || typeof issuer.arn !== 'string') return undefined;
  return issuer.arn;
}

/** The ARN and its partition when it is of this kind and of the event's own account and region. */
function matchArn(
  pattern: RegExp,
  value: unknown,
  where: Target,
): { arn: string; partition: string } | undefined {
  if (typeof value !== 'string') return undefined;
  const match = pattern.exec(value);
  return match?.[1] && match[2] === where.region && match[3] === where.accountId
    ? { arn: value, partition: match[1] }
    : undefined;
}

/** TagResource's ARN is a URI path parameter: CloudTrail may record it URL-encoded. */
function decodeArn(value: unknown): unknown {
  if (typeof value !== 'string' || !value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function str(value: unknown): string {
  if (value === undefined) return '(missing)';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return truncate(text, 121);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
