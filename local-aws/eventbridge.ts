/**
 * Amazon EventBridge `PutEvents` (JSON 1.1: `X-Amz-Target: AWSEvents.PutEvents`) with the model's
 * limits: 1–10 entries per call, the entries' total size under 1 MB ("the total entry size must be
 * less than 1MB"), sized as EventBridge sizes an entry (Time 14 bytes when given, plus the UTF-8 bytes
 * of Source, DetailType, Detail and each Resource). A bus name outside the model's pattern fails the
 * whole request (ValidationException), as a modelled constraint does. An entry without Source,
 * DetailType or Detail, with a DetailType over 128 characters, or whose Detail is not a JSON object,
 * fails on its own and the others are accepted. When *none* of the entries has all of Source,
 * DetailType and Detail, the whole request fails, as the model's documentation of those members says
 * ("EventBridge fails the entire request"); the model names no error for it, so it is the common
 * ValidationException (400). A malformed Detail is outside that sentence and stays a per-entry
 * failure. Accepted events are kept so tests can read what arrived.
 */
import { randomUUID } from 'node:crypto';
import { json, type LocalResponse } from './http.js';

export const EVENTS_TARGET_PREFIX = 'AWSEvents.';
export const EVENTS_MAX_ENTRIES = 10;
/** The model's PutEvents documentation: "the total entry size must be less than 1MB". */
export const EVENTS_MAX_REQUEST_BYTES = 1024 * 1024;
/** PutEventsRequestEntry.DetailType: "a maximum of 128 characters". */
export const EVENTS_MAX_DETAIL_TYPE = 128;
/** The model's NonPartnerEventBusNameOrArn pattern (1–1600 characters), matched whole. */
const EVENT_BUS_NAME = /^(arn:aws[\w-]*:events:[a-z]+-[a-z]+-[\w-]+:[0-9]{12}:event-bus\/)?[.\-_A-Za-z0-9]+$/;
const CONTENT_TYPE = { 'content-type': 'application/x-amz-json-1.1' };

export interface PutEvent {
  id: string;
  region: string;
  accountId: string;
  eventBusName: string;
  source: string;
  detailType: string;
  resources: string[];
  /** Detail, parsed. */
  detail: Record<string, unknown>;
  time: string;
}

export function eventsError(status: number, type: string, message: string): LocalResponse {
  return json(status, { __type: type, message }, { ...CONTENT_TYPE, 'x-amzn-errortype': type });
}

interface Entry {
  Time?: unknown;
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  Resources?: unknown;
  EventBusName?: unknown;
}

/** An entry's size as EventBridge counts it against the request's size limit. */
export function entrySize(entry: Entry): number {
  let size = entry.Time !== undefined ? 14 : 0;
  for (const field of [entry.Source, entry.DetailType, entry.Detail]) {
    if (typeof field === 'string') size += Buffer.byteLength(field);
  }
  if (Array.isArray(entry.Resources)) {
    for (const r of entry.Resources) if (typeof r === 'string') size += Buffer.byteLength(r);
  }
  return size;
}

export class EventBridgeService {
  private readonly events: PutEvent[] = [];

