/**
 * The auditor's own record of each target: the `HEALTH#<account>#<region>` item its scheduled runs
 * write to the state table (state/run-store.ts, TargetHealth) — the last run's id and time, and its
 * consecutive failures with the last error. doctor reads it as evidence that the auditor itself
 * reached the target, which is the only evidence there is when the operator may not assume the
 * member role (with `remediation=apply` the member role trusts the auditor alone).
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { healthKey } from '../../state/keys.js';
import { errorLine } from './check.js';
import { type DoctorContext, duration, sendOptions } from './context.js';

/** The last scheduled run's outcome for one target, as stored. */
export interface StoredRun {
  readonly runId: string;
  /** Absent on items written before the auditor stored the time. */
  readonly at?: Date;
  readonly consecutiveFailures: number;
  readonly lastError?: string;
}

/** What the state table says about a target: its record, no record, or why it could not be read. */
export type StoredRunRead =
  | { readonly kind: 'found'; readonly run: StoredRun }
  | { readonly kind: 'none' }
  | { readonly kind: 'unreadable'; readonly reason: string };

/** One strongly consistent GetItem; any error is returned as `unreadable`, never thrown. */
export async function readStoredRun(
  ctx: DoctorContext,
  accountId: string,
  region: string,
): Promise<StoredRunRead> {
  const key = healthKey({ accountId, region });
  try {
    const { Item } = await ctx.clients.get('dynamodb', ctx.deployment.region).send(
      new GetItemCommand({
        TableName: ctx.deployment.stateTableName,
        Key: { pk: { S: key.pk }, sk: { S: key.sk } },
        ConsistentRead: true,
      }),
      sendOptions(ctx),
    );
    if (!Item?.lastRunId?.S) return { kind: 'none' };
    const at = Item.lastRunAt?.S ? new Date(Item.lastRunAt.S) : undefined;
    return {
      kind: 'found',
      run: {
        runId: Item.lastRunId.S,
        ...(at && !Number.isNaN(at.getTime()) ? { at } : {}),
        consecutiveFailures: Number(Item.consecutiveFailures?.N ?? 0),
        ...(Item.lastError?.S ? { lastError: Item.lastError.S } : {}),
      },
    };
  } catch (error) {
    return { kind: 'unreadable', reason: errorLine(error) };
  }
}

/** Older than this, a stored success no longer shows the target works: two intervals and 15 min. */
export function staleAfterSeconds(ctx: DoctorContext): number {
  return 2 * ctx.deployment.schedule.intervalSeconds + 15 * 60;
}

/** One evidence line: which run, how long ago, and what it found. */
export function storedRunLine(ctx: DoctorContext, run: StoredRun): string {
  const when = run.at
    ? `${duration((ctx.now.getTime() - run.at.getTime()) / 1000)} ago`
    : 'at a time not recorded (an older auditor version)';
  const result =
    run.consecutiveFailures > 0
      ? `failed (${run.consecutiveFailures} run(s) in a row): ${run.lastError ?? 'no reason stored'}`
      : 'audited it';
  return `the auditor's last run ${run.runId} (${when}) ${result}`;
}

/** Whether a stored success is too old to count. */
export function isStale(ctx: DoctorContext, run: StoredRun): boolean {
  if (!run.at) return false;
  return (ctx.now.getTime() - run.at.getTime()) / 1000 > staleAfterSeconds(ctx);
}
