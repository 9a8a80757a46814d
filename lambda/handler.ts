/**
 * The Lambda entry: picks the mode by the event and runs it. The container (configuration, policies,
 * clients) is set up once, on the first invocation, and shared by every mode.
 */
import type { ChangeBatchResult } from './modes/changes/batch.js';
import { changeBatch } from './modes/changes/batch.js';
import { isChangeTrigger, isDirectChangeEvent } from './modes/changes/events.js';
import { isScheduledRun, scheduledMode } from './modes/scheduled.js';
import { EventError, parseStepEvent } from './modes/state-machine/events.js';
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
      const direct = isDirectChangeEvent(event);
      const error = new EventError(direct ? DIRECT_CHANGE_REFUSED : refusal(event));
      container.logger.error(direct ? 'change event refused' : 'event refused', error);
      throw error;
    }
    const ctx = container.stateful(context);
    return logged(container, 'step failed', () => runStep(ctx, step), { step: step.step });
  };
}

const DIRECT_CHANGE_REFUSED =
  'an IVS Chat change event invoked directly is refused: change events enter through the change queue (an SQS batch) only; nothing was audited';

/** Why an event is refused, naming its type and keys only: the payload itself is never echoed. */
function refusal(event: unknown): string {
  return `the event is not one this function takes (${eventShape(event)}): send {} or an EventBridge scheduled event for the scheduled run, a state-machine step or an SQS batch; nothing was audited`;
}

function eventShape(event: unknown): string {
  if (event === null) return 'null';
  if (Array.isArray(event)) return `an array of ${event.length}`;
  if (typeof event !== 'object') return `a ${typeof event}`;
  const keys = Object.keys(event);
  if (keys.length === 0) return 'an object without keys';
  const named = keys.slice(0, 5).map((key) => key.replace(/[^\w.-]/g, '?').slice(0, 32));
  return `an object with keys ${named.join(', ')}${keys.length > 5 ? ` and ${keys.length - 5} more` : ''}`;
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