  handle(input: {
    operation: string | undefined;
    accountId: string;
    region: string;
    body: string;
    failEntry: () => boolean;
  }): LocalResponse {
    if (input.operation !== 'PutEvents') {
      return eventsError(400, 'UnknownOperationException', `Unknown operation ${input.operation ?? ''}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(input.body);
    } catch {
      return eventsError(400, 'SerializationException', 'Request body is not valid JSON');
    }
    const entries = (parsed as { Entries?: unknown } | null)?.Entries;
    if (!Array.isArray(entries) || entries.length < 1 || entries.length > EVENTS_MAX_ENTRIES) {
      return eventsError(
        400,
        'ValidationException',
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${EVENTS_MAX_ENTRIES}`,
      );
    }
    const total = entries.reduce((n: number, e: Entry) => n + entrySize(e ?? {}), 0);
    if (total >= EVENTS_MAX_REQUEST_BYTES) {
      return eventsError(
        400,
        'ValidationException',
        `Total size of the entries in the request must be less than ${EVENTS_MAX_REQUEST_BYTES} bytes (it is ${total})`,
      );
    }
    const busProblem = eventBusProblem(entries as Entry[]);
    if (busProblem) return eventsError(400, 'ValidationException', busProblem);
    if (!(entries as Entry[]).some((e) => missingField(e ?? {}) === undefined)) {
      return eventsError(
        400,
        'ValidationException',
        'None of the entries has each of Source, DetailType and Detail: the request is refused.',
      );
    }
    let failed = 0;
    const results = (entries as Entry[]).map((raw) => {
      const entry = raw ?? {};
      const problem = invalid(entry) ?? (input.failEntry() ? injected : undefined);
      if (problem) {
        failed++;
        return { ErrorCode: problem.code, ErrorMessage: problem.message };
      }
      const id = randomUUID();
      this.events.push({
        id,
        region: input.region,
        accountId: input.accountId,
        eventBusName: typeof entry.EventBusName === 'string' ? entry.EventBusName : 'default',
        source: entry.Source as string,
        detailType: entry.DetailType as string,
        resources: Array.isArray(entry.Resources) ? entry.Resources.map(String) : [],
        detail: JSON.parse(entry.Detail as string) as Record<string, unknown>,
        time:
          typeof entry.Time === 'number'
            ? new Date(entry.Time * 1000).toISOString()
            : new Date().toISOString(),
      });
      return { EventId: id };
    });
    return json(200, { FailedEntryCount: failed, Entries: results }, CONTENT_TYPE);
  }

  /** What arrived, optionally of one region and/or account, oldest first. */
  list(region?: string, accountId?: string): PutEvent[] {
    return this.events
      .filter((e) => (!region || e.region === region) && (!accountId || e.accountId === accountId))
      .map((e) => structuredClone(e));
  }

  clear(): void {
    this.events.length = 0;
  }
}

/** A bus name the model's constraints refuse, worded as AWS words a modelled constraint; 1-based index. */
function eventBusProblem(entries: Entry[]): string | undefined {
  for (const [i, entry] of entries.entries()) {
    const name = entry?.EventBusName;
    if (name === undefined) continue;
    const at = `Value '${String(name)}' at 'entries.${i + 1}.member.eventBusName' failed to satisfy constraint:`;
    if (typeof name !== 'string' || name.length < 1 || name.length > 1600)
      return `1 validation error detected: ${at} Member must have length between 1 and 1600`;
    if (!EVENT_BUS_NAME.test(name))
      return `1 validation error detected: ${at} Member must satisfy regular expression pattern: ${EVENT_BUS_NAME.source.slice(1, -1)}`;
  }
  return undefined;
}

/** The first of the three members every event needs that the entry lacks (or has empty). */
function missingField(entry: Entry): 'Source' | 'DetailType' | 'Detail' | undefined {
  return (['Source', 'DetailType', 'Detail'] as const).find(
    (field) => typeof entry[field] !== 'string' || entry[field] === '',
  );
}

function invalid(entry: Entry): { code: string; message: string } | undefined {
  const field = missingField(entry);
  if (field) {
    return {
      code: 'InvalidArgument',
      message: `Parameter ${field} is not valid. Reason: ${field} is a required argument.`,
    };
  }
  const detailType = [...(entry.DetailType as string)].length;
  if (detailType > EVENTS_MAX_DETAIL_TYPE) {
    return {
      code: 'InvalidArgument',
      message: `Parameter DetailType is not valid. Reason: DetailType is ${detailType} characters long; at most ${EVENTS_MAX_DETAIL_TYPE} are allowed.`,
    };
  }
  try {
    const detail = JSON.parse(entry.Detail as string) as unknown;
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail))
      throw new Error('not an object');
  } catch {
    return { code: 'MalformedDetail', message: 'Detail is malformed.' };
  }
  return undefined;
}

const injected = { code: 'InternalFailure', message: 'Internal failure (injected by local-aws)' };
