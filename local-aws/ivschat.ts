/**
 * Amazon IVS Chat rooms (REST-JSON protocol), as the SDK sends them:
 * POST /CreateRoom /GetRoom /UpdateRoom /DeleteRoom /ListRooms,
 * POST|DELETE|GET /tags/{resourceArn}. Each account × region keeps its own rooms.
 */
import { randomInt } from 'node:crypto';
import type { RoomDocument } from '../lambda/core/types.js';
import type { Faults } from './faults.js';
import { ACCOUNT_ID, DEFAULT_REGION, json, type LocalResponse } from './http.js';

/**
 * A room to seed: RoomDocument-like; `arn`/`id` optional (generated), `region` defaults to us-east-1,
 * `accountId` to the default account (an `arn` wins over both).
 */
export interface SeedRoom extends Partial<RoomDocument> {
  region?: string;
  accountId?: string;
}

interface Room {
  accountId: string;
  region: string;
  arn: string;
  id: string;
  name: string;
  createTime: string;
  updateTime: string;
  maximumMessageLength: number;
  maximumMessageRatePerSecond: number;
  messageReviewHandler?: { uri: string; fallbackResult: string };
  loggingConfigurationIdentifiers: string[];
  tags: Record<string, string>;
}

export const IVSCHAT_OPERATIONS = [
  'CreateRoom',
  'GetRoom',
  'UpdateRoom',
  'DeleteRoom',
  'ListRooms',
  'TagResource',
  'UntagResource',
  'ListTagsForResource',
] as const;
export type IvschatOperation = (typeof IVSCHAT_OPERATIONS)[number];

export interface IvschatRoute {
  operation: IvschatOperation;
  resourceArn?: string;
}

export interface IvschatRequest extends IvschatRoute {
  accountId: string;
  region: string;
  body: string;
  query: URLSearchParams;
}

