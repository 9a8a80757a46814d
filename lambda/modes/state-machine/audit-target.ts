/**
 * The audit-target step: one invocation of one target's (account × region) audit. The child workflow
 * calls it again while it answers `done: false`.
 *
 * Resume cursor: the room cache in the state table. Every room fetched this run is cached with the
 * run's start as its fetch time, so the next invocation lists the rooms again but fetches only those
 * not reached yet (an unchanged room is evaluated from the cache). The invocation that reaches every
 * room therefore holds the complete picture of the target: only it reconciles and stores the outcome,
 * and a first audit of 50,000 rooms finishes within one run instead of across sixteen.
 *
 * Every invocation assumes a fresh member-role session: no credentials outlive an invocation (15
 * minutes), however long the target's audit takes.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import type { AwsConnection } from '../../aws/clients.js';
import { ivschatClient } from '../../aws/clients.js';
import { RateLimiter, withApiBudget } from '../../aws/rate-limit.js';
import { type AuditTarget, accessDeniedError, targetCredentials } from '../../aws/targets.js';
import { METRIC } from '../../core/metric-names.js';
import type { Finding, RegionInventory } from '../../core/types.js';
import { liveInventory } from '../../inventory/live.js';
import { SnapshotCollector, snapshotGap } from '../../inventory/snapshot-rooms.js';
import { type AuditedRun, auditRun } from '../../pipeline/run-audit.js';
import { type AuditedOutcome, OUTCOME_VERSION, type TargetOutcome } from '../../pipeline/target-outcome.js';
import type { ExecutorOptions } from '../../remediate/apply.js';
import {
  FixCandidates,
  fixablePolicies,
  MAX_KEPT,
  markFixedByAuditor,
  remediateTarget,
} from '../../remediate/deployed.js';
import { callerArn, ivschatRoomApi } from '../../remediate/ivschat-api.js';
import type { TrailEntry } from '../../remediate/trail.js';
import { TableTrail, unreportedSince, unreportedWrites } from '../../remediate/trail-table.js';
import { type EngineContext, runStore, targetLocks, targetState } from '../../runtime/context.js';
import { DynamoRoomCache } from '../../state/dynamo-room-cache.js';
import { FullAuditDue } from '../../state/full-audit-due.js';
import { RoomSnapshotStore } from '../../state/room-snapshot.js';
import type { AuditTargetEvent, AuditTargetResult } from './events.js';

/**
 * A target's lock outlives the state machine's 23-hour timeout, so a run never overlaps another
 * that is still going, and a run that died without releasing is taken over a day later at most.
 */
export const LOCK_HOURS = 24;
/** A target that still has rooms left after this many invocations stores what it has (incomplete). */
export const MAX_ITERATIONS = 200;
/** UpdateRoom calls per second of the deployed remediation: 1 of the quota of 5 the application shares. */
export const WRITE_BUDGET_TPS = 1;

type LambdaContext = Pick<Context, 'getRemainingTimeInMillis'>;

