import { type AccountsSetting, planTargets } from '../../aws/targets.js';
import { AuditorError } from '../../core/errors.js';
import type { StatefulContext } from '../../runtime/context.js';
import { isOrganization } from '../../settings/checks.js';
import type { PlanEvent, PlanResult } from './events.js';

/**
 * Above this the indexes (≈ 6 bytes each) would approach Step Functions' 256 KiB payload cap;
 * 40,000 targets is 8,000 accounts in 5 regions.
 */
export const MAX_TARGETS = 40_000;

export async function planStep(ctx: StatefulContext, event: PlanEvent): Promise<PlanResult> {
  const { config } = ctx;
  const selfAccountId = await ctx.ownAccountId();
  const plan = await planTargets({
    accounts: accountsSetting(config.accounts),
    regions: config.regions,
    selfAccountId,
    connection: ctx.connection,
  });
  if (plan.targets.length > MAX_TARGETS) {
    throw new AuditorError(
      `${plan.targets.length} targets (accounts × regions) exceed the ${MAX_TARGETS} one run can hold; deploy a second auditor for part of the organization`,
    );
  }
  const meta = await ctx.stores.run(event.runId).putPlan(plan.targets, {
    errors: plan.errors,
    inactiveAccounts: plan.inactiveAccounts,
  });
  ctx.logger.info('planned', {
    runId: event.runId,
    targets: meta.count,
    planErrors: plan.errors.length,
    inactiveAccounts: plan.inactiveAccounts.length,
  });
  return {
    runId: event.runId,
    startedAt: event.startedAt,
    count: meta.count,
    targets: Array.from({ length: meta.count }, (_, i) => i),
  };
}

function accountsSetting(accounts: readonly string[]): AccountsSetting {
  if (accounts.length === 0) return '';
  return isOrganization(accounts) ? 'organization' : accounts;
}
