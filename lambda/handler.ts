/**
 * The Lambda entry: picks the mode by the event and runs it. The container (configuration, policies,
 * clients) is set up once, on the first invocation, and shared by every mode.
 */
import type { ChangeBatchResult } from './modes/changes/batch.js';
import { changeBatch } from './modes/changes/batch.js';
import { isChangeTrigger } from './modes/changes/events.js';
import { refusal } from './modes/refusal.js';
import { isScheduledRun, scheduledMode } from './modes/scheduled.js';
import { parseStepEvent } from './modes/state-machine/events.js';
import { runStep, type StepResult } from './modes/state-machine/steps.js';
import type { RunSummary } from './pipeline/run-summary.js';
import { type Container, createContainer } from './runtime/container.js';
import type { LambdaContext } from './runtime/deadline.js';
import type { HandlerDeps } from './runtime/deps.js';

/**
 * The Lambda entry, for every trigger of the one bundle: IVS Chat change events (an SQS batch: the
 * change function), the state machine's steps, and the scheduled audit (`{}` or an EventBridge
 * scheduled event). Any other event is refused (an EventError), as a malformed step is, before any AWS
 * call: one IVS Chat event invoked directly included (change events enter through the queue only).
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
    if (isChangeTrigger(event)) {
      return logged(container, 'change batch failed', () => changeBatch(container.stateful(context), event));
    }
    const step = parseStepEvent(event);
    if (!step) {
      if (isScheduledRun(event)) return (await scheduled(context)).summary;
      const { error, logMessage } = refusal(event);
      container.logger.error(logMessage, error);
      throw error;
    }
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
