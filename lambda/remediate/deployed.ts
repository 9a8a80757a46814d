/**
 * Remediation as the deployed auditor runs it, per target, after the target's audit: `plan` says what
 * it would change, `apply` changes it (only fixes marked `auto`, only rooms carrying the opt-in tag,
 * within the guards, through the same executor and re-read guard as the CLI). Knows nothing of the
 * state machine: the audit-target step hands it the findings, the room documents and an executor.
 */

import {
  type Guards,
  guardProblems,
  type PlannedChange,
  type PlanSkip,
  planRemediation,
} from '../audit/remediation-plan.js';
import type { Finding, RoomDocument } from '../core/types.js';
import type { EvaluatedRoom, RoomCollector } from '../inventory/room-evaluation.js';
import type { CompiledPolicy } from '../policy/compile.js';
import type { ActiveRemediationMode } from '../settings/table.js';
import { applyPlan, type ExecutorOptions, hasTag, notOptedIn } from './apply.js';
import { isSelftestRoom, SELFTEST_ROOM_SKIPPED } from './selftest-room.js';
import type { Trail, TrailEntry } from './trail.js';

export type DeployedMode = ActiveRemediationMode;

/** At most this many of each list are kept in a target's outcome; `omitted` counts the rest. */
export const MAX_KEPT = 100;

/** What the auditor did, or would do, about one target's fixable violations (bounded). */
export interface TargetRemediation {
  mode: DeployedMode;
  /** The opt-in tag as `key=value`: the command an alert shows plans with it too. */
  tag?: string;
  planned: PlannedChange[];
  skipped: PlanSkip[];
  /** Guards the plan exceeds, one sentence each: then nothing was (or would be) written. */
  tripped: string[];
  /** Apply mode: every change made, skipped or failed, as the trail records it. */
  entries: TrailEntry[];
  /** Items of the lists above left out (over `MAX_KEPT` each). */
  omitted?: number;
  /** The whole target's counts, before the lists were cut to `MAX_KEPT` (metrics and the summary). */
  totals: { planned: number; applied: number; skipped: number; failed: number };
  /** Why remediation stopped before its end (the trail or STS failed); the audit itself stands. */
  error?: string;
  /** Writes of earlier runs no delivered alert listed (that run's alert failed): listed now. */
  earlier?: TrailEntry[];
}

/** How the deployment names its guards, so a tripped guard's sentence says what to change. */
export const DEPLOYED_GUARD_NAMES: Record<keyof Guards, string> = {
  maxChanges: 'remediationMaxChanges',
  maxPercent: 'remediationMaxPercent',
};

export interface OptInTag {
  key: string;
  value: string;
}

/** The policies whose fixes the mode deals with: every fix to plan, only `auto` ones to apply. */
export function fixablePolicies(policies: readonly CompiledPolicy[], mode: DeployedMode): CompiledPolicy[] {
  return policies.filter((p) => p.policy.fix && (mode === 'plan' || p.policy.fix.auto === true));
}

/**
 * Keeps, as the audit evaluated them, the documents of the rooms a fix may be planned for: opted in
 * and failing a fixable policy. Every other document is let go at once: a target may have 50,000 rooms.
 * A self-test room is never a candidate, opted in or not (selftest-room.ts); its ARN is kept so the
 * plan says why it was left alone.
 */
export class FixCandidates implements RoomCollector {
  readonly rooms = new Map<string, RoomDocument>();
  readonly selftestRooms = new Set<string>();
  private readonly fixable: ReadonlySet<string>;

  constructor(
    fixable: readonly CompiledPolicy[],
    private readonly tag: OptInTag,
  ) {
    this.fixable = new Set(fixable.map((p) => p.policy.id));
  }

  collect({ doc, evaluation }: EvaluatedRoom): void {
    if (isSelftestRoom(doc)) {
      this.selftestRooms.add(doc.arn);
      return;
    }
    if (!hasTag(doc, this.tag)) return;
    const failing = evaluation.findings.some((f) => f.status !== 'exempt' && this.fixable.has(f.policyId));
    if (failing) this.rooms.set(doc.arn, doc);
  }
}

export interface DeployedRemediationOptions {
  mode: DeployedMode;
  /** The target's reconciled findings (any status). */
  findings: readonly Finding[];
  candidates: FixCandidates;
  roomsAudited: number;
  /** Whether the audit reached every room: an incomplete one may miss rooms, so it writes nothing. */
  complete: boolean;
  /** The whole policy set: a fix must break none of them. */
  policies: readonly CompiledPolicy[];
  tag: OptInTag;
  guards: Guards;
  now: string;
  /** Apply mode: the executor's calls, trail and actor; built only once there is something to write. */
  executor: () => Promise<Omit<ExecutorOptions, 'policies'>>;
}

