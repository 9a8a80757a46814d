import { isAttachedHandler } from './room-facts.js';
import type { RoomDocument } from './types.js';

/**
 * The room fields a policy's `fix.set` may name: UpdateRoom's own fields, and the review handler's
 * fields one by one, so a fix can change one of them and keep the other.
 */
export const FIX_FIELDS = [
  'name',
  'maximumMessageLength',
  'maximumMessageRatePerSecond',
  'messageReviewHandler.uri',
  'messageReviewHandler.fallbackResult',
  'loggingConfigurationIdentifiers',
] as const;
export type FixField = (typeof FIX_FIELDS)[number];

/** Field → value; null (or undefined) means the field is absent, e.g. no review handler. */
export type FieldValues = Readonly<Partial<Record<FixField, unknown>>>;

const HANDLER = 'messageReviewHandler.';

export function isFixField(name: string): name is FixField {
  return (FIX_FIELDS as readonly string[]).includes(name);
}

/** The value of one fix field in a room document; null when absent (so it survives JSON). */
export function fieldValue(room: RoomDocument, field: FixField): unknown {
  if (field.startsWith(HANDLER)) {
    const handler = room.messageReviewHandler as Record<string, unknown> | undefined;
    return handler?.[field.slice(HANDLER.length)] ?? null;
  }
  return room[field] ?? null;
}

/** The current values of `fields` in a room, as a change records them before it writes. */
export function fieldValues(
  room: RoomDocument,
  fields: Iterable<string>,
): Partial<Record<FixField, unknown>> {
  const values: Partial<Record<FixField, unknown>> = {};
  for (const field of fields) if (isFixField(field)) values[field] = fieldValue(room, field);
  return values;
}

/** Whether the room holds exactly these values (deep, so arrays compare by content). */
export function holdsValues(room: RoomDocument, values: FieldValues): boolean {
  return Object.entries(values).every(
    ([field, value]) => isFixField(field) && sameValue(fieldValue(room, field), value),
  );
}

export function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/**
 * The room document after UpdateRoom set `values`, as GetRoom would then answer: the handler's other
 * field is kept, and a handler left without a uri is no handler at all (that is how the API removes one).
 */
export function withValues(room: RoomDocument, values: FieldValues): RoomDocument {
  const after: RoomDocument = structuredClone(room);
  const input = updateRoomFields(room, values);
  for (const [key, value] of Object.entries(input)) {
    if (key === 'messageReviewHandler') {
      const handler = value as { uri?: string; fallbackResult?: string };
      if (isAttachedHandler(handler))
        after.messageReviewHandler = { ...handler, fallbackResult: handler.fallbackResult ?? 'ALLOW' };
      else delete after.messageReviewHandler;
    } else {
      after[key] = structuredClone(value);
    }
  }
  return after;
}

/**
 * The values a fix's `set` leaves on `room`, field by field as a planned change's `after` records
 * them (a detached review handler's uri reads back null, not "").
 */
export function fixedValues(room: RoomDocument, set: FieldValues): Partial<Record<FixField, unknown>> {
  return fieldValues(withValues(room, set), Object.keys(set));
}

/** Whether two field → value maps name the same fields with the same values. */
export function sameValues(a: FieldValues, b: FieldValues): boolean {
  const fields = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...fields].every(
    (field) => field in a && field in b && sameValue(a[field as FixField], b[field as FixField]),
  );
}

/**
 * The UpdateRoom fields (identifier aside) that set `values` on `room`. UpdateRoom replaces the
 * whole review handler, so a change to one of its fields sends the other as the room has it; an
 * empty uri is how UpdateRoom detaches the handler.
 */
export function updateRoomFields(room: RoomDocument, values: FieldValues): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  let handler: Record<string, unknown> | undefined;
  for (const [field, value] of Object.entries(values)) {
    if (!isFixField(field)) continue;
    if (field.startsWith(HANDLER)) {
      handler ??= { ...(room.messageReviewHandler ?? {}) };
      const key = field.slice(HANDLER.length);
      if (value === undefined || value === null) delete handler[key];
      else handler[key] = value;
    } else if (value !== undefined && value !== null) {
      input[field] = value;
    }
  }
  if (handler) {
    input.messageReviewHandler = isAttachedHandler(handler)
      ? {
          uri: handler.uri,
          ...(handler.fallbackResult !== undefined ? { fallbackResult: handler.fallbackResult } : {}),
        }
      : { uri: '' };
  }
  return input;
}

/** The fix fields an UpdateRoom input (from `updateRoomFields`) sets: a review handler is both of its. */
export function fieldsSent(input: Record<string, unknown>): FixField[] {
  return Object.keys(input).flatMap((key): FixField[] => {
    if (key === 'messageReviewHandler')
      return ['messageReviewHandler.uri', 'messageReviewHandler.fallbackResult'];
    return isFixField(key) ? [key] : [];
  });
}
