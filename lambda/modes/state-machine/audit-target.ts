/**
 * The audit-target step: one invocation of one target's (account × region) audit. The child workflow
 * calls it again while it answers `done: false`.
 *
 * List once per run: an invocation the deadline stops short keeps the target's listing in the run's
 * items (state/run-listing.ts: the summaries, where ListRooms stopped, the rooms left to fetch in
 * order). The invocations after it only fetch the queued rooms into the room cache, with the run's
 * start as their fetch time (inventory/listed-fetch.ts); the one that empties the queue evaluates
 * every room from the kept listing, the cache answering for the rooms fetched earlier. That invocation
 * holds the complete picture of the target: only it reconciles and stores the outcome, and a first
 * audit of 50,000 rooms lists them once and then spends its invocations on GetRoom alone.
 *
 * Every invocation assumes a fresh member-role session: no credentials outlive an invocation (15
 * minutes), however long the target's audit takes.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { AwsConnection } from '../../aws/clients.js';
import { ivschatClient } from '../../aws/clients.js';
import { RateLimiter, withApiBudget } from '../../aws/rate-limit.js';
import { type AuditTarget, accessDeniedError, targetCredentials } from '../../aws/targets.js';
import { METRIC } from '../../core/metric-names.js';
import type { RegionInventory } from '../../core/types.js';
import { fetchListedRooms } from '../../inventory/listed-fetch.js';
import { liveInventory } from '../../inventory/live.js';
import { SnapshotCollector, snapshotGap } from '../../inventory/snapshot-rooms.js';
import { explainFixed } from '../../pipeline/explain-fixed.js';
import { type AuditedRun, auditRun } from '../../pipeline/run-audit.js';
import { type AuditedOutcome, OUTCOME_VERSION, type TargetOutcome } from '../../pipeline/target-outcome.js';
import type { ExecutorOptions } from '../../remediate/apply.js';
import { FixCandidates, fixablePolicies, MAX_KEPT, remediateTarget } from '../../remediate/deployed.js';
import { callerArn, ivschatRoomApi } from '../../remediate/ivschat-api.js';
import type { TrailEntry } from '../../remediate/trail.js';
import { unreportedSince } from '../../remediate/trail-table.js';
import type { StatefulContext } from '../../runtime/context.js';
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

/** What this invocation collects from each room document it reads. */
interface Collectors {
  /** The room snapshot, unless a policy reads a field the snapshot does not keep. */
  snapshot?: SnapshotCollector;
  /** The documents a fix may need (remediation on). */
  candidates?: FixCandidates;
}

