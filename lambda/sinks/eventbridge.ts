import type { Alert } from '../alert/alert.js';
import { type Transition, type TransitionKind, transitionsOf } from '../alert/transitions.js';
import type { AwsConnection } from '../aws/clients.js';
import { type JsonApi, jsonApi } from '../aws/json-api.js';
import { utf8Bytes } from '../render/escape.js';
import { shownFinding } from '../render/remediation.js';
import type { AlertSink, SinkReceipt } from './sink.js';

export const EVENT_SOURCE = 'ivschat-auditor';
/** The `Detail` schema (docs/schemas/finding-event.v1.schema.json); a breaking change is a new version. */
export const EVENT_SCHEMA_VERSION = '1';
export const EVENT_DETAIL_TYPES: Readonly<Record<TransitionKind, string>> = {
  new: 'IVS Chat Finding New',
  resolved: 'IVS Chat Finding Resolved',
  exempted: 'IVS Chat Finding Exempted',
  'exemption-expired': 'IVS Chat Finding Exemption Expired',
};
/** PutEvents: at most 10 entries and 256 KB per call. */
export const PUT_EVENTS_MAX_ENTRIES = 10;
export const PUT_EVENTS_MAX_BYTES = 256 * 1024;
const DEFAULT_RETRIES = 3;
const RETRYABLE = /Internal|Throttl|ServiceUnavailable/i;

export interface PutEventsEntry {
  Source: string;
  DetailType: string;
  Detail: string;
  Resources: string[];
  EventBusName: string;
}

/** What EventBridge refused of one call, by entry index. */
export interface PutEventsResult {
  failed: { index: number; code: string; message: string }[];
}

export interface EventPutter {
  put(entries: readonly PutEventsEntry[]): Promise<PutEventsResult>;
}

/** `PutEvents` in `region`: the region of the bus (its ARN's), or the function's own for `default`. */
export function eventBridgePutter(api: JsonApi, region: string): EventPutter {
  return {
    async put(entries) {
      const answer = (await api({
        service: 'events',
        operation: 'PutEvents',
        region,
        path: '/',
        target: 'AWSEvents.PutEvents',
        body: { Entries: entries },
      })) as { Entries?: { ErrorCode?: string; ErrorMessage?: string }[] };
      const failed: PutEventsResult['failed'] = [];
      (answer.Entries ?? []).forEach((e, index) => {
        if (e.ErrorCode) failed.push({ index, code: e.ErrorCode, message: e.ErrorMessage ?? '' });
      });
      return { failed };
    },
  };
}

/** The region to put events in: a bus ARN's own, else `fallback`. */
export function eventBusRegion(eventBus: string, fallback: string): string {
  return /^arn:aws[a-z-]*:events:([a-z0-9-]+):\d{12}:event-bus\//.exec(eventBus)?.[1] ?? fallback;
}

/** A putter for `eventBus` signed with `connection` (the auditor's own account: the bus is central). */
export function defaultEventPutter(eventBus: string, region: string, connection: AwsConnection): EventPutter {
  return eventBridgePutter(jsonApi(connection), eventBusRegion(eventBus, region));
}

export interface EventBridgeSinkOptions {
  putter: EventPutter;
  /** `default` or a bus ARN. */
  eventBus: string;
  /** Rounds of resending the entries EventBridge refused one by one. @default 3 */
  retries?: number;
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
 * One event per transition (new, resolved, exempted, exemption expired), `Source` ivschat-auditor,
 * `DetailType` naming the transition, `Resources` the room ARN. Calls carry at most 10 entries and
 * 256 KB; only the entries a call refused are sent again. Reminders are not events (nothing changed).
 */
export function eventBridgeSink(options: EventBridgeSinkOptions): AlertSink {
  const retries = options.retries ?? DEFAULT_RETRIES;
  return {
    name: 'eventbridge',
    async deliver(alert: Alert): Promise<SinkReceipt> {
      const receipt: SinkReceipt = { sink: 'eventbridge', delivered: 0, messageIds: [] };
      const undelivered: string[] = [];
      let pending = transitionsOf(alert).map((t) => ({
        fingerprint: t.finding.fingerprint,
        entry: entryOf(t, alert.report.startedAt, options.eventBus),
      }));
      for (let round = 0; pending.length > 0 && round <= retries; round++) {
        const retry: typeof pending = [];
        for (const batch of batches(pending)) {
          let result: PutEventsResult;
          try {
            result = await options.putter.put(batch.map((b) => b.entry));
          } catch (error) {
            // The call failed after the client's own retries: what is left waits for the next run.
            const e = error as Error & { code?: string };
            receipt.error = `${e.code ?? e.name}: ${e.message}`;
            const left = pending.slice(pending.indexOf(batch[0] as (typeof pending)[number]));
            undelivered.push(...retry.map((p) => p.fingerprint), ...left.map((p) => p.fingerprint));
            return finish(receipt, undelivered);
          }
          const refused = new Map(result.failed.map((f) => [f.index, f]));
          batch.forEach((item, index) => {
            const failure = refused.get(index);
            if (!failure) receipt.delivered++;
            else if (RETRYABLE.test(failure.code)) retry.push(item);
            else {
              undelivered.push(item.fingerprint);
              receipt.error = `${failure.code}: ${failure.message}`;
            }
          });
        }
        pending = retry;
      }
      if (pending.length > 0) {
        undelivered.push(...pending.map((p) => p.fingerprint));
        receipt.error ??= `${pending.length} events refused`;
      }
      return finish(receipt, undelivered);
    },
  };
}

function finish(receipt: SinkReceipt, undelivered: string[]): SinkReceipt {
  if (undelivered.length > 0) receipt.undelivered = undelivered;
  else delete receipt.error;
  return receipt;
}

function entryOf(transition: Transition, auditedAt: string, eventBus: string): PutEventsEntry {
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

function* batches<T extends { entry: PutEventsEntry }>(items: readonly T[]): Generator<T[]> {
  let batch: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = entrySize(item.entry);
    if (
      batch.length > 0 &&
      (batch.length === PUT_EVENTS_MAX_ENTRIES || bytes + size > PUT_EVENTS_MAX_BYTES)
    ) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(item);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}