/** Plans, and in apply mode applies, one target's fixes; undefined when there is nothing to tell. */
export async function remediateTarget(o: DeployedRemediationOptions): Promise<TargetRemediation | undefined> {
  const policyIds = new Set(fixablePolicies(o.policies, o.mode).map((p) => p.policy.id));
  if (policyIds.size === 0) return undefined;
  const plannable: Finding[] = [];
  const outside = new Map<string, PlanSkip>();
  const reason = notOptedIn(o.tag);
  for (const f of o.findings) {
    if (!policyIds.has(f.policyId) || f.status === 'resolved') continue;
    // Exempt findings go to the planner, which says so; a room without a kept document is not opted in.
    if (f.status === 'exempt' || o.candidates.rooms.has(f.roomArn)) {
      plannable.push(f);
    } else {
      const { policyId, accountId, region, roomArn, roomName } = f;
      const why = o.candidates.selftestRooms.has(roomArn) ? SELFTEST_ROOM_SKIPPED : reason;
      outside.set(`${roomArn}\n${policyId}`, { policyId, accountId, region, roomArn, roomName, reason: why });
    }
  }
  const plan = planRemediation({
    findings: plannable,
    rooms: o.candidates.rooms,
    roomsAudited: o.roomsAudited,
    policies: o.policies,
    policyIds,
    now: o.now,
  });
  const skipped = [...plan.skipped, ...outside.values()];
  const tripped = guardProblems(plan, o.guards, DEPLOYED_GUARD_NAMES);
  if (plan.changes.length === 0 && skipped.length === 0) return undefined;

  const entries: TrailEntry[] = [];
  let error: string | undefined;
  if (o.mode === 'apply' && plan.changes.length > 0 && !o.complete) {
    // As the CLI: the guards' share and the plan itself are only as good as the audit.
    error =
      'the audit of the target is incomplete (see its errors), so the plan may miss rooms: nothing was changed';
  } else if (o.mode === 'apply' && tripped.length === 0 && plan.changes.length > 0) {
    try {
      const executor = await o.executor();
      // Entries are kept before the trail takes them: a write whose trail record failed is still
      // reported (with the error), so people hear of every write even when the table does not.
      const trail: Trail = {
        append: async (entry) => {
          entries.push(entry);
          await executor.trail.append(entry);
        },
        entries: () => executor.trail.entries(),
      };
      await applyPlan(plan, o.guards, { ...executor, trail, policies: o.policies, requireTag: o.tag });
      const notTried = plan.changes.length - entries.length;
      if (executor.signal?.aborted && notTried > 0) {
        error = `the invocation's deadline came first: ${notTried} planned change(s) not attempted; the next run plans them again`;
      }
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
  }
  return bounded({
    mode: o.mode,
    tag: `${o.tag.key}=${o.tag.value}`,
    planned: plan.changes,
    skipped,
    tripped,
    entries,
    ...(error ? { error } : {}),
  });
}

function bounded(whole: Omit<TargetRemediation, 'totals'>): TargetRemediation {
  const count = (outcome: TrailEntry['outcome']) => whole.entries.filter((e) => e.outcome === outcome).length;
  const r: TargetRemediation = {
    ...whole,
    totals: {
      planned: whole.planned.length,
      applied: count('applied'),
      skipped: count('skipped'),
      failed: count('failed'),
    },
  };
  const over = [r.planned, r.skipped, r.entries].reduce(
    (n, list) => n + Math.max(0, list.length - MAX_KEPT),
    0,
  );
  if (over === 0) return r;
  return {
    ...r,
    planned: r.planned.slice(0, MAX_KEPT),
    skipped: r.skipped.slice(0, MAX_KEPT),
    entries: r.entries.slice(0, MAX_KEPT),
    omitted: over,
  };
}

/**
 * Marks the resolved findings whose (room, policy) the auditor fixed since they were first seen:
 * `resolvedReason` "fixed by the auditor (<changeId>)". In place: the records to store hold the same
 * objects. A finding that already has a reason (room deleted) keeps it.
 */
export function markFixedByAuditor(resolved: readonly Finding[], trail: readonly TrailEntry[]): number {
  let marked = 0;
  for (const f of resolved) {
    if (f.resolvedReason) continue;
    const fix = trail.findLast(
      (e) =>
        e.kind === 'fix' &&
        e.outcome === 'applied' &&
        e.roomArn === f.roomArn &&
        e.policyId === f.policyId &&
        e.time >= f.firstSeen,
    );
    if (!fix) continue;
    f.resolvedReason = `fixed by the auditor (${fix.changeId})`;
    marked++;
  }
  return marked;
}
