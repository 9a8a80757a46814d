/**
 * One SQS batch of IVS Chat change events: audit only the rooms they name, through the same
 * pipeline, credentials, API budget, state, sinks and renderings as the scheduled run, and send ONE
 * alert for the batch. Every named room is read with GetRoom before any finding changes: a DeleteRoom
 * event resolves a room's findings only once GetRoom answers that the room is gone.
 *
 * At-least-once, as everywhere: each transition is claimed in the state table (owed to every sink)
 * before the alert goes out and settled after; when every sink fails the claims are released. A
 * target that fails (its role, the state table, an IVS Chat read its rooms' verdict needs) has its
 * messages returned in `batchItemFailures`, so SQS delivers them again (after 5 receives they go to
 * the alarmed dead-letter queue); a failed delivery returns every message, with anything it claimed
 * still owed, so the retry or the next run sends it.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { runAlert } from '../../alert/run-alert.js';
import { CHANGE_PATH_MEMBER_ACTIONS } from '../../aws/session-policy.js';
import { type AuditTarget, accessDeniedError, targetCredentials } from '../../aws/targets.js';
import { AuditorError } from '../../core/errors.js';
import { CHANGE_METRIC } from '../../core/metric-names.js';
import { type ChangedRoomsStats, changedRooms, type TargetChanges } from '../../inventory/changed.js';
import { type NotifyOutcome, notifyAndRecord } from '../../pipeline/deliver.js';
import { explainFixed } from '../../pipeline/explain-fixed.js';
import { storeByTarget, targetSinks } from '../../pipeline/routing.js';
import { type AuditedRun, auditRun } from '../../pipeline/run-audit.js';
import { clipText } from '../../pipeline/run-summary.js';
import type { StatefulContext } from '../../runtime/context.js';
import { isOrganization } from '../../settings/checks.js';
import { CHANGE_CONCURRENCY } from '../../settings/table.js';
import {
  type Change,
  changeMessages,
  coalesceChanges,
  type IgnoreReason,
  parseChangeEvent,
} from './events.js';
import { ownRoleArns } from './own-roles.js';

/** At most this many names in a summary list. */
export const MAX_SUMMARY_NAMES = 20;

/** Why a well-formed change is not this auditor's to audit (its `accounts` and `regions` settings). */
export type ScopeReason = 'account not audited' | 'region not audited';

/** Small whatever the batch held: counts, and at most 20 names per list. */
export interface ChangeBatchSummary {
  /** Messages (events) in the batch. */
  events: number;
  /** Events that changed nothing to audit, all reasons together. */
  ignored: number;
  ignoredReasons: Partial<Record<IgnoreReason | ScopeReason, number>>;
  /** Writes by the auditor's own roles (its remediation): ignored, confirmed by the next audit. */
  ownChanges: number;
  /** Calls that failed (`errorCode` set) and so changed nothing. */
  failedCalls: number;
  /** Targets (account × region) with changes. */
  targets: number;
  /** Targets whose processing failed; their messages are retried. */
  failedTargets: number;
  /** `account/region: why` of the first failed targets. */
  failures: string[];
  /** Rooms audited. */
  rooms: number;
  getRoomCalls: number;
  /** Rooms GetRoom answered as gone (ResourceNotFoundException): their findings resolve. */
  deletedRooms: number;
  /** Targets a storm left to their next full audit (marked due). */
  fullAuditsDue: number;
  /** `account/region` of the first of them. */
  fullAuditDue: string[];
  newFindings: number;
  resolvedFindings: number;
  /** Messages the sinks accepted. */
  published: number;
}

export interface ChangeBatchResult {
  /** The SQS messages to deliver again (partial-batch response). */
  batchItemFailures: { itemIdentifier: string }[];
  summary: ChangeBatchSummary;
}

interface AuditedChanges {
  target: AuditTarget;
  changes: TargetChanges;
  audited: AuditedRun;
  stats: ChangedRoomsStats;
}