const ROOM_ARN = /^arn:aws:ivschat:([a-z0-9-]+):([0-9]+):room\/([a-zA-Z0-9]+)$/;
const RESOURCE_ARN = /^arn:aws:ivschat:[a-z0-9-]+:[0-9]+:[a-z-]+\/[a-zA-Z0-9-]+$/;
const LOGGING_ARN = /^arn:aws:ivschat:[a-z0-9-]+:[0-9]+:logging-configuration\/[a-zA-Z0-9]+$/;
const LAMBDA_URI = /^$|^arn:aws:lambda:[a-z0-9-]+:[0-9]{12}:function:.+/;
const ROOM_NAME = /^[a-zA-Z0-9-_]*$/;
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export function newRoomId(): string {
  let id = '';
  for (let i = 0; i < 12; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return id;
}

export function roomArn(region: string, id: string, accountId = ACCOUNT_ID): string {
  return `arn:aws:ivschat:${region}:${accountId}:room/${id}`;
}

/** Maps a request path + method to an operation; undefined when it is not an IVS Chat path. */
export function routeIvschat(method: string, pathname: string): IvschatRoute | undefined {
  const tags = /^\/tags\/(.+)$/.exec(pathname);
  if (tags?.[1]) {
    const resourceArn = decodeURIComponent(tags[1]);
    if (method === 'GET') return { operation: 'ListTagsForResource', resourceArn };
    if (method === 'POST') return { operation: 'TagResource', resourceArn };
    if (method === 'DELETE') return { operation: 'UntagResource', resourceArn };
    return undefined;
  }
  const op = pathname.replace(/^\/+|\/+$/g, '');
  if (method === 'POST' && (IVSCHAT_OPERATIONS as readonly string[]).includes(op) && !op.includes('Tag')) {
    return { operation: op as IvschatOperation };
  }
  return undefined;
}

/** An error exactly as IVS Chat sends it: status, `x-amzn-ErrorType`, JSON body. */
export function ivschatError(status: number, type: string, body: Record<string, unknown>): LocalResponse {
  return json(status, body, { 'x-amzn-errortype': type });
}

class ServiceError extends Error {
  constructor(readonly response: LocalResponse) {
    super(String(response.status));
  }
}

interface FieldError {
  name: string;
  message: string;
}

function validationError(fields: FieldError[]): ServiceError {
  const message =
    fields.length === 1 && fields[0]
      ? `1 validation error detected: ${fields[0].message}`
      : `${fields.length} validation errors detected: ${fields.map((f) => f.message).join('; ')}`;
  return new ServiceError(
    ivschatError(400, 'ValidationException', {
      message,
      reason: 'FIELD_VALIDATION_FAILED',
      fieldList: fields,
    }),
  );
}

function otherValidationError(message: string): ServiceError {
  return new ServiceError(ivschatError(400, 'ValidationException', { message, reason: 'OTHER' }));
}

function notFound(resourceId: string, resourceType = 'ROOM'): ServiceError {
  return new ServiceError(
    ivschatError(404, 'ResourceNotFoundException', {
      message: `Resource not found: ${resourceId}`,
      resourceId,
      resourceType,
    }),
  );
}

/** Collects field errors with the wording of the real service. */
class Checker {
  readonly errors: FieldError[] = [];
  fail(name: string, value: unknown, constraint: string): void {
    const shown = typeof value === 'string' ? value : JSON.stringify(value);
    this.errors.push({
      name,
      message: `Value '${shown}' at '${name}' failed to satisfy constraint: ${constraint}`,
    });
  }
  string(
    name: string,
    value: unknown,
    opts: { min?: number; max?: number; pattern?: RegExp },
  ): value is string {
    if (typeof value !== 'string') {
      this.fail(name, value, 'Member must be a string');
      return false;
    }
    if (opts.min !== undefined && value.length < opts.min) {
      this.fail(name, value, `Member must have length greater than or equal to ${opts.min}`);
    } else if (opts.max !== undefined && value.length > opts.max) {
      this.fail(name, value, `Member must have length less than or equal to ${opts.max}`);
    } else if (opts.pattern && !opts.pattern.test(value)) {
      this.fail(name, value, `Member must satisfy regular expression pattern: ${opts.pattern.source}`);
    } else {
      return true;
    }
    return false;
  }
  int(name: string, value: unknown, min: number, max: number): void {
    if (typeof value !== 'number' || !Number.isInteger(value))
      this.fail(name, value, 'Member must be an integer');
    else if (value < min) this.fail(name, value, `Member must have value greater than or equal to ${min}`);
    else if (value > max) this.fail(name, value, `Member must have value less than or equal to ${max}`);
  }
  throwIfAny(): void {
    if (this.errors.length > 0) throw validationError(this.errors);
  }
}

type Input = Record<string, unknown>;

function checkRoomFields(c: Checker, input: Input): void {
  if (input.name !== undefined) c.string('name', input.name, { max: 128, pattern: ROOM_NAME });
  if (input.maximumMessageLength !== undefined)
    c.int('maximumMessageLength', input.maximumMessageLength, 1, 500);
  if (input.maximumMessageRatePerSecond !== undefined) {
    c.int('maximumMessageRatePerSecond', input.maximumMessageRatePerSecond, 1, 100);
  }
  const handler = input.messageReviewHandler;
  if (handler !== undefined) {
    if (typeof handler !== 'object' || handler === null || Array.isArray(handler)) {
      c.fail('messageReviewHandler', handler, 'Member must be a structure');
    } else {
      const h = handler as Input;
      if (h.uri !== undefined) c.string('messageReviewHandler.uri', h.uri, { max: 170, pattern: LAMBDA_URI });
      if (h.fallbackResult !== undefined && h.fallbackResult !== 'ALLOW' && h.fallbackResult !== 'DENY') {
        c.fail(
          'messageReviewHandler.fallbackResult',
          h.fallbackResult,
          'Member must satisfy enum value set: [ALLOW, DENY]',
        );
      }
    }
  }
  const logging = input.loggingConfigurationIdentifiers;
  if (logging !== undefined) {
    if (!Array.isArray(logging)) c.fail('loggingConfigurationIdentifiers', logging, 'Member must be a list');
    else if (logging.length > 50) {
      c.fail('loggingConfigurationIdentifiers', logging, 'Member must have length less than or equal to 50');
    } else {
      logging.forEach((id, i) => {
        c.string(`loggingConfigurationIdentifiers.${i + 1}.member`, id, {
          min: 1,
          max: 128,
          pattern: LOGGING_ARN,
        });
      });
    }
  }
}

function checkTags(c: Checker, tags: unknown, required: boolean): void {
  if (tags === undefined) {
    if (required) c.fail('tags', null, 'Member must not be null');
    return;
  }
  if (typeof tags !== 'object' || tags === null || Array.isArray(tags)) {
    c.fail('tags', tags, 'Member must be a map');
    return;
  }
  const entries = Object.entries(tags);
  if (entries.length > 50) c.fail('tags', tags, 'Member must have length less than or equal to 50');
  if (required && entries.length < 1)
    c.fail('tags', tags, 'Member must have length greater than or equal to 1');
  for (const [key, value] of entries) {
    c.string('tags.key', key, { min: 1, max: 128 });
    c.string('tags.value', value, { max: 256 });
  }
}

function checkIdentifier(name: string, value: unknown): string {
  const c = new Checker();
  if (value === undefined) c.fail(name, null, 'Member must not be null');
  else c.string(name, value, { min: 1, max: 128, pattern: ROOM_ARN });
  c.throwIfAny();
  return value as string;
}

function normalizeHandler(handler: unknown): Room['messageReviewHandler'] {
  if (!handler || typeof handler !== 'object') return undefined;
  const h = handler as { uri?: string; fallbackResult?: string };
  if (!h.uri) return undefined;
  return { uri: h.uri, fallbackResult: h.fallbackResult ?? 'ALLOW' };
}

function toDocument(room: Room): RoomDocument {
  const doc: RoomDocument = {
    arn: room.arn,
    id: room.id,
    name: room.name,
    createTime: room.createTime,
    updateTime: room.updateTime,
    maximumMessageLength: room.maximumMessageLength,
    maximumMessageRatePerSecond: room.maximumMessageRatePerSecond,
  };
  if (room.messageReviewHandler) doc.messageReviewHandler = { ...room.messageReviewHandler };
  doc.tags = { ...room.tags };
  doc.loggingConfigurationIdentifiers = [...room.loggingConfigurationIdentifiers];
  return doc;
}

/** ListRooms summaries carry neither maximumMessageLength nor maximumMessageRatePerSecond. */
function toSummary(room: Room): Record<string, unknown> {
  const { maximumMessageLength: _len, maximumMessageRatePerSecond: _rate, ...summary } = toDocument(room);
  return summary;
}

/** updateTime descending, then id ascending (stable paging). */
function compareRooms(a: Room, b: Room): number {
  if (a.updateTime !== b.updateTime) return a.updateTime < b.updateTime ? 1 : -1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function encodeToken(room: Room): string {
  return Buffer.from(JSON.stringify({ u: room.updateTime, i: room.id })).toString('base64url');
}

function decodeToken(token: string): { u: string; i: string } {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      u?: unknown;
      i?: unknown;
    };
    if (typeof parsed.u === 'string' && typeof parsed.i === 'string') return { u: parsed.u, i: parsed.i };
  } catch {
    // fall through
  }
  throw otherValidationError('The nextToken is invalid.');
}

