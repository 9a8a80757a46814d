import * as crypto from 'node:crypto';
import { type FieldValues, fieldValues, fixedValues, holdsValues, withValues } from '../core/fix.js';
import { getOrCreate } from '../core/maps.js';
import type { Finding, RoomDocument } from '../core/types.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { Evaluator } from './evaluate.js';

/** One UpdateRoom the plan would make: one policy's fix on one room. */
export interface PlannedChange {
  /** Names the change in the plan, the trail and `--undo`. */
  changeId: string;
  policyId: string;
  accountId: string;
  region: string;
  roomArn: string;
  roomName: string;
  /** The room's updateTime when planned: a room changed since is not written. */
  updateTime?: string;
  /** The fields the fix sets, as the room has them (undefined: absent). */
  before: FieldValues;
  after: FieldValues;
}

/** A violation the plan leaves alone, and why (exempt, the fix would not make it pass, …). */
export interface PlanSkip {
  policyId: string;
  accountId: string;
  region: string;
  roomArn: string;
  roomName: string;
  reason: string;
}

export interface RemediationPlan {
  plannedAt: string;
  /** Rooms the plan was made from: the base of `maxPercent`. */
  roomsAudited: number;
  changes: PlannedChange[];
  skipped: PlanSkip[];
}

export interface PlanInput {
  /** The audit's findings (any status); only failing ones of policies with a fix lead to changes. */
  findings: readonly Finding[];
  /** The documents of the rooms with findings, by ARN (others are not needed). */
  rooms: ReadonlyMap<string, RoomDocument>;
  roomsAudited: number;
  /** Every policy of the set: a fix is checked not to break any of them. */
  policies: readonly CompiledPolicy[];
  /** Only these policies' fixes (`--policy`); default all with a fix. */
  policyIds?: ReadonlySet<string>;
  /** ISO 8601; stamps the plan and seeds the change ids. */
  now: string;
}

/**
 * Findings + room documents + policies → the UpdateRoom calls that would fix them. Pure: the CLI and
 * the Lambda both plan with it, then hand the plan to the executor. Each fix is simulated on the
 * room as UpdateRoom would leave it: a change is planned only when the room then passes the policy
 * and breaks no other policy's rule. Two fixes on one room are planned in policy order, the second
 * from the room as the first leaves it.
 */
export function planRemediation(input: PlanInput): RemediationPlan {
  const evaluator = new Evaluator(input.policies, { cache: false });
  const fixes = new Map(
    input.policies
      .filter((p) => p.policy.fix && (!input.policyIds || input.policyIds.has(p.policy.id)))
      .map((p) => [p.policy.id, p.policy.fix?.set ?? {}] as const),
  );
  const byRoom = new Map<string, Map<string, Finding>>();
  for (const f of input.findings) {
    if (!fixes.has(f.policyId) || f.status === 'resolved') continue;
    const policies = getOrCreate(byRoom, f.roomArn, () => new Map<string, Finding>());
    // An exempt finding wins: a room exempt from a policy is never written for it.
    if (!policies.has(f.policyId) || f.status === 'exempt') policies.set(f.policyId, f);
  }

  const changes: PlannedChange[] = [];
  const skipped: PlanSkip[] = [];
  for (const roomArn of [...byRoom.keys()].sort()) {
    const findings = byRoom.get(roomArn) ?? new Map<string, Finding>();
    let room = input.rooms.get(roomArn);
    for (const policyId of [...findings.keys()].sort()) {
      const finding = findings.get(policyId) as Finding;
      const where = {
        policyId,
        accountId: finding.accountId,
        region: finding.region,
        roomArn,
        roomName: finding.roomName,
      };
      const skip = (reason: string) => skipped.push({ ...where, reason });
      if (finding.status === 'exempt') {
        skip(`exempt: ${finding.exemption?.reason ?? 'listed in the policy'}`);
        continue;
      }
      if (!room) {
        skip('no room document to plan from');
        continue;
      }
      const set = fixes.get(policyId) ?? {};
      const ctx = { now: input.now, accountId: finding.accountId, region: finding.region };
      const reason = whyNot(evaluator, room, set, policyId, ctx);
      if (reason) {
        skip(reason);
        continue;
      }
      changes.push({
        changeId: changeId(input.now, roomArn, policyId),
        ...where,
        ...(room.updateTime ? { updateTime: room.updateTime } : {}),
        before: fieldValues(room, Object.keys(set)),
        after: fixedValues(room, set),
      });
      room = withValues(room, set);
    }
  }
  return { plannedAt: input.now, roomsAudited: input.roomsAudited, changes, skipped };
}

/** Why the fix of `policyId` must not be written to this room, or undefined when it may. */
export function whyNot(
  evaluator: Evaluator,
  room: RoomDocument,
  set: FieldValues,
  policyId: string,
  ctx: { now: string; accountId?: string; region?: string },
): string | undefined {
  if (holdsValues(room, set)) return 'the room already has the values the fix sets';
  const before = evaluator.evaluate(room, ctx);
  if (!before.findings.some((f) => f.policyId === policyId && f.status !== 'exempt')) {
    return before.findings.some((f) => f.policyId === policyId)
      ? 'exempt from the policy'
      : 'the room no longer violates the policy';
  }
  const after = evaluator.evaluate(withValues(room, set), ctx);
  if (after.errors.length > 0)
    return `the rules could not be checked after the fix: ${after.errors[0]?.message}`;
  const still = after.findings.find((f) => f.policyId === policyId);
  if (still) return `the fix would not make it pass: ${still.message}`;
  const known = new Set(before.findings.map((f) => f.fingerprint));
  const broken = after.findings.find((f) => !known.has(f.fingerprint));
  if (broken) return `the fix would break policy ${broken.policyId}: ${broken.message}`;
  return undefined;
}

export interface Guards {
  /** At most this many changes. */
  maxChanges: number;
  /** At most this share of the audited rooms changed, in percent. */
  maxPercent: number;
}

/**
 * What a plan exceeds, one sentence per guard (none: within the guards). Checked before the first
 * write: a plan over a guard changes nothing at all.
 */
export function guardProblems(
  plan: RemediationPlan,
  guards: Guards,
  /** How the guards are called where they were set (CLI flags, deployment context). */
  names: Record<keyof Guards, string> = { maxChanges: 'maxChanges', maxPercent: 'maxPercent' },
): string[] {
  const problems: string[] = [];
  const count = plan.changes.length;
  if (count > guards.maxChanges) {
    problems.push(`${count} changes planned, more than ${names.maxChanges} ${guards.maxChanges}`);
  }
  const rooms = new Set(plan.changes.map((c) => c.roomArn)).size;
  const percent = plan.roomsAudited > 0 ? (rooms / plan.roomsAudited) * 100 : 0;
  if (percent > guards.maxPercent) {
    problems.push(
      `${rooms} of ${plan.roomsAudited} audited rooms would change (${round(percent)}%), more than ${names.maxPercent} ${guards.maxPercent}`,
    );
  }
  return problems;
}

function round(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/** Short, unique per plan, and the same for the same plan (so a saved plan names its changes). */
export function changeId(plannedAt: string, roomArn: string, policyId: string): string {
  const hash = crypto.createHash('sha256').update(JSON.stringify(['change', plannedAt, roomArn, policyId]));
  return `chg-${hash.digest('hex').slice(0, 12)}`;
}
