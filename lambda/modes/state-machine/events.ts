/**
 * What the state machine sends the audit function, one shape per step (docs/schemas/audit-function.schema.json).
 * An event without `step` ({} or an EventBridge scheduled event) is the single-account run an operator
 * can start by hand; anything else that is not one of these shapes is refused with the field named,
 * so a hand-edited state machine fails loudly instead of auditing the wrong thing.
 */
import { AuditorError } from '../../core/errors.js';

export interface PlanEvent {
  step: 'plan';
  /** The execution's name: unique per run, the key of everything the run stores. */
  runId: string;
  /** The execution's start: the run's one `now`, shared by every target. */
  startedAt: string;
}

export interface AuditTargetEvent {
  step: 'audit-target';
  runId: string;
  startedAt: string;
  /** The target's index in the run's plan. */
  index: number;
  /** 0 on the first invocation for the target; the step returns the next one. */
  iteration: number;
}

export interface TargetFailedEvent {
  step: 'target-failed';
  runId: string;
  index: number;
  /** What Step Functions caught: `Error` is the error name, `Cause` its (often JSON) detail. */
  error: { Error?: string; Cause?: string };
}

export interface AggregateEvent {
  step: 'aggregate';
  runId: string;
  startedAt: string;
}

export type StepEvent = PlanEvent | AuditTargetEvent | TargetFailedEvent | AggregateEvent;

/** What one audit-target invocation returns: the Choice state loops on `done`. */
export interface AuditTargetResult {
  runId: string;
  startedAt: string;
  index: number;
  iteration: number;
  done: boolean;
}

export interface PlanResult {
  runId: string;
  startedAt: string;
  count: number;
  /** 0 … count-1: the Map's items (indexes, not targets: 5,000 of them are ~30 KB). */
  targets: number[];
}

export class EventError extends AuditorError {
  override readonly name = 'EventError';
}

// Execution names: 1-80 characters; kept to what is safe in a DynamoDB key and a log line.
const RUN_ID = /^[\w.:-]{1,80}$/;

/** The step event, or undefined for an event that names no step (the single-account run). */
export function parseStepEvent(event: unknown): StepEvent | undefined {
  if (typeof event !== 'object' || event === null || !('step' in event)) return undefined;
  const e = event as Record<string, unknown>;
  switch (e.step) {
    case 'plan':
      return { step: 'plan', runId: runId(e), startedAt: instant(e) };
    case 'audit-target':
      return {
        step: 'audit-target',
        runId: runId(e),
        startedAt: instant(e),
        index: count(e, 'index'),
        iteration: count(e, 'iteration'),
      };
    case 'target-failed': {
      const error = (typeof e.error === 'object' && e.error !== null ? e.error : {}) as Record<
        string,
        unknown
      >;
      return {
        step: 'target-failed',
        runId: runId(e),
        index: count(e, 'index'),
        error: {
          ...(typeof error.Error === 'string' ? { Error: error.Error } : {}),
          ...(typeof error.Cause === 'string' ? { Cause: error.Cause } : {}),
        },
      };
    }
    case 'aggregate':
      return { step: 'aggregate', runId: runId(e), startedAt: instant(e) };
    default:
      throw new EventError(
        `event.step: "${String(e.step)}" is not a step (plan, audit-target, target-failed, aggregate); send {} to audit this account`,
      );
  }
}

function runId(e: Record<string, unknown>): string {
  const value = e.runId;
  if (typeof value !== 'string' || !RUN_ID.test(value)) {
    throw new EventError(
      `event.runId: must be 1-80 letters, digits and _.:- (the execution name), got ${show(value)}`,
    );
  }
  return value;
}

function instant(e: Record<string, unknown>): string {
  const value = e.startedAt;
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
    throw new EventError(
      `event.startedAt: must be an ISO 8601 time (the execution's start), got ${show(value)}`,
    );
  }
  return new Date(value).toISOString();
}

function count(e: Record<string, unknown>, key: string): number {
  const value = e[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new EventError(`event.${key}: must be a whole number ≥ 0, got ${show(value)}`);
  }
  return value;
}

function show(value: unknown): string {
  return JSON.stringify(value)?.slice(0, 80) ?? String(value);
}