export async function auditTargetStep(
  ctx: EngineContext,
  event: AuditTargetEvent,
  context?: LambdaContext,
): Promise<AuditTargetResult> {
  const runs = runStore(ctx, event.runId);
  const target = await runs.getTarget(event.index);
  const result = (done: boolean): AuditTargetResult => ({
    runId: event.runId,
    startedAt: event.startedAt,
    index: event.index,
    iteration: event.iteration + 1,
    done,
  });
  const finish = async (outcome: TargetOutcome) => {
    await runs.putOutcome(event.index, outcome);
    return result(true);
  };
  const notAudited = (status: 'failed' | 'skipped', reason: string) =>
    finish({ version: OUTCOME_VERSION, status, accountId: target.accountId, region: target.region, reason });

  const now = ctx.clock();
  const lock = await targetLocks(ctx).acquire(
    target,
    event.runId,
    new Date(now.getTime() + LOCK_HOURS * 3_600_000),
    now,
  );
  if (!lock.ok) {
    ctx.logger.info('target locked by another run', { ...target, heldBy: lock.heldBy, until: lock.until });
    return notAudited('skipped', `run ${lock.heldBy} is still auditing it (locked until ${lock.until})`);
  }

  const access = await targetCredentials(target, {
    roleName: ctx.config.memberRoleName,
    connection: ctx.connection,
  });
  if (!access.ok) return notAudited('failed', access.error.message);

  // Every invocation collects: only the one that reaches every room (cached ones included) stores them.
  const gap = snapshotGap(ctx.policies);
  if (gap) ctx.logger.info('no room snapshot', { reason: gap });
  const snapshot = gap ? undefined : new SnapshotCollector();
  const candidates = fixCandidates(ctx);
  const collectors = [snapshot, candidates].filter((c) => c !== undefined);
  const audited = await auditRun({
    inventory: liveInventory({
      regions: [target.region],
      policies: ctx.policies,
      connection: access.connection,
      ...(ctx.apiBudgetTps === null ? {} : { apiBudgetTps: ctx.apiBudgetTps }),
      fullRefreshHours: ctx.config.fullRefreshHours,
      roomCache: new DynamoRoomCache(ctx.dynamo, ctx.tableName),
      clock: ctx.clock,
      collectors,
      ...(context ? { shouldStop: () => context.getRemainingTimeInMillis() < ctx.deadlineMarginMs } : {}),
    }),
    state: (accountId) => (accountId === undefined ? undefined : targetState(ctx, accountId, target.region)),
    // The aggregate step delivers one alert for the whole run; a target delivers nothing itself.
    sinks: [],
    // The run's one `now`: every target and every invocation reconciles at the execution's start.
    clock: () => new Date(event.startedAt),
    // The rooms are read now, in this invocation, hours after the execution started maybe.
    observationClock: ctx.clock,
    renotifyAfterHours: ctx.config.renotifyAfterHours,
  });
  ctx.metrics.addMetric(METRIC.apiCalls, MetricUnit.Count, apiCalls(audited.inventories));

  const failure = whyNotAudited(target, audited, ctx.config.memberRoleName);
  if (failure) return notAudited('failed', failure);
  const remaining = roomsRemaining(audited.inventories);
  if (remaining > 0 && event.iteration + 1 < MAX_ITERATIONS) {
    ctx.logger.info('target continues', { ...target, iteration: event.iteration, roomsRemaining: remaining });
    return result(false);
  }
  if (snapshot) await storeSnapshot(ctx, snapshot, target, event.startedAt, audited.inventories);
  const outcome: AuditedOutcome = {
    version: OUTCOME_VERSION,
    status: 'audited',
    accountId: target.accountId,
    region: target.region,
    report: audited.report,
    newFindings: audited.reconciliation.newFindings.map((f) => f.fingerprint),
    reminders: audited.reconciliation.reminders.map((f) => f.fingerprint),
    resolvedFindings: audited.reconciliation.resolvedFindings,
    changes: audited.reconciliation.changes,
    ...(audited.backlog.length > 0 ? { backlog: audited.backlog } : {}),
    iterations: event.iteration + 1,
  };
  // One trail read: the findings it explains, and (remediation on) the writes no alert listed yet.
  const unreported = await explainFixed(
    ctx,
    target,
    audited.reconciliation.resolvedFindings,
    ctx.config.remediation !== 'off' ? unreportedSince(event.startedAt) : undefined,
  );
  if (candidates) {
    const cleanup: (() => void)[] = [];
    const remediation = await remediateTarget({
      mode: ctx.config.remediation as 'plan' | 'apply',
      findings: audited.report.findings,
      candidates,
      roomsAudited: audited.report.roomsAudited,
      complete: audited.report.complete,
      policies: ctx.policies,
      tag: ctx.config.remediationTagParsed,
      guards: { maxChanges: ctx.config.remediationMaxChanges, maxPercent: ctx.config.remediationMaxPercent },
      now: event.startedAt,
      executor: () => executorFor(ctx, target, access.connection, cleanup, context),
    }).finally(() => {
      for (const close of cleanup) close();
    });
    if (remediation) {
      outcome.remediation = remediation;
      ctx.logger.info('target remediation', {
        ...target,
        mode: remediation.mode,
        planned: remediation.totals.planned,
        applied: remediation.totals.applied,
        tripped: remediation.tripped,
        ...(remediation.error ? { error: remediation.error } : {}),
      });
    }
  }
  listEarlierWrites(outcome, unreported, event.startedAt);
  if (audited.report.complete) await clearFullAuditDue(ctx, target, event.startedAt);
  ctx.logger.info('target audited', {
    ...target,
    iterations: outcome.iterations,
    roomsAudited: audited.report.roomsAudited,
    findings: audited.report.findings.length,
    complete: audited.report.complete,
  });
  return finish(outcome);
}

/**
 * The room snapshot of a complete audit (policy previews read it). Best effort: a failed write is
 * logged and the previous snapshot stays; the audit itself has succeeded.
 */
async function storeSnapshot(
  ctx: EngineContext,
  snapshot: SnapshotCollector,
  target: AuditTarget,
  takenAt: string,
  inventories: readonly RegionInventory[],
): Promise<void> {
  try {
    const store = new RoomSnapshotStore(ctx.dynamo, ctx.tableName);
    await snapshot.write(store, target.accountId, takenAt, inventories);
  } catch (error) {
    ctx.logger.warn('room snapshot not stored', { ...target, error: error as Error });
  }
}

/** The room documents a fix may need, when remediation is on and some policy's fix is in play. */
function fixCandidates(ctx: EngineContext): FixCandidates | undefined {
  const mode = ctx.config.remediation;
  if (mode === 'off') return undefined;
  const fixable = fixablePolicies(ctx.policies, mode);
  if (fixable.length === 0) return undefined;
  return new FixCandidates(fixable, ctx.config.remediationTagParsed);
}

