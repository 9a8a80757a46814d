/**
 * The target-failed step: the child workflow caught an error its audit step could not turn into an
 * outcome (the Lambda crashed, timed out, ran out of memory). Records it as the target's outcome, so
 * the run's alert names the target and the reason instead of leaving it out.
 */

import { OUTCOME_VERSION } from '../../pipeline/target-outcome.js';
import type { StatefulContext } from '../../runtime/context.js';
import type { TargetFailedEvent } from './events.js';

export async function targetFailedStep(
  ctx: StatefulContext,
  event: TargetFailedEvent,
): Promise<Record<string, never>> {
  const runs = ctx.stores.run(event.runId);
  const target = await runs.getTarget(event.index);
  const reason = `the audit step failed: ${describe(event.error)}`;
  ctx.logger.error('target failed', { ...target, reason });
  await runs.putOutcome(event.index, {
    version: OUTCOME_VERSION,
    status: 'failed',
    accountId: target.accountId,
    region: target.region,
    reason,
  });
  return {};
}

/** Lambda puts `{"errorType","errorMessage",…}` in Cause; a timeout has only Error (States.Timeout). */
function describe(error: TargetFailedEvent['error']): string {
  const name = error.Error ?? 'unknown error';
  if (!error.Cause) return name;
  try {
    const cause = JSON.parse(error.Cause) as { errorType?: unknown; errorMessage?: unknown };
    if (typeof cause.errorMessage === 'string') {
      return `${typeof cause.errorType === 'string' ? cause.errorType : name}: ${cause.errorMessage.slice(0, 500)}`;
    }
  } catch {
    // Not JSON: use it as it is.
  }
  return `${name}: ${error.Cause.slice(0, 500)}`;
}
