/**
 * One invocation's deadline: Lambda's time left less a margin. Every mode stops starting API calls,
 * targets and writes at the same point, measured the same way.
 */
import type { Context } from 'aws-lambda';

/** What the handler reads of Lambda's context: the time left. */
export type LambdaContext = Pick<Context, 'getRemainingTimeInMillis'>;

/**
 * Stop starting new API calls when less than this much Lambda time is left: enough for calls in flight
 * (10 s request timeout, a few retries), evaluation, the state writes and the SNS publish.
 */
export const DEADLINE_MARGIN_MS = 90_000;

export interface Deadline {
  /** Milliseconds until the margin begins; negative once it has. */
  timeLeftMs(): number;
  /** True once less than the margin is left: start nothing new. */
  reached(): boolean;
  /** Aborts when the margin begins (a write already sent finishes). */
  signal(): AbortSignal;
}

export function lambdaDeadline(context: LambdaContext, marginMs: number = DEADLINE_MARGIN_MS): Deadline {
  const timeLeftMs = () => context.getRemainingTimeInMillis() - marginMs;
  return {
    timeLeftMs,
    reached: () => timeLeftMs() < 0,
    signal: () => AbortSignal.timeout(Math.max(0, timeLeftMs())),
  };
}
