/**
 * A finding's transition as an EventBridge event (schema: docs/schemas/finding-event.v1.schema.json).
 * Pure: the entry is built here, the EventBridge sink sends it.
 */

import type { Transition, TransitionKind } from '../alert/transitions.js';
import { PRODUCT_NAME } from '../core/product.js';
import { utf8Bytes } from './escape.js';
import { shownFinding } from './remediation.js';

export const EVENT_SOURCE = PRODUCT_NAME;
/** The `Detail` schema (docs/schemas/finding-event.v1.schema.json); a breaking change is a new version. */
export const EVENT_SCHEMA_VERSION = '1';
export const EVENT_DETAIL_TYPES: Readonly<Record<TransitionKind, string>> = {
  new: 'IVS Chat Finding New',
  resolved: 'IVS Chat Finding Resolved',
  exempted: 'IVS Chat Finding Exempted',
  'exemption-expired': 'IVS Chat Finding Exemption Expired',
};
/**
 * Our limit per PutEvents call, so no event is larger: 256 KB, the service's limit before the 1 MB
 * the events model now documents, kept by choice so an event also fits a rule target or an older
 * region that takes no more than 256 KB.
 */
export const PUT_EVENTS_MAX_BYTES = 256 * 1024;

/** One event as `PutEvents` takes it. */
export interface PutEventsEntry {
  Source: string;
  DetailType: string;
  Detail: string;
  Resources: string[];
  EventBusName: string;
}

/** The `Detail` of one transition (schema: docs/schemas/finding-event.v1.schema.json). */
export function eventDetail(transition: Transition, auditedAt: string): Record<string, unknown> {
  return {
    schemaVersion: EVENT_SCHEMA_VERSION,
    transition: transition.kind,
    auditedAt,
    finding: shownFinding(transition.finding),
  };
}

/**
 * The event of one transition on `eventBus`: `Source` ivschat-auditor, `DetailType` naming the
 * transition, `Resources` the room ARN. An event over our 256 KB (PUT_EVENTS_MAX_BYTES) leaves out the finding's
 * `actual` value, and says so.
 */
export function findingEvent(transition: Transition, auditedAt: string, eventBus: string): PutEventsEntry {
  const entry = (detail: Record<string, unknown>): PutEventsEntry => ({
    Source: EVENT_SOURCE,
    DetailType: EVENT_DETAIL_TYPES[transition.kind],
    Detail: JSON.stringify(detail),
    Resources: [transition.finding.roomArn],
    EventBusName: eventBus,
  });
  const full = entry(eventDetail(transition, auditedAt));
  if (entrySize(full) <= PUT_EVENTS_MAX_BYTES) return full;
  // Only the offending value can be this large (a room's whole tag map): it is left out, and said so.
  const { actual: _actual, ...rest } = transition.finding;
  return entry({ ...eventDetail({ ...transition, finding: rest }, auditedAt), actualOmitted: true });
}

/** An entry's size as EventBridge counts it: Source, DetailType, Detail and each Resource, in UTF-8. */
export function entrySize(e: PutEventsEntry): number {
  return (
    utf8Bytes(e.Source) +
    utf8Bytes(e.DetailType) +
    utf8Bytes(e.Detail) +
    e.Resources.reduce((n, r) => n + utf8Bytes(r), 0)
  );
}