export async function changeBatch(ctx: StatefulContext, event: unknown): Promise<ChangeBatchResult> {
  const messages = changeMessages(event);
  const summary = emptyTally(messages.length);
  const ignore = (reason: IgnoreReason | ScopeReason, log: Record<string, unknown>) => {
    summary.ignoredReasons[reason] = (summary.ignoredReasons[reason] ?? 0) + 1;
    ctx.logger.info('change event ignored', { reason, ...log });
  };

  // Known before parsing: the function role's writes are its own only in its own account.
  const selfAccountId = messages.some((m) => !m.malformed) ? await ctx.ownAccountId() : '';
  const own = {
    ownRoleArns: ownRoleArns({
      functionRoleName: ctx.config.functionRoleName,
      functionRoleArn: ctx.config.functionRoleArn,
      selfAccountId,
      memberRoleName: ctx.config.memberRoleName,
    }),
  };
  const parsed: { change: Change; messageId?: string }[] = [];
  for (const message of messages) {
    const id = message.messageId ? { messageId: message.messageId } : {};
    if (message.malformed) {
      ignore('malformed message', { ...id, detail: message.malformed });
      continue;
    }
    const result = parseChangeEvent(message.event, own);
    if ('ignored' in result) {
      ignore(result.ignored, { ...id, eventId: result.eventId, detail: result.detail });
    } else {
      parsed.push({ change: result.change, ...id });
    }
  }

  const inScope = parsed.filter(({ change, messageId }) => {
    const why = outOfScope(ctx, change, selfAccountId);
    if (why) ignore(why, { messageId, accountId: change.accountId, region: change.region });
    return !why;
  });

  const targets = coalesceChanges(inScope);
  summary.targets = targets.length;
  // The batch's one `now`: every target reconciles and records at it.
  const startedAt = ctx.clock().toISOString();
  const audited: AuditedChanges[] = [];
  const failed: TargetChanges[] = [];
  const fail = (changes: TargetChanges, error: unknown) => {
    failed.push(changes);
    const reason = error instanceof Error ? error.message : String(error);
    if (summary.failures.length < MAX_SUMMARY_NAMES) {
      summary.failures.push(`${changes.accountId}/${changes.region}: ${clipText(reason, 200)}`);
    }
    ctx.logger.error('change target failed; its messages are retried', {
      accountId: changes.accountId,
      region: changes.region,
      error: error as Error,
    });
  };
  for (const changes of targets) {
    if (ctx.deadline?.reached()) {
      fail(changes, new AuditorError('the invocation ran out of time before this target'));
      continue;
    }
    try {
      audited.push(await auditChanges(ctx, changes, selfAccountId, startedAt));
    } catch (error) {
      fail(changes, error);
    }
  }

  let outcome: NotifyOutcome;
  try {
    outcome = await deliver(ctx, audited, startedAt);
  } catch (error) {
    ctx.logger.error('change alert not delivered; what was claimed stays owed, every message is retried', {
      error: error as Error,
    });
    return {
      batchItemFailures: retry(messages.flatMap((m) => (m.messageId ? [m.messageId] : []))),
      summary: summarise(summary),
    };
  }
  summary.published = outcome.published;
  summary.newFindings = outcome.alert.newFindings.length;
  summary.resolvedFindings = outcome.alert.resolvedFindings.length;

  // Only once the alert is out: a batch retried after a failed delivery must not count a storm twice.
  const due = ctx.stores.fullAuditDue();
  for (const a of audited) {
    const inventory = a.audited.inventories[0];
    summary.rooms += inventory?.audited.length ?? 0;
    summary.getRoomCalls += inventory?.calls.getRoom ?? 0;
    summary.deletedRooms += inventory?.deleted.length ?? 0;
    if (a.stats.leftOver === 0) continue;
    try {
      await due.mark(a.target, a.stats.leftOver, new Date(startedAt));
      summary.fullAuditsDue++;
      if (summary.fullAuditDue.length < MAX_SUMMARY_NAMES) {
        summary.fullAuditDue.push(`${a.target.accountId}/${a.target.region}`);
      }
      ctx.logger.warn('change storm: full audit due', { ...a.target, left: a.stats.leftOver });
    } catch (error) {
      fail(a.changes, error);
    }
  }
  summary.failedTargets = failed.length;
  const result = summarise(summary);
  emitMetrics(ctx, result);
  ctx.logger.info('change batch finished', { ...result });
  return { batchItemFailures: retry(failed.flatMap((t) => t.messageIds)), summary: result };
}

