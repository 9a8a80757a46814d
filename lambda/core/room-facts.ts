/**
 * The facts added to a room document beyond GetRoom's answer: the joined logging configurations and
 * the facts derived from the document itself (core/room-fields.ts lists which field is which; their
 * shapes are in core/types.ts with RoomDocument).
 */

import { parseRoomArn } from './arn.js';
import { JOINED_FIELDS } from './room-fields.js';
import type { LoggingConfigurationFact, RoomDocument } from './types.js';

export const NOT_FOUND = 'NOT_FOUND';

/**
 * The room with `loggingConfigurations` joined from its target's configurations, one entry per
 * identifier in the room's order. A new object: the document passed in (the one the room cache
 * keeps) is left as it was, so joined facts are never cached and are joined afresh every run.
 */
export function joinLoggingConfigurations(
  room: RoomDocument,
  configurations: ReadonlyMap<string, LoggingConfigurationFact>,
): RoomDocument {
  const ids = Array.isArray(room.loggingConfigurationIdentifiers) ? room.loggingConfigurationIdentifiers : [];
  const loggingConfigurations = ids.map(
    (arn) => configurations.get(arn) ?? { arn: String(arn), state: NOT_FOUND },
  );
  return { ...room, loggingConfigurations };
}

/** The joined fields `room` lacks: policies reading them cannot be evaluated on it. */
export function missingJoinedFacts(room: RoomDocument): string[] {
  return JOINED_FIELDS.filter((field) => !Object.hasOwn(room, field));
}

/**
 * Whether a review handler value attaches a handler, as the IVS Chat API reads it: a handler whose
 * `uri` is empty (or missing) is none — UpdateRoom's own way to remove one ("Specify an empty uri
 * string to disassociate a message review handler from the specified room"), and GetRoom then
 * returns no handler. The one rule for the SDK documents, saved files, policy examples and the emulator.
 * A value that is no object at all counts as attached: it stays for the policies to report.
 */
export function isAttachedHandler(handler: unknown): boolean {
  if (handler === undefined || handler === null) return false;
  if (typeof handler !== 'object') return true;
  const uri = (handler as { uri?: unknown }).uri;
  return uri !== undefined && uri !== null && uri !== '';
}

/**
 * The room as AWS holds it: a review handler with an empty uri is no handler, so the document has
 * none (the same object when there is nothing to drop).
 */
export function withAwsHandler<T extends RoomDocument>(room: T): T {
  if (room === null || typeof room !== 'object' || !Object.hasOwn(room, 'messageReviewHandler')) return room;
  if (isAttachedHandler(room.messageReviewHandler)) return room;
  const { messageReviewHandler: _detached, ...rest } = room;
  return rest as T;
}

const LAMBDA_ARN = /^arn:[a-z-]+:lambda:([a-z0-9-]+):(\d{12}):function:[^:]+(?::[^:]+)?$/;

/**
 * The room with its derived facts: `accountId` and `region` from the room ARN (else `fallback`, for
 * hand-written rooms whose ARN is not a real one), and `messageReviewHandler.functionAccountId` /
 * `functionRegion` from a handler URI that is a Lambda function ARN. Derived from the document itself,
 * so a value written into the document cannot disagree with its ARN. A new object when anything is set.
 * A detached review handler (empty uri) is dropped here, the one place every evaluated document (the
 * Evaluator's, a policy example's) passes: input files need not do it themselves.
 */
export function withDerivedFacts(
  room: RoomDocument,
  fallback: { accountId?: string; region?: string } = {},
): RoomDocument {
  if (room === null || typeof room !== 'object') return room;
  room = withAwsHandler(room);
  const parts = parseRoomArn(room.arn);
  const accountId = parts?.accountId || fallback.accountId;
  const region = parts?.region || fallback.region;
  const out: RoomDocument = { ...room };
  if (accountId) out.accountId = accountId;
  if (region) out.region = region;
  const handler = room.messageReviewHandler;
  if (handler !== null && typeof handler === 'object' && typeof handler.uri === 'string') {
    const match = LAMBDA_ARN.exec(handler.uri);
    const derived: Record<string, unknown> = { ...handler };
    delete derived.functionAccountId;
    delete derived.functionRegion;
    if (match) {
      derived.functionRegion = match[1];
      derived.functionAccountId = match[2];
    }
    out.messageReviewHandler = derived;
  }
  return out;
}
