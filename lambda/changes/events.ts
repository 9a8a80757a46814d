/**
 * The change path's input: IVS Chat write calls as CloudTrail records them and EventBridge delivers
 * them (`source: aws.ivschat`, `detail-type: AWS API Call via CloudTrail`), either one event (a rule
 * invoking the function) or an SQS batch of them (the queue's event source). Pure: what each event
 * says changed, or why it says nothing, and the changes of a batch coalesced per target and room.
 *
 * Fields relied on (README "Drift found in a minute"): `detail.eventName`,
 * `detail.requestParameters.identifier` / `.resourceArn` or `detail.responseElements.arn`,
 * `detail.awsRegion`, `detail.recipientAccountId`, `detail.errorCode`, `detail.eventTime`,
 * `detail.eventID`, `detail.userIdentity.sessionContext.sessionIssuer.userName` and `.accountId`.
 */
import { isRegionName } from '../core/arn.js';
import { getOrCreate } from '../core/maps.js';

export const CHANGE_SOURCE = 'aws.ivschat';

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
  | 'malformed fields';

/** A write to one room: audit it again (GetRoom), or resolve its findings (deleted). */
export interface RoomChange {
  kind: 'room';
  accountId: string;
  region: string;
  roomArn: string;
  deleted: boolean;
  eventName: string;
}

/** A write to a logging configuration: the rooms that reference it are checked again. */
export interface LoggingChange {
  kind: 'logging';
  accountId: string;
  region: string;
  configurationArn: string;
  eventName: string;
}

export type Change = RoomChange | LoggingChange;

export type ParsedEvent =
  | { change: Change; eventId?: string; eventTime?: string }
  | { ignored: IgnoreReason; detail: string; eventId?: string };

/** The eight write calls the rule forwards, and where each names what it wrote. */
const WRITES: Readonly<
  Record<string, 'room' | 'room-created' | 'room-deleted' | 'tagged' | 'logging' | 'logging-created'>
> = {
  CreateRoom: 'room-created',
  UpdateRoom: 'room',
  DeleteRoom: 'room-deleted',
  TagResource: 'tagged',
  UntagResource: 'tagged',
  CreateLoggingConfiguration: 'logging-created',
  UpdateLoggingConfiguration: 'logging',
  DeleteLoggingConfiguration: 'logging',
};

/** The write calls the change path acts on (the stack's rule matches exactly these). */
export const CHANGE_EVENT_NAMES: readonly string[] = Object.keys(WRITES);

const ROOM_ARN = /^arn:(aws[a-z-]*):ivschat:([a-z0-9-]+):(\d{12}):room\/([A-Za-z0-9-]+)$/;
const LOGGING_ARN = /^arn:(aws[a-z-]*):ivschat:([a-z0-9-]+):(\d{12}):logging-configuration\/([A-Za-z0-9-]+)$/;
const ACCOUNT_ID = /^\d{12}$/;

/** True for what the change function is fed: an SQS batch, or one IVS Chat event from EventBridge. */
export function isChangeTrigger(event: unknown): boolean {
  if (!isObject(event)) return false;
  if (Array.isArray(event.Records)) {
    return event.Records.length > 0 && event.Records.every((r) => isObject(r) && r.eventSource === 'aws:sqs');
  }
  return event.source === CHANGE_SOURCE;
}