/**
 * The write side of apply mode, with the target's own credentials: GetRoom within the target's API
 * budget, UpdateRoom at WRITE_BUDGET_TPS, the trail in the state table, the caller's ARN as actor. No
 * change is started once the invocation's deadline margin is reached (a write in flight finishes).
 */
async function executorFor(
  ctx: EngineContext,
  target: AuditTarget,
  connection: AwsConnection,
  /** Where the client's `destroy` goes, for the caller to run when the changes are done. */
  cleanup: (() => void)[],
  context?: LambdaContext,
): Promise<Omit<ExecutorOptions, 'policies'>> {
  const actor = await callerArn(target.region, connection);
  const client = ivschatClient(target.region, connection);
  cleanup.push(() => client.destroy());
  if (ctx.apiBudgetTps !== null) withApiBudget(client, ctx.apiBudgetTps);
  const writes = new RateLimiter(WRITE_BUDGET_TPS);
  const signal = context
    ? AbortSignal.timeout(Math.max(0, context.getRemainingTimeInMillis() - ctx.deadlineMarginMs))
    : undefined;
  return {
    api: () => ivschatRoomApi(client, target.region),
    writeBudget: () => writes,
    trail: new TableTrail(ctx.dynamo, ctx.tableName, target),
    actor,
    clock: ctx.clock,
    ...(signal ? { signal } : {}),
  };
}

/**
 * "fixed by the auditor (<changeId>)" on the findings this audit resolved that the auditor's own
 * remediation fixed since they were first seen. Best effort: without the trail they resolve unexplained.
 */
export async function explainFixed(
  ctx: EngineContext,
  target: AuditTarget,
  resolved: readonly Finding[],
  /** Also return the writes no delivered alert listed since this time (ISO 8601), read in the same query. */
  unreportedFrom?: string,
): Promise<TrailEntry[]> {
  const unexplained = resolved.filter((f) => !f.resolvedReason);
  // ISO 8601 strings of one format sort as their instants do.
  const from = [
    ...unexplained.map((f) => f.firstSeen),
    ...(unreportedFrom ? [unreportedFrom] : []),
  ].sort()[0];
  if (from === undefined) return [];
  try {
    const items = await new TableTrail(ctx.dynamo, ctx.tableName, target).read(from);
    markFixedByAuditor(
      unexplained,
      items.map(({ entry }) => entry),
    );
    return unreportedFrom ? unreportedWrites(items.filter(({ entry }) => entry.time >= unreportedFrom)) : [];
  } catch (error) {
    ctx.logger.warn('remediation trail not read', { ...target, error: error as Error });
    return [];
  }
}

/**
 * Writes of earlier runs that no delivered alert listed (that run's alert failed past its retries):
 * this run's alert lists them, so people hear of every write. The trail keeps them either way.
 */
function listEarlierWrites(outcome: AuditedOutcome, unreported: readonly TrailEntry[], startedAt: string) {
  const earlier = unreported.filter((e) => e.time < startedAt);
  if (earlier.length === 0) return;
  const none = {
    mode: 'apply' as const,
    planned: [],
    skipped: [],
    tripped: [],
    entries: [],
    totals: { planned: 0, applied: 0, skipped: 0, failed: 0 },
  };
  outcome.remediation = { ...(outcome.remediation ?? none), earlier: earlier.slice(-MAX_KEPT) };
}

/**
 * A complete audit covers whatever a change storm left to it (lambda/state/full-audit-due.ts). Best
 * effort: a mark left behind only says a full audit is due, and its TTL removes it.
 */
async function clearFullAuditDue(ctx: EngineContext, target: AuditTarget, startedAt: string): Promise<void> {
  try {
    if (await new FullAuditDue(ctx.dynamo, ctx.tableName).clear(target, startedAt)) {
      ctx.logger.info('full audit done; the change storm mark is cleared', { ...target });
    }
  } catch (error) {
    ctx.logger.warn('full-audit-due mark not cleared', { ...target, error: error as Error });
  }
}

/** Why the target counts as not audited at all (not merely incomplete), or undefined. */
function whyNotAudited(target: AuditTarget, audited: AuditedRun, roleName: string): string | undefined {
  if (audited.withheld) return audited.withheld;
  if (audited.accountId !== target.accountId) {
    return `the credentials for account ${target.accountId} answer as account ${audited.accountId || '(unknown)'}; check the member role's trust and the accounts setting`;
  }
  return accessDeniedError(target, audited.report.errors, roleName)?.message;
}

/** Rooms the deadline left for the next invocation (listing cut short counts as one: not all known). */
function roomsRemaining(inventories: readonly RegionInventory[]): number {
  let remaining = 0;
  for (const inv of inventories) {
    remaining += inv.notReached.length;
    if (inv.errors.some((e) => e.code === 'DeadlineReached')) remaining += 1;
  }
  return remaining;
}

function apiCalls(inventories: readonly RegionInventory[]): number {
  return inventories.reduce((n, i) => n + i.calls.listRooms + i.calls.getRoom, 0);
}