/** Where a room lives: rooms of different accounts never see each other. */
interface Place {
  accountId: string;
  region: string;
}

function placeKey({ accountId, region }: Place): string {
  return `${accountId}\u0000${region}`;
}

export class IvschatService {
  private places = new Map<string, Map<string, Room>>();
  private lastTime = 0;

  constructor(private readonly faults: Faults) {}

  /** ISO time, strictly increasing across calls (so updateTime order is total). */
  private now(): string {
    const t = Math.max(Date.now(), this.lastTime + 1);
    this.lastTime = t;
    return new Date(t).toISOString();
  }

  private store(place: Place): Map<string, Room> {
    const key = placeKey(place);
    let rooms = this.places.get(key);
    if (!rooms) {
      rooms = new Map();
      this.places.set(key, rooms);
    }
    return rooms;
  }

  /** Adds rooms directly (no HTTP, no validation, no quotas). Returns the stored documents. */
  seed(defaultRegion: string | undefined, rooms: SeedRoom[]): RoomDocument[] {
    // Build every room before storing any, so one bad seed leaves nothing half-seeded.
    const built = rooms.map((seed) => {
      const fromArn = seed.arn ? ROOM_ARN.exec(seed.arn) : null;
      if (seed.arn && !fromArn) throw new Error(`seed room has an invalid arn: ${seed.arn}`);
      if (seed.accountId !== undefined && !/^\d{12}$/.test(seed.accountId)) {
        throw new Error(`seed room has an invalid accountId (12 digits expected): ${seed.accountId}`);
      }
      const region = fromArn?.[1] ?? seed.region ?? defaultRegion ?? DEFAULT_REGION;
      const accountId = fromArn?.[2] ?? seed.accountId ?? ACCOUNT_ID;
      const id = fromArn?.[3] ?? seed.id ?? newRoomId();
      const now = this.now();
      const createTime = seed.createTime ? new Date(seed.createTime).toISOString() : now;
      const room: Room = {
        accountId,
        region,
        arn: seed.arn ?? roomArn(region, id, accountId),
        id,
        name: seed.name ?? '',
        createTime,
        updateTime: seed.updateTime ? new Date(seed.updateTime).toISOString() : createTime,
        maximumMessageLength: seed.maximumMessageLength ?? 500,
        maximumMessageRatePerSecond: seed.maximumMessageRatePerSecond ?? 10,
        loggingConfigurationIdentifiers: [...(seed.loggingConfigurationIdentifiers ?? [])],
        tags: { ...(seed.tags ?? {}) },
      };
      const handler = normalizeHandler(seed.messageReviewHandler);
      if (handler) room.messageReviewHandler = handler;
      return room;
    });
    for (const room of built) this.store(room).set(room.id, room);
    return built.map(toDocument);
  }