/** The trigger's messages: each SQS record's body parsed, or the one event itself. */
export function changeMessages(event: unknown): ChangeMessage[] {
  if (!isObject(event) || !Array.isArray(event.Records)) return [{ event }];
  return event.Records.map((record): ChangeMessage => {
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
 * not new drift. A role is known by its name AND its account, as anyone may create a role of that
 * name in their own account, and its writes would otherwise go unaudited.
 */
export interface ParseOptions {
  /** The function's role, in the auditor's own account (`selfAccountId`); '' for none. */
  functionRoleName: string;
  selfAccountId: string;
  /** The member role, which the auditor assumes in the account it audits (the event's own account). */
  memberRoleName: string;
}

/** What one EventBridge event says changed, or why it is ignored. Never throws. */
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
  const caller = callerRole(d.userIdentity);
  if (caller && isOwnRole(caller, d.recipientAccountId, options)) {
    return ignore('own change', `${eventName} by ${caller.roleName} of ${caller.accountId}`);
  }

  const accountId = d.recipientAccountId;
  const region = d.awsRegion;
  if (typeof accountId !== 'string' || !ACCOUNT_ID.test(accountId)) {
    return ignore(
      'malformed fields',
      `${eventName}: recipientAccountId ${str(accountId)} is not an account id`,
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
  const room = matchArn(ROOM_ARN, written, where);
  if (room && kind !== 'logging' && kind !== 'logging-created') {
    return {
      change: { kind: 'room', ...where, roomArn: room, deleted: kind === 'room-deleted', eventName },
      ...eventId,
      ...when,
    };
  }
  const logging = matchArn(LOGGING_ARN, written, where);
  if (logging && (kind === 'logging' || kind === 'logging-created' || kind === 'tagged')) {
    return {
      change: { kind: 'logging', ...where, configurationArn: logging, eventName },
      ...eventId,
      ...when,
    };
  }
  return ignore(
    'malformed fields',
    `${eventName}: no ${kind.startsWith('logging') ? 'logging configuration' : 'room'} ARN of account ${accountId} in ${region} (got ${str(written)})`,
  );
}

/** The changes of one target (account × region) in a batch, coalesced. */
export interface TargetChanges {
  accountId: string;
  region: string;
  /** Rooms written (not deleted), in first-seen order: one GetRoom each however many events. */
  rooms: string[];
  /** Rooms deleted: their findings resolve without any call. A delete wins over any other write. */
  deleted: string[];
  /** Logging configurations written: the rooms referencing them are checked again. */
  loggingConfigurations: string[];
  /** The SQS messages that carried these changes (retried together when the target fails). */
  messageIds: string[];
  /** Events coalesced into this target. */
  events: number;
}

/** Groups changes by target and room: ten updates of a room are one room; a delete wins. */
export function coalesceChanges(changes: readonly { change: Change; messageId?: string }[]): TargetChanges[] {
  const targets = new Map<
    string,
    { t: TargetChanges; rooms: Map<string, boolean>; logging: Set<string>; ids: Set<string> }
  >();
  for (const { change, messageId } of changes) {
    const entry = getOrCreate(targets, `${change.accountId}/${change.region}`, () => ({
      t: {
        accountId: change.accountId,
        region: change.region,
        rooms: [],
        deleted: [],
        loggingConfigurations: [],
        messageIds: [],
        events: 0,
      },
      rooms: new Map<string, boolean>(),
      logging: new Set<string>(),
      ids: new Set<string>(),
    }));
    entry.t.events++;
    if (messageId) entry.ids.add(messageId);
    if (change.kind === 'room') {
      entry.rooms.set(change.roomArn, (entry.rooms.get(change.roomArn) ?? false) || change.deleted);
    } else {
      entry.logging.add(change.configurationArn);
    }
  }
  return [...targets.values()].map(({ t, rooms, logging, ids }) => ({
    ...t,
    rooms: [...rooms].filter(([, deleted]) => !deleted).map(([arn]) => arn),
    deleted: [...rooms].filter(([, deleted]) => deleted).map(([arn]) => arn),
    loggingConfigurations: [...logging],
    messageIds: [...ids],
  }));
}

/** The caller's role and the account it belongs to, for an assumed-role session. */
function callerRole(identity: unknown): { roleName: string; accountId: string } | undefined {
  if (!isObject(identity) || !isObject(identity.sessionContext)) return undefined;
  const issuer = identity.sessionContext.sessionIssuer;
  if (!isObject(issuer) || typeof issuer.userName !== 'string' || typeof issuer.accountId !== 'string') {
    return undefined;
  }
  return { roleName: issuer.userName, accountId: issuer.accountId };
}

function isOwnRole(
  caller: { roleName: string; accountId: string },
  recipientAccountId: unknown,
  options: ParseOptions,
): boolean {
  if (caller.accountId === options.selfAccountId && sameRole(options.functionRoleName, caller.roleName)) {
    return true;
  }
  return caller.accountId === recipientAccountId && sameRole(options.memberRoleName, caller.roleName);
}

/** CloudTrail names a role without its path; the setting may carry one ("auditing/ivschat-auditor-member"). */
function sameRole(own: string, caller: string): boolean {
  return own !== '' && (own === caller || own.split('/').pop() === caller);
}

/** The ARN when it is of this kind and of the event's own account and region. */
function matchArn(
  pattern: RegExp,
  value: unknown,
  where: { accountId: string; region: string },
): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = pattern.exec(value);
  return match && match[2] === where.region && match[3] === where.accountId ? value : undefined;
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
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
