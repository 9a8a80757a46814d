import type { Alert } from '../alert/alert.js';

/** What one sink reports for an alert it accepted. */
export interface SinkReceipt {
  /** The sink's name, for logs and summaries (e.g. `sns`). */
  sink: string;
  /** How many messages (or records) the destination accepted for this alert. */
  delivered: number;
  /** Ids the destination gave them, in delivery order (a destination may give none). */
  messageIds: string[];
  /**
   * Fingerprints of the alert's findings the destination did not take (it refused them one by one,
   * or one account's import failed while others' succeeded). They stay owed to this sink and are
   * sent again on the next run; the others are not resent. Absent: everything was taken.
   */
  undelivered?: string[];
  /** Why some were not taken (the last error), for the run summary and logs. */
  error?: string;
}

/**
 * Where a run's alert goes. A sink owns its destination's shape and limits (SNS splits a large alert
 * into several messages). `deliver` resolves with what the destination took, naming in `undelivered`
 * the findings it did not; it throws when nothing of the alert could be delivered. Either way the
 * findings not taken stay owed to this sink (per-sink delivery state, see lambda/pipeline/deliver.ts)
 * and the next run sends them again, to this sink only (at-least-once per sink).
 */
export interface AlertSink {
  readonly name: string;
  /**
   * The alert route this sink delivers (policies/routes.json): it is given, and owed, only the
   * findings routed there (lambda/alert/route-alert.ts). Absent: every finding.
   */
  readonly route?: string;
  deliver(alert: Alert): Promise<SinkReceipt>;
}
