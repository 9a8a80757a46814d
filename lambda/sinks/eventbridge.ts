/** The EventBridge sink: each transition's event (render/finding-event.ts) put on the configured bus. */

import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { Alert } from '../alert/alert.js';
import { transitionsOf } from '../alert/transitions.js';
import { type AwsConnection, eventBridgeClient } from '../aws/clients.js';
import {
  entrySize,
  findingEvent,
  PUT_EVENTS_MAX_BYTES,
  type PutEventsEntry,
} from '../render/finding-event.js';
import { batches, deliverInRounds, Tally } from './delivery.js';
import type { AlertSink, SinkReceipt } from './sink.js';

/** PutEvents: at most 10 entries per call, and our 256 KB (PUT_EVENTS_MAX_BYTES) per call. */
export const PUT_EVENTS_MAX_ENTRIES = 10;
const DEFAULT_RETRIES = 3;

/** What EventBridge refused of one call, by entry index. */
export interface PutEventsResult {
  failed: { index: number; code: string; message: string }[];
}

export interface EventPutter {
  put(entries: readonly PutEventsEntry[]): Promise<PutEventsResult>;
}

/** `PutEvents` through `client` (its region: the bus ARN's, or the function's own for `default`). */
export function eventBridgePutter(client: EventBridgeClient): EventPutter {
  return {
    async put(entries) {
      const answer = await client.send(new PutEventsCommand({ Entries: [...entries] }));
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
  return eventBridgePutter(eventBridgeClient(eventBusRegion(eventBus, region), connection));
}

export interface EventBridgeSinkOptions {
  putter: EventPutter;
  /** `default` or a bus ARN. */
  eventBus: string;
  /** Rounds of resending the entries EventBridge refused one by one. @default 3 */
  retries?: number;
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
      const tally = new Tally('eventbridge');
      await deliverInRounds(tally, {
        items: transitionsOf(alert).map((t) => ({
          fingerprint: t.finding.fingerprint,
          entry: findingEvent(t, alert.report.startedAt, options.eventBus),
        })),
        retries,
        batches: (items) =>
          batches(items, {
            maxItems: PUT_EVENTS_MAX_ENTRIES,
            maxBytes: PUT_EVENTS_MAX_BYTES,
            sizeOf: (item) => entrySize(item.entry),
          }),
        send: async (batch) => {
          const { failed } = await options.putter.put(batch.map((b) => b.entry));
          const refused = new Map(failed.map((f) => [f.index, f]));
          return batch.map((_, index) => refused.get(index));
        },
        fingerprintOf: (item) => item.fingerprint,
        describe: (code, message) => `${code}: ${message}`,
        exhausted: (count) => `${count} events refused`,
      });
      return tally.receipt();
    },
  };
}
