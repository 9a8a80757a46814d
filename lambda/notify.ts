import type { FindingRecord } from './core/lifecycle.js';
import { type Alert, hasContent } from './render/alert.js';
import type { AlertSink, SinkReceipt } from './sinks/sink.js';
import type { StateStore } from './state/store.js';

export interface NotifyOutcome {
  /** What the run had to tell (empty lists when delivery was withheld). */
  alert: Alert;
  /** One receipt per sink that accepted the alert, in sink order. */
  receipts: SinkReceipt[];
  /** Messages accepted, over every sink. */
  published: number;
  /** Ids of the accepted messages, in delivery order (a sink may not report one). */
  messageIds: string[];
}

/**
 * Delivers the run's alert to every sink, then records the run. At-least-once: the state is written
 * only after every sink accepted the alert, so a failed delivery leaves the state as it was and the
 * next run sends again. Nothing to tell means no sink is called; the state is still written (e.g. a
 * value that moved without anyone needing to hear of it).
 */
export async function notifyAndRecord(input: {
  alert: Alert;
  sinks: readonly AlertSink[];
  store: StateStore;
  changes: readonly FindingRecord[];
  now: string;
}): Promise<NotifyOutcome> {
  const receipts: SinkReceipt[] = [];
  if (hasContent(input.alert)) {
    for (const sink of input.sinks) receipts.push(await sink.deliver(input.alert));
  }
  await input.store.save(input.changes, input.now);
  return {
    alert: input.alert,
    receipts,
    published: receipts.reduce((n, r) => n + r.delivered, 0),
    messageIds: receipts.flatMap((r) => r.messageIds),
  };
}
