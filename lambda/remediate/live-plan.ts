/**
 * The remediation plan of a live account, as `ivschat-audit remediate` makes it: the rooms of the
 * regions audited on the one inventory path (logging configurations joined, derived facts, the
 * evaluation an audit makes), the fixable findings of the opted-in rooms kept with their documents,
 * and the plan made from them. A policy that reads a joined fact plans as it audits.
 */

import { type PlanSkip, planRemediation, type RemediationPlan } from '../audit/remediation-plan.js';
import type { AwsConnection } from '../aws/clients.js';
import { appendAll } from '../core/append.js';
import { firstRegionOf } from '../core/arn.js';
import type { AuditError, Finding, RoomDocument } from '../core/types.js';
import { auditAccount, identifyAccount } from '../inventory/live-audit.js';
import type { EvaluatedRoom, RoomCollector } from '../inventory/room-evaluation.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { hasTag, notOptedIn } from './apply.js';
import type { OptInTag } from './deployed.js';
import { isSelftestRoom, SELFTEST_ROOM_SKIPPED } from './selftest-room.js';

export interface LivePlanOptions {
  regions: string[];
  connection: AwsConnection;
  apiBudgetTps: number;
  policies: readonly CompiledPolicy[];
  /** Only these policies' fixes are planned (every policy with a fix when absent). */
  policyIds?: ReadonlySet<string>;
  /** Only rooms carrying this tag are planned; the others are listed as not opted in. */
  tag?: OptInTag;
  signal: AbortSignal;
  /** The run's one `now` (evaluation, the plan's time). */
  now: string;
}

export interface LivePlan {
  plan: RemediationPlan;
  /** Why the audit is incomplete (the plan may then miss rooms): STS, IVS Chat and rule errors. */
  errors: AuditError[];
}

/** Lists and fetches every room of the regions, evaluates them, and plans the fixes. */
export async function planLive(options: LivePlanOptions): Promise<LivePlan> {
  const identity = await identifyAccount(firstRegionOf(options.regions), options.connection, options.signal);
  const accountId = identity.accountId ?? '';
  const fixable = new Set(
    options.policies
      .filter((p) => p.policy.fix && (!options.policyIds || options.policyIds.has(p.policy.id)))
      .map((p) => p.policy.id),
  );
  const candidates = new PlanCandidates(fixable, accountId, options.tag);
  const run = await auditAccount({
    regions: options.regions,
    policies: options.policies,
    connection: options.connection,
    apiBudgetTps: options.apiBudgetTps,
    identity,
    startedAt: options.now,
    signal: options.signal,
    collectors: [candidates],
  });
  const plan = planRemediation({
    findings: candidates.findings,
    rooms: candidates.rooms,
    roomsAudited: run.report.roomsAudited,
    policies: options.policies,
    ...(options.policyIds ? { policyIds: options.policyIds } : {}),
    now: options.now,
  });
  // The account first, then what the rules and IVS Chat said (the audit puts the account's error
  // into its first region; it is listed once).
  const errors: AuditError[] = identity.error ? [identity.error] : [];
  appendAll(errors, candidates.errors);
  for (const inventory of run.inventories) {
    appendAll(
      errors,
      inventory.errors.filter((e) => e !== identity.error),
    );
  }
  return { plan: { ...plan, skipped: [...plan.skipped, ...candidates.outside] }, errors };
}

/**
 * Keeps, as the audit evaluated them, the fixable findings and documents of the opted-in rooms (only
 * the documents a fix may need), and lists the fixable findings of the others as not opted in, and
 * those of a self-test room as never remediated.
 */
class PlanCandidates implements RoomCollector {
  readonly findings: Finding[] = [];
  readonly rooms = new Map<string, RoomDocument>();
  readonly outside: PlanSkip[] = [];
  /** Errors of the rules, room by room as evaluated. */
  readonly errors: AuditError[] = [];

  constructor(
    private readonly fixable: ReadonlySet<string>,
    private readonly accountId: string,
    private readonly tag: OptInTag | undefined,
  ) {}

  collect({ region, doc, evaluation }: EvaluatedRoom): void {
    appendAll(this.errors, evaluation.errors);
    const relevant = evaluation.findings.filter((f) => this.fixable.has(f.policyId));
    if (relevant.length === 0) return;
    const { tag, accountId } = this;
    const selftest = isSelftestRoom(doc);
    if (selftest || (tag && !hasTag(doc, tag))) {
      const reason = selftest ? SELFTEST_ROOM_SKIPPED : notOptedIn(tag as OptInTag);
      for (const { policyId, roomArn, roomName } of relevant) {
        this.outside.push({ policyId, accountId, region, roomArn, roomName, reason });
      }
      return;
    }
    appendAll(this.findings, relevant);
    this.rooms.set(doc.arn, doc);
  }
}
