import type { FindingRecord } from './core/lifecycle.js';
import type { Finding } from './core/types.js';
import { type Alert, hasContent } from './render/alert.js';
import type { AlertSink, SinkReceipt } from './sinks/sink.js';
import type { StateStore } from './state/store.js';

/** A sink that did not take everything it was owed: it gets the rest on the next run. */
export interface SinkLag {
  sink: string;
  /** Findings it still owes (this run's and earlier runs'). */
  undelivered: number;
  /** Why, as the sink or its destination said. */
  error: string;
}

export interface NotifyOutcome {
  /** What the run had to tell (empty lists when delivery was withheld). */
  alert: Alert;
  /** One receipt per sink that was called and answered, in sink order. */
  receipts: SinkReceipt[];
  /** Messages accepted, over every sink. */
  published: number;
  /** Ids of the accepted messages, in delivery order (a sink may not report one). */
  messageIds: string[];
  /** Sinks that fell behind in this run (empty or absent when every sink took everything). */
  lagging?: SinkLag[];
}

/**
 * Delivers the run's alert to every sink, then records the run, with delivery state per sink.
 *
 * Each sink gets this run's alert plus what it missed in earlier runs (`backlog`: records whose
 * `pendingSinks` name it; a newer transition of the same finding in this run replaces the missed one).
 * A finding a sink did not take is recorded with that sink in `pendingSinks`, so the next run sends it
 * to that sink again and to no other; a reminder SNS did not take is simply due again next run.
 *
 * At-least-once: when every sink failed outright (the SNS-only setup whose publish failed), nothing is
 * recorded and the first error is thrown, as before per-sink state: the next run sends everything
 * again. Nothing to tell means no sink is called; the state is still written.
 *
 * `backlog` defaults to the store's own `pending()` when it has one.
 */
export async function notifyAndRecord(input: {
  alert: Alert;
  sinks: readonly AlertSink[];
  store: StateStore;
  changes: readonly FindingRecord[];
  now: string;
  backlog?: readonly FindingRecord[];
}): Promise<NotifyOutcome> {
  const { alert, sinks } = input;
  // With one sink nothing can be owed: it either took the alert or nothing was recorded (below). So
  // the SNS-only setup skips reading the state a second time (145,000 findings are ~40 MB).
  const backlog = input.backlog ?? (sinks.length > 1 ? await input.store.pending?.() : undefined) ?? [];
  // A transition in this run supersedes whatever an earlier run still owed for that finding.
  const transitions = new Set(
    [...alert.newFindings, ...alert.resolvedFindings, ...(alert.exemptedFindings ?? [])].map(
      (f) => f.fingerprint,
    ),
  );
  const owed = backlog.filter((r) => !transitions.has(r.fingerprint) && (r.pendingSinks?.length ?? 0) > 0);

  const receipts: SinkReceipt[] = [];
  const failed = new Map<string, Set<string>>();
  const lagging: SinkLag[] = [];
  let thrown: unknown;
  const threw = new Set<string>();
  for (const sink of sinks) {
    const own = withBacklog(
      alert,
      owed.filter((r) => r.pendingSinks?.includes(sink.name)),
    );
    if (!hasContent(own) && (own.exemptedFindings ?? []).length === 0) continue;
    try {
      const receipt = await sink.deliver(own);
      receipts.push(receipt);
      if (receipt.undelivered?.length) {
        failed.set(sink.name, new Set(receipt.undelivered));
        lagging.push({
          sink: sink.name,
          undelivered: receipt.undelivered.length,
          error: receipt.error ?? '',
        });
      }
    } catch (error) {
      thrown ??= error;
      threw.add(sink.name);
      const all = fingerprintsOf(own);
      failed.set(sink.name, all);
      lagging.push({ sink: sink.name, undelivered: all.size, error: (error as Error).message });
    }
  }
  if (thrown !== undefined && sinks.every((s) => threw.has(s.name))) throw thrown;

  await input.store.save(recordsToSave(input.changes, owed, alert, failed), input.now);
  return {
    alert,
    receipts,
    published: receipts.reduce((n, r) => n + r.delivered, 0),
    messageIds: receipts.flatMap((r) => r.messageIds),
    lagging,
  };
}

/** The alert with a sink's missed transitions added, as their records' status says. */
function withBacklog(alert: Alert, owed: readonly FindingRecord[]): Alert {
  if (owed.length === 0) return alert;
  const again = (status: FindingRecord['status']) =>
    owed.filter((r) => r.status === status).map((r) => r.finding);
  const resent = new Set(owed.map((r) => r.fingerprint));
  return {
    ...alert,
    newFindings: [...alert.newFindings, ...again('open').map((f): Finding => ({ ...f, status: 'new' }))],
    resolvedFindings: [...alert.resolvedFindings, ...again('resolved')],
    exemptedFindings: [...(alert.exemptedFindings ?? []), ...again('exempt')],
    // A missed new finding shows as new, not also as a reminder.
    reminders: alert.reminders.filter((f) => !resent.has(f.fingerprint)),
  };
}

function fingerprintsOf(alert: Alert): Set<string> {
  const lists = [alert.newFindings, alert.resolvedFindings, alert.reminders, alert.exemptedFindings ?? []];
  return new Set(lists.flatMap((list) => list.map((f) => f.fingerprint)));
}

/**
 * This run's changes, and the backlog records whose owed sinks changed, each with the sinks that still
 * lack it. A reminder (not a transition) that failed is not owed: its `lastNotified` is cleared so it
 * is due again next run.
 */
function recordsToSave(
  changes: readonly FindingRecord[],
  owed: readonly FindingRecord[],
  alert: Alert,
  failed: ReadonlyMap<string, Set<string>>,
): FindingRecord[] {
  if (failed.size === 0 && owed.length === 0) return changes as FindingRecord[];
  const transitions = new Set(
    [...alert.newFindings, ...alert.resolvedFindings, ...(alert.exemptedFindings ?? [])].map(
      (f) => f.fingerprint,
    ),
  );
  const backlog = new Map(owed.map((r) => [r.fingerprint, r]));
  const lacking = (fingerprint: string) =>
    [...failed].filter(([, fps]) => fps.has(fingerprint)).map(([s]) => s);
  const withPending = (record: FindingRecord, pending: string[]): FindingRecord => {
    const { pendingSinks: _old, ...rest } = record;
    return pending.length > 0 ? { ...rest, pendingSinks: pending } : rest;
  };
  const out: FindingRecord[] = [];
  for (const change of changes) {
    const pending = lacking(change.fingerprint);
    if (transitions.has(change.fingerprint) || backlog.has(change.fingerprint)) {
      out.push(withPending(change, pending));
    } else if (pending.length > 0) {
      const { lastNotified: _told, ...due } = change;
      out.push(withPending(due, []));
    } else out.push(withPending(change, []));
    backlog.delete(change.fingerprint);
  }
  for (const record of backlog.values()) {
    const pending = lacking(record.fingerprint);
    if (pending.join() !== (record.pendingSinks ?? []).join()) out.push(withPending(record, pending));
  }
  return out;
}
