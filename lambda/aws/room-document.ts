import type { GetRoomCommandOutput, RoomSummary } from '@aws-sdk/client-ivschat';
import { withAwsHandler } from '../core/room-facts.js';
import type { RoomDocument } from '../core/types.js';

/**
 * SDK shape → our room document: dates become ISO 8601 strings, SDK metadata goes, and fields
 * the API omitted stay absent (no invented defaults), and a review handler with an empty uri is
 * none (core/room-facts.ts).
 */
export function toRoomDocument(output: GetRoomCommandOutput | RoomSummary | object): RoomDocument {
  const doc: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(output)) {
    if (key === '$metadata' || value === undefined || value === null) continue;
    doc[key] = value instanceof Date ? value.toISOString() : value;
  }
  return withAwsHandler(doc as RoomDocument);
}
