/**
 * The Lambda entry: picks the mode by the event and runs it. The container (configuration, policies,
 * clients) is set up once, on the first invocation, and shared by every mode.
 */
import type { ChangeBatchResult } from './modes/changes/batch.js';
import { changeBatch } from './modes/changes/batch.js';
import { isChangeTrigger, isDirectChangeEvent } from './modes/changes/events.js';
import { scheduledMode } from './modes/scheduled.js';
import { EventError, parseStepEvent } from './modes/state-machine/events.js';
import { runStep, type StepResult } from './modes/state-machine/steps.js';
import type { RunSummary } from './pipeline/run-summary.js';
import { type Container, createContainer } from './runtime/container.js';
import type { LambdaContext } from './runtime/deadline.js';
import type { HandlerDeps } from './runtime/deps.js';

export { createScheduledAudit, type ScheduledRun } from './modes/scheduled.js';
export type { RunSummary } from './pipeline/run-summary.js';
export { DEADLINE_MARGIN_MS } from './runtime/deadline.js';
export type { HandlerDeps } from './runtime/deps.js';

/**
 * The Lambda entry, for every trigger of the one bundle: IVS Chat change events (an SQS batch: the
 * change function), the state machine's steps, and the scheduled audit (`{}`). One IVS Chat event
 * invoked directly is refused, as a malformed step is: change events enter through the queue only.
 * Each returns only a bounded summary (Lambda caps a response at 6 MB; the full alert of a few hundred
 * violating rooms is larger).
 */
export function createHandler(deps: HandlerDeps = {}) {
  const container = createContainer(deps);
  const scheduled = scheduledMode(container, deps);
  return async (
    event: unknown,
    context?: LambdaContext,
  ): Promise<RunSummary | StepResult | ChangeBatchResult> => {
    // Change events first: an SQS batch or an aws.ivschat event is never a step or a scheduled run.
    if (isDirectChangeEvent(event)) {
      const error = new EventError(
        'an IVS Chat change event invoked directly is refused: change events enter through the change queue (an SQS batch) only; nothing was audited',
      );
      container.logger.error('change event refused', error);
      throw error;
    }
    if (isChangeTrigger(event)) {
      return logged(container, 'change batch failed', () => changeBatch(container.stateful(context), event));
    }
    const step = parseStepEvent(event);
    if (!step) return (await scheduled(context)).summary;
    const ctx = container.stateful(context);
    return logged(container, 'step failed', () => runStep(ctx, step), { step: step.step });
  };
}

/** Runs a mode; its failure is logged before it is thrown, and its metrics are published either way. */
async function logged<T>(
  container: Container,
  message: string,
  run: () => Promise<T>,
  fields?: Record<string, unknown>,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (fields) container.logger.error(message, { ...fields, error: error as Error });
    else container.logger.error(message, error as Error);
    throw error;
  } finally {
    container.metrics.publishStoredMetrics();
  }
}

export const handler = createHandler();
