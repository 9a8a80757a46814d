/** The state machine's steps, by the event's `step` (see events.ts and the state machine in lib/). */
import type { StatefulContext } from '../../runtime/context.js';
import { aggregateStep, type RunAggregate } from './aggregate.js';
import { auditTargetStep } from './audit-target.js';
import type { AuditTargetResult, PlanResult, StepEvent } from './events.js';
import { planStep } from './plan.js';
import { targetFailedStep } from './target-failed.js';

export type StepResult = PlanResult | AuditTargetResult | RunAggregate | Record<string, never>;

export function runStep(ctx: StatefulContext, event: StepEvent): Promise<StepResult> {
  switch (event.step) {
    case 'plan':
      return planStep(ctx, event);
    case 'audit-target':
      return auditTargetStep(ctx, event);
    case 'target-failed':
      return targetFailedStep(ctx, event);
    case 'aggregate':
      return aggregateStep(ctx, event);
  }
}
