import type { Alert } from '../render/alert.js';

/** What one sink reports for an alert it accepted. */
export interface SinkReceipt {
  /** The sink's name, for logs and summaries (e.g. `sns`). */
  sink: string;
  /** How many messages (or records) the destination accepted for this alert. */
  delivered: number;
  /** Ids the destination gave them, in delivery order (a destination may give none). */
  messageIds: string[];
}

/**
 * Where a run's alert goes. A sink owns its destination's shape and limits (SNS splits a large alert
 * into several messages). `deliver` resolves only once the destination accepted all of the alert and
 * throws otherwise: the pipeline records the run only after every sink resolved (at-least-once).
 */
export interface AlertSink {
  readonly name: string;
  deliver(alert: Alert): Promise<SinkReceipt>;
}