/** One target's changed rooms, reconciled against its state (delivered later, with the batch). */
async function auditChanges(
  ctx: StatefulContext,
  changes: TargetChanges,
  selfAccountId: string,
  startedAt: string,
): Promise<AuditedChanges> {
  const target: AuditTarget = {
    accountId: changes.accountId,
    region: changes.region,
    assumeRole: changes.accountId !== selfAccountId,
  };
  const access = await targetCredentials(target, {
    roleName: ctx.config.memberRoleName,
    connection: ctx.connection,
    // Reads only, whatever the member role may do (UpdateRoom with remediation=apply).
    sessionActions: CHANGE_PATH_MEMBER_ACTIONS,
  });
  if (!access.ok) throw new AuditorError(access.error.message);
  const source = changedRooms({
    changes,
    policies: ctx.policies,
    routes: ctx.routes,
    connection: access.connection,
    // The queue runs up to CHANGE_CONCURRENCY batches at once: together they keep the target's budget.
    ...(ctx.apiBudgetTps === null ? {} : { apiBudgetTps: ctx.apiBudgetTps / CHANGE_CONCURRENCY }),
    maxRooms: ctx.config.changeMaxRooms,
    ...(ctx.deadline ? { timeLeftMs: ctx.deadline.timeLeftMs } : {}),
    roomCache: ctx.stores.roomCache(),
    fullRefreshHours: ctx.config.fullRefreshHours,
    clock: ctx.clock,
  });
  const audited = await auditRun({
    inventory: source,
    state: () => ctx.stores.targetState(target),
    // The batch delivers one alert for every target.
    sinks: [],
    clock: () => new Date(startedAt),
    renotifyAfterHours: ctx.config.renotifyAfterHours,
  });
  // E.g. stored findings that could not be read whole: their resolutions wait for the next run.
  for (const warning of audited.warnings) ctx.logger.warn('target warning', { ...target, warning });
  // A role without the right to read rooms is the target's failure, retried until someone fixes it.
  const denied = accessDeniedError(
    target,
    audited.inventories.flatMap((i) => i.errors),
    ctx.config.memberRoleName,
  );
  if (denied) throw new AuditorError(denied.message);
  // Acknowledging the messages would lose the change until the next schedule: retry them instead.
  const failed = source.stats.failed;
  if (failed) {
    const room = failed.roomArn ? ` for ${failed.roomArn}` : '';
    throw new AuditorError(`${failed.operation} failed${room} (${failed.code}: ${failed.message})`);
  }
  // A finding the auditor's remediation fixed says so, as in the scheduled audit's alert.
  await explainFixed(ctx.stores.trail(target), ctx.logger, target, audited.reconciliation.resolvedFindings);
  return { target, changes, audited, stats: source.stats };
}

async function deliver(ctx: StatefulContext, audited: readonly AuditedChanges[], now: string) {
  const parts = audited.map(({ target, audited: a }) => ({
    accountId: target.accountId,
    region: target.region,
    report: a.report,
    newFindings: a.reconciliation.newFindings,
    resolvedFindings: a.reconciliation.resolvedFindings,
    reminders: a.reconciliation.reminders,
  }));
  const alert = runAlert(parts, []);
  // Exemptions are recorded (and told to the sinks that keep transitions) as in a scheduled run.
  alert.exemptedFindings = audited.flatMap((a) => a.audited.reconciliation.exemptedFindings);
  return notifyAndRecord({
    alert,
    sinks: targetSinks(
      { settings: ctx.config, deps: ctx.sinkDeps, connection: ctx.connection },
      audited.map((a) => a.target),
    ),
    store: storeByTarget((target) => ctx.stores.targetState(target)),
    changes: audited.flatMap((a) => a.audited.reconciliation.changes),
    now,
  });
}

/** Changes in accounts or regions this auditor does not audit (its `accounts`, `regions`). */
function outOfScope(ctx: StatefulContext, change: Change, selfAccountId: string): ScopeReason | undefined {
  const { accounts, regions } = ctx.config;
  const account =
    accounts.length === 0
      ? change.accountId === selfAccountId
      : isOrganization(accounts) || accounts.includes(change.accountId);
  if (!account) return 'account not audited';
  if (!regions.includes(change.region)) return 'region not audited';
  return undefined;
}

function retry(messageIds: readonly string[]) {
  return [...new Set(messageIds)].map((itemIdentifier) => ({ itemIdentifier }));
}

/** The summary as the batch counts it: the counts `ignoredReasons` already holds are derived from it. */
type Tally = Omit<ChangeBatchSummary, 'ignored' | 'ownChanges' | 'failedCalls'>;

/** The counts of ignored events are derived from their reasons, so they cannot disagree. */
function summarise({ events, ignoredReasons, ...rest }: Tally): ChangeBatchSummary {
  return {
    events,
    ignored: Object.values(ignoredReasons).reduce((sum, n) => sum + (n ?? 0), 0),
    ignoredReasons,
    ownChanges: ignoredReasons['own change'] ?? 0,
    failedCalls: ignoredReasons['failed call'] ?? 0,
    ...rest,
  };
}

function emptyTally(events: number): Tally {
  return {
    events,
    ignoredReasons: {},
    targets: 0,
    failedTargets: 0,
    failures: [],
    rooms: 0,
    getRoomCalls: 0,
    deletedRooms: 0,
    fullAuditsDue: 0,
    fullAuditDue: [],
    newFindings: 0,
    resolvedFindings: 0,
    published: 0,
  };
}

function emitMetrics(ctx: StatefulContext, s: ChangeBatchSummary): void {
  const { metrics } = ctx;
  metrics.addMetric(CHANGE_METRIC.events, MetricUnit.Count, s.events);
  metrics.addMetric(CHANGE_METRIC.ignored, MetricUnit.Count, s.ignored);
  metrics.addMetric(CHANGE_METRIC.getRoomCalls, MetricUnit.Count, s.getRoomCalls);
  metrics.addMetric(CHANGE_METRIC.fullAuditsDue, MetricUnit.Count, s.fullAuditsDue);
  metrics.addMetric(CHANGE_METRIC.targetsFailed, MetricUnit.Count, s.failedTargets);
}