  /**
   * Every room (optionally of one region and/or account), as GetRoom would answer plus where it
   * lives, sorted by updateTime descending.
   */
  rooms(region?: string, accountId?: string): (RoomDocument & { region: string; accountId: string })[] {
    const all = [...this.places.values()]
      .flatMap((m) => [...m.values()])
      .filter(
        (r) =>
          (region === undefined || r.region === region) &&
          (accountId === undefined || r.accountId === accountId),
      );
    return all
      .sort(compareRooms)
      .map((room) => ({ ...toDocument(room), region: room.region, accountId: room.accountId }));
  }

  /** Deletes a room behind the API's back (e.g. "deleted between List and Get"). */
  removeRoom(arn: string): boolean {
    const m = ROOM_ARN.exec(arn);
    if (!m?.[1] || !m[2] || !m[3]) return false;
    return this.places.get(placeKey({ accountId: m[2], region: m[1] }))?.delete(m[3]) ?? false;
  }

  clear(): void {
    this.places.clear();
  }

  handle(req: IvschatRequest): LocalResponse {
    try {
      let input: Input = {};
      if (req.body.trim() !== '') {
        try {
          const parsed: unknown = JSON.parse(req.body);
          if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) input = parsed as Input;
        } catch {
          throw otherValidationError('Could not parse request body into json');
        }
      }
      switch (req.operation) {
        case 'CreateRoom':
          return json(200, this.createRoom(req, input));
        case 'GetRoom':
          return json(200, toDocument(this.find(req, checkIdentifier('identifier', input.identifier))));
        case 'UpdateRoom':
          return json(200, this.updateRoom(req, input));
        case 'DeleteRoom': {
          const room = this.find(req, checkIdentifier('identifier', input.identifier));
          this.store(req).delete(room.id);
          return { status: 204 };
        }
        case 'ListRooms':
          return json(200, this.listRooms(req, input));
        case 'ListTagsForResource':
          return json(200, { tags: { ...this.findResource(req, req.resourceArn).tags } });
        case 'TagResource':
          this.tagResource(req, req.resourceArn, input.tags);
          return json(200, {});
        case 'UntagResource':
          this.untagResource(req, req.resourceArn, req.query.getAll('tagKeys'));
          return json(200, {});
      }
    } catch (err) {
      if (err instanceof ServiceError) return err.response;
      throw err;
    }
  }

  private find(place: Place, identifier: string): Room {
    const m = ROOM_ARN.exec(identifier);
    const room =
      m?.[1] === place.region && m[2] === place.accountId && m[3] ? this.store(place).get(m[3]) : undefined;
    if (!room || this.faults.isVanishing(room)) throw notFound(identifier);
    return room;
  }

  private findResource(place: Place, resourceArn: string | undefined): Room {
    const c = new Checker();
    c.string('resourceArn', resourceArn, { min: 1, max: 128, pattern: RESOURCE_ARN });
    c.throwIfAny();
    const arn = resourceArn as string;
    if (!ROOM_ARN.test(arn)) throw notFound(arn, 'LOGGING_CONFIGURATION');
    return this.find(place, arn);
  }

  private createRoom(place: Place, input: Input): RoomDocument {
    const c = new Checker();
    checkRoomFields(c, input);
    checkTags(c, input.tags, false);
    c.throwIfAny();
    const id = newRoomId();
    const now = this.now();
    const room: Room = {
      accountId: place.accountId,
      region: place.region,
      arn: roomArn(place.region, id, place.accountId),
      id,
      name: (input.name as string | undefined) ?? '',
      createTime: now,
      updateTime: now,
      maximumMessageLength: (input.maximumMessageLength as number | undefined) ?? 500,
      maximumMessageRatePerSecond: (input.maximumMessageRatePerSecond as number | undefined) ?? 10,
      loggingConfigurationIdentifiers: [
        ...((input.loggingConfigurationIdentifiers as string[] | undefined) ?? []),
      ],
      tags: { ...((input.tags as Record<string, string> | undefined) ?? {}) },
    };
    const handler = normalizeHandler(input.messageReviewHandler);
    if (handler) room.messageReviewHandler = handler;
    this.store(place).set(id, room);
    return toDocument(room);
  }

  private updateRoom(place: Place, input: Input): RoomDocument {
    const identifier = checkIdentifier('identifier', input.identifier);
    const c = new Checker();
    checkRoomFields(c, input);
    c.throwIfAny();
    const room = this.find(place, identifier);
    if (input.name !== undefined) room.name = input.name as string;
    if (input.maximumMessageLength !== undefined)
      room.maximumMessageLength = input.maximumMessageLength as number;
    if (input.maximumMessageRatePerSecond !== undefined) {
      room.maximumMessageRatePerSecond = input.maximumMessageRatePerSecond as number;
    }
    if (input.messageReviewHandler !== undefined) {
      const handler = normalizeHandler(input.messageReviewHandler);
      if (handler) room.messageReviewHandler = handler;
      else delete room.messageReviewHandler;
    }
    if (input.loggingConfigurationIdentifiers !== undefined) {
      room.loggingConfigurationIdentifiers = [...(input.loggingConfigurationIdentifiers as string[])];
    }
    room.updateTime = this.now();
    return toDocument(room);
  }

  private listRooms(place: Place, input: Input): { rooms: Record<string, unknown>[]; nextToken?: string } {
    const c = new Checker();
    if (input.maxResults !== undefined) c.int('maxResults', input.maxResults, 1, 50);
    if (input.name !== undefined) c.string('name', input.name, { max: 128, pattern: ROOM_NAME });
    if (input.messageReviewHandlerUri !== undefined) {
      c.string('messageReviewHandlerUri', input.messageReviewHandlerUri, { max: 170, pattern: LAMBDA_URI });
    }
    if (input.loggingConfigurationIdentifier !== undefined) {
      c.string('loggingConfigurationIdentifier', input.loggingConfigurationIdentifier, {
        min: 1,
        max: 128,
        pattern: LOGGING_ARN,
      });
    }
    if (input.nextToken !== undefined) c.string('nextToken', input.nextToken, { max: 1024 });
    c.throwIfAny();

    const maxResults = (input.maxResults as number | undefined) ?? 50;
    let rooms = [...this.store(place).values()].filter(
      (r) =>
        (input.name === undefined || r.name === input.name) &&
        (input.messageReviewHandlerUri === undefined ||
          r.messageReviewHandler?.uri === input.messageReviewHandlerUri) &&
        (input.loggingConfigurationIdentifier === undefined ||
          r.loggingConfigurationIdentifiers.includes(input.loggingConfigurationIdentifier as string)),
    );
    rooms.sort(compareRooms);
    if (typeof input.nextToken === 'string' && input.nextToken !== '') {
      const after = decodeToken(input.nextToken);
      rooms = rooms.filter((r) => r.updateTime < after.u || (r.updateTime === after.u && r.id > after.i));
    }
    const page = rooms.slice(0, maxResults);
    const result: { rooms: Record<string, unknown>[]; nextToken?: string } = { rooms: page.map(toSummary) };
    const last = page[page.length - 1];
    if (rooms.length > maxResults && last) result.nextToken = encodeToken(last);
    for (const room of page) {
      if (this.faults.deleteAfterListing(room)) this.store(place).delete(room.id);
    }
    return result;
  }

  private tagResource(place: Place, resourceArn: string | undefined, tags: unknown): void {
    const c = new Checker();
    checkTags(c, tags, true);
    c.throwIfAny();
    const room = this.findResource(place, resourceArn);
    const merged = { ...room.tags, ...(tags as Record<string, string>) };
    if (Object.keys(merged).length > 50) {
      throw otherValidationError('A resource can have at most 50 tags.');
    }
    room.tags = merged;
  }

  private untagResource(place: Place, resourceArn: string | undefined, tagKeys: string[]): void {
    const c = new Checker();
    if (tagKeys.length < 1) c.fail('tagKeys', null, 'Member must have length greater than or equal to 1');
    if (tagKeys.length > 50) c.fail('tagKeys', tagKeys, 'Member must have length less than or equal to 50');
    c.throwIfAny();
    const room = this.findResource(place, resourceArn);
    for (const key of tagKeys) delete room.tags[key];
  }
}
