/**
 * Amazon IVS Chat rooms (REST-JSON protocol), as the SDK sends them:
 * POST /CreateRoom /GetRoom /UpdateRoom /DeleteRoom /ListRooms, the five logging-configuration
 * operations (ivschat-logging.ts), POST|DELETE|GET /tags/{resourceArn}.
 * Each account × region keeps its own rooms and logging configurations.
 */
import { randomInt } from 'node:crypto';
import { isAttachedHandler } from '../lambda/core/room-facts.js';
import type { RoomDocument } from '../lambda/core/types.js';
import type { Faults } from './faults.js';
import { ACCOUNT_ID, DEFAULT_REGION, json, type LocalResponse } from './http.js';
import { LoggingConfigurations } from './ivschat-logging.js';
import {
  Checker,
  checkIdentifier,
  checkTags,
  type Input,
  LOGGING_ARN,
  MAX_LOGGING_CONFIGURATIONS_PER_ROOM,
  notFound,
  otherValidationError,
  parseInput,
  RESOURCE_ARN,
  ROOM_ARN,
  ServiceError,
} from './ivschat-shapes.js';

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
  'CreateLoggingConfiguration',
  'GetLoggingConfiguration',
  'ListLoggingConfigurations',
  'UpdateLoggingConfiguration',
  'DeleteLoggingConfiguration',
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

function checkRoomFields(c: Checker, input: Input): void {
  if (input.name !== undefined) c.string('name', input.name, { max: 128, pattern: ROOM_NAME });
  if (input.maximumMessageLength !== undefined)
    c.int('maximumMessageLength', input.maximumMessageLength, 1, 500);
  if (input.maximumMessageRatePerSecond !== undefined) {
    c.int('maximumMessageRatePerSecond', input.maximumMessageRatePerSecond, 1, 100);
  }
  const handler = input.messageReviewHandler;
  if (handler !== undefined && c.structure('messageReviewHandler', handler)) {
    if (handler.uri !== undefined) {
      c.string('messageReviewHandler.uri', handler.uri, { max: 170, pattern: LAMBDA_URI });
    }
    if (
      handler.fallbackResult !== undefined &&
      handler.fallbackResult !== 'ALLOW' &&
      handler.fallbackResult !== 'DENY'
    ) {
      c.fail(
        'messageReviewHandler.fallbackResult',
        handler.fallbackResult,
        'Member must satisfy enum value set: [ALLOW, DENY]',
      );
    }
  }
  const logging = input.loggingConfigurationIdentifiers;
  if (logging !== undefined) {
    if (!Array.isArray(logging)) c.fail('loggingConfigurationIdentifiers', logging, 'Member must be a list');
    else if (logging.length > MAX_LOGGING_CONFIGURATIONS_PER_ROOM) {
      c.fail(
        'loggingConfigurationIdentifiers',
        logging,
        `Member must have length less than or equal to ${MAX_LOGGING_CONFIGURATIONS_PER_ROOM}`,
      );
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

function normalizeHandler(handler: unknown): Room['messageReviewHandler'] {
  if (!handler || typeof handler !== 'object') return undefined;
  if (!isAttachedHandler(handler)) return undefined;
  const h = handler as { uri: string; fallbackResult?: string };
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
  readonly logging: LoggingConfigurations;

  constructor(private readonly faults: Faults) {
    this.logging = new LoggingConfigurations(() => this.now(), newRoomId);
  }

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

  /** Deletes every room, or only those of one region and/or account. */
  clear(region?: string, accountId?: string): void {
    for (const [key, rooms] of this.places) {
      const [roomsAccount, roomsRegion] = key.split('\u0000');
      if (
        (region === undefined || roomsRegion === region) &&
        (accountId === undefined || roomsAccount === accountId)
      ) {
        rooms.clear();
      }
    }
  }

  handle(req: IvschatRequest): LocalResponse {
    try {
      const input = parseInput(req.body);
      switch (req.operation) {
        case 'CreateRoom':
          return json(200, this.createRoom(req, input));
        case 'GetRoom':
          return json(
            200,
            toDocument(this.find(req, checkIdentifier('identifier', input.identifier, ROOM_ARN))),
          );
        case 'UpdateRoom':
          return json(200, this.updateRoom(req, input));
        case 'DeleteRoom': {
          const room = this.find(req, checkIdentifier('identifier', input.identifier, ROOM_ARN));
          this.store(req).delete(room.id);
          return { status: 204 };
        }
        case 'ListRooms':
          return json(200, this.listRooms(req, input));
        case 'ListTagsForResource':
          return json(200, { tags: { ...this.findResource(req, req.resourceArn).tags } });
        case 'TagResource':
          this.tagResource(req, req.resourceArn, input);
          return json(200, {});
        case 'UntagResource':
          this.untagResource(req, req.resourceArn, req.query.getAll('tagKeys'));
          return json(200, {});
        case 'CreateLoggingConfiguration':
          return json(200, this.logging.create(req, input));
        case 'GetLoggingConfiguration':
          return json(200, this.logging.get(req, input));
        case 'ListLoggingConfigurations':
          return json(200, this.logging.listPage(req, input));
        case 'UpdateLoggingConfiguration':
          return json(200, this.logging.update(req, input));
        case 'DeleteLoggingConfiguration':
          this.logging.delete(req, input);
          return { status: 204 };
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

  /** The room or logging configuration a tag operation names; both carry tags. */
  private findResource(place: Place, resourceArn: string | undefined): { tags: Record<string, string> } {
    const arn = checkIdentifier('resourceArn', resourceArn, RESOURCE_ARN);
    if (LOGGING_ARN.test(arn)) return this.logging.find(place, arn);
    return this.find(place, arn);
  }

  private createRoom(place: Place, input: Input): RoomDocument {
    const c = new Checker();
    checkRoomFields(c, input);
    if (input.tags !== undefined) checkTags(c, input.tags);
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
    // One checker for the identifier and every field: the answer lists all invalid fields together.
    const c = new Checker();
    if (c.required('identifier', input.identifier)) {
      c.string('identifier', input.identifier, { min: 1, max: 128, pattern: ROOM_ARN });
    }
    checkRoomFields(c, input);
    c.throwIfAny();
    const room = this.find(place, input.identifier as string);
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

  private tagResource(place: Place, resourceArn: string | undefined, input: Input): void {
    const c = new Checker();
    // `tags` is required, and the model's Tags map has no minimum: `{}` is a valid no-op.
    if (c.required('tags', input.tags)) checkTags(c, input.tags);
    c.throwIfAny();
    const resource = this.findResource(place, resourceArn);
    const merged = { ...resource.tags, ...(input.tags as Record<string, string>) };
    if (Object.keys(merged).length > 50) {
      throw otherValidationError('A resource can have at most 50 tags.');
    }
    resource.tags = merged;
  }

  private untagResource(place: Place, resourceArn: string | undefined, tagKeys: string[]): void {
    const c = new Checker();
    // An empty list never reaches the wire (no query parameter): to the service it is missing.
    if (tagKeys.length < 1) c.fail('tagKeys', null, 'Member must not be null');
    if (tagKeys.length > 50) c.fail('tagKeys', tagKeys, 'Member must have length less than or equal to 50');
    tagKeys.forEach((key, i) => {
      c.string(`tagKeys.${i + 1}.member`, key, { min: 1, max: 128 });
    });
    c.throwIfAny();
    const resource = this.findResource(place, resourceArn);
    for (const key of tagKeys) delete resource.tags[key];
  }
}