export async function auditTargetStep(
  ctx: StatefulContext,
  event: AuditTargetEvent,
): Promise<AuditTargetResult> {
  const runs = ctx.stores.run(event.runId);
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

  // The member role is assumed while the lock is taken: two round trips of every target at once, not
  // one after the other. The session of a target another run holds is never used.
  const [heldBy, access] = await Promise.all([
    lockTarget(ctx, event, target),
    targetCredentials(target, { roleName: ctx.config.memberRoleName, connection: ctx.connection }),
  ]);
  if (heldBy) return notAudited('skipped', heldBy);
  if (!access.ok) return notAudited('failed', access.error.message);
  const queued = await fetchQueuedRooms(ctx, event, target, access.connection);
  if (queued && (queued.remaining > 0 || ctx.deadline?.reached()) && event.iteration + 1 < MAX_ITERATIONS) {
    ctx.logger.info('target continues', {
      ...target,
      iteration: event.iteration,
      roomsRemaining: queued.remaining,
    });
    return result(false);
  }

  const collectors = roomCollectors(ctx);
  const audited = await auditRooms(ctx, event, target, access.connection, collectors);
  const failure = whyNotAudited(target, audited, ctx.config.memberRoleName);
  if (failure) return notAudited('failed', failure);
  const remaining = roomsRemaining(audited.inventories);
  if (remaining > 0 && event.iteration + 1 < MAX_ITERATIONS) {
    ctx.logger.info('target continues', { ...target, iteration: event.iteration, roomsRemaining: remaining });
    return result(false);
  }
  if (collectors.snapshot) {
    await storeSnapshot(ctx, collectors.snapshot, target, event.startedAt, audited.inventories);
  }
  const outcome = auditedOutcome(target, audited, event.iteration + 1);
  // One trail read: the findings it explains, and (remediation on) the writes no alert listed yet.
  const unreported = await explainFixed(
    ctx.stores.trail(target),
    ctx.logger,
    target,
    audited.reconciliation.resolvedFindings,
    ctx.config.remediation !== 'off' ? unreportedSince(event.startedAt) : undefined,
  );
  if (collectors.candidates) {
    await remediate(ctx, event, target, access.connection, audited, collectors.candidates, outcome);
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

/** Takes the target's lock for this run; another run's holding it is returned as the reason to skip. */
async function lockTarget(
  ctx: StatefulContext,
  event: AuditTargetEvent,
  target: AuditTarget,
): Promise<string | undefined> {
  const now = ctx.clock();
  const lock = await ctx.stores
    .locks()
    .acquire(target, event.runId, new Date(now.getTime() + LOCK_HOURS * 3_600_000), now);
  if (lock.ok) return undefined;
  ctx.logger.info('target locked by another run', { ...target, heldBy: lock.heldBy, until: lock.until });
  return `run ${lock.heldBy} is still auditing it (locked until ${lock.until})`;
}

/** Every invocation collects: only the one that reaches every room (cached ones included) stores them. */
function roomCollectors(ctx: StatefulContext): Collectors {
  const gap = snapshotGap(ctx.policies);
  if (gap) ctx.logger.info('no room snapshot', { reason: gap });
  const candidates = fixCandidates(ctx);
  return {
    ...(gap ? {} : { snapshot: new SnapshotCollector() }),
    ...(candidates ? { candidates } : {}),
  };
}

/**
 * The rooms an earlier invocation listed and left queued, fetched without listing again (undefined:
 * none queued). The member role's ARN names the target's account, so the credentials are its own;
 * the first invocation checked who they answer as.
 */
async function fetchQueuedRooms(
  ctx: StatefulContext,
  event: AuditTargetEvent,
  target: AuditTarget,
  connection: AwsConnection,
) {
  const { deadline } = ctx;
  const fetched = await fetchListedRooms({
    target,
    connection,
    listing: ctx.stores.runListing(event.runId, event.index),
    roomCache: ctx.stores.roomCache(),
    startedAt: event.startedAt,
    ...(ctx.apiBudgetTps === null ? {} : { apiBudgetTps: ctx.apiBudgetTps }),
    ...(deadline ? { shouldStop: deadline.reached } : {}),
  });
  if (fetched) ctx.metrics.addMetric(METRIC.apiCalls, MetricUnit.Count, fetched.calls);
  return fetched;
}

/** This invocation's share of the target's rooms, reconciled at the run's one `now`. */
async function auditRooms(
  ctx: StatefulContext,
  event: AuditTargetEvent,
  target: AuditTarget,
  connection: AwsConnection,
  { snapshot, candidates }: Collectors,
): Promise<AuditedRun> {
  const collectors = [snapshot, candidates].filter((c) => c !== undefined);
  const { deadline } = ctx;
  const audited = await auditRun({
    inventory: liveInventory({
      regions: [target.region],
      policies: ctx.policies,
      routes: ctx.routes,
      connection,
      ...(ctx.apiBudgetTps === null ? {} : { apiBudgetTps: ctx.apiBudgetTps }),
      fullRefreshHours: ctx.config.fullRefreshHours,
      roomCache: ctx.stores.roomCache(),
      listing: ctx.stores.runListing(event.runId, event.index),
      ...(ctx.config.iacDrift ? { iacDrift: { store: ctx.stores.stackRooms() } } : {}),
      clock: ctx.clock,
      collectors,
      ...(deadline ? { shouldStop: deadline.reached } : {}),
    }),
    state: (accountId) =>
      accountId === undefined ? undefined : ctx.stores.targetState({ accountId, region: target.region }),
    // The aggregate step delivers one alert for the whole run; a target delivers nothing itself.
    sinks: [],
    // The run's one `now`: every target and every invocation reconciles at the execution's start.
    clock: () => new Date(event.startedAt),
    // The rooms are read now, in this invocation, hours after the execution started maybe.
    observationClock: ctx.clock,
    renotifyAfterHours: ctx.config.renotifyAfterHours,
  });
  ctx.metrics.addMetric(METRIC.apiCalls, MetricUnit.Count, apiCalls(audited.inventories));
  // E.g. stored findings that could not be read whole: their resolutions wait for the next run.
  for (const warning of audited.warnings) ctx.logger.warn('target warning', { ...target, warning });
  return audited;
}

/** What the aggregate step reads of a target audited to the end. */
function auditedOutcome(target: AuditTarget, audited: AuditedRun, iterations: number): AuditedOutcome {
  return {
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
    iterations,
  };
}

/** Plans (and in apply mode makes) the target's fixes; what it did goes into `outcome`. */
async function remediate(
  ctx: StatefulContext,
  event: AuditTargetEvent,
  target: AuditTarget,
  connection: AwsConnection,
  audited: AuditedRun,
  candidates: FixCandidates,
  outcome: AuditedOutcome,
): Promise<void> {
  const mode = ctx.config.remediation;
  if (mode === 'off') return; // no candidates are collected then
  const cleanup: (() => void)[] = [];
  const remediation = await remediateTarget({
    mode,
    findings: audited.report.findings,
    candidates,
    roomsAudited: audited.report.roomsAudited,
    complete: audited.report.complete,
    policies: ctx.policies,
    tag: ctx.config.remediationTagParsed,
    guards: { maxChanges: ctx.config.remediationMaxChanges, maxPercent: ctx.config.remediationMaxPercent },
    now: event.startedAt,
    executor: () => executorFor(ctx, target, connection, cleanup),
  }).finally(() => {
    for (const close of cleanup) close();
  });
  if (!remediation) return;
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

/**
 * The room snapshot of a complete audit (policy previews read it). Best effort: a failed write is
 * logged and the previous snapshot stays; the audit itself has succeeded.
 */
async function storeSnapshot(
  ctx: StatefulContext,
  snapshot: SnapshotCollector,
  target: AuditTarget,
  takenAt: string,
  inventories: readonly RegionInventory[],
): Promise<void> {
  try {
    await snapshot.write(ctx.stores.roomSnapshots(), target.accountId, takenAt, inventories);
  } catch (error) {
    ctx.logger.warn('room snapshot not stored', { ...target, error: error as Error });
  }
}

/** The room documents a fix may need, when remediation is on and some policy's fix is in play. */
function fixCandidates(ctx: StatefulContext): FixCandidates | undefined {
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
  ctx: StatefulContext,
  target: AuditTarget,
  connection: AwsConnection,
  /** Where the client's `destroy` goes, for the caller to run when the changes are done. */
  cleanup: (() => void)[],
): Promise<Omit<ExecutorOptions, 'policies'>> {
  const actor = await callerArn(target.region, connection);
  const client = ivschatClient(target.region, connection);
  cleanup.push(() => client.destroy());
  if (ctx.apiBudgetTps !== null) withApiBudget(client, ctx.apiBudgetTps);
  const writes = new RateLimiter(WRITE_BUDGET_TPS);
  const signal = ctx.deadline?.signal();
  return {
    api: () => ivschatRoomApi(client, target.region),
    writeBudget: () => writes,
    trail: ctx.stores.trail(target),
    actor,
    clock: ctx.clock,
    ...(signal ? { signal } : {}),
  };
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
async function clearFullAuditDue(
  ctx: StatefulContext,
  target: AuditTarget,
  startedAt: string,
): Promise<void> {
  try {
    if (await ctx.stores.fullAuditDue().clear(target, startedAt)) {
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
