import type { FieldValues } from '../core/fix.js';
import type { PlannedChange, RemediationPlan } from '../core/remediation-plan.js';
import { stripControl } from './escape.js';

/**
 * A remediation plan for a person: each change with its account, region, room and every field as
 * `field: from → to`, then the violations left alone and why. Room data is stripped of control
 * characters (a room name or handler uri must not forge lines in a terminal or log).
 */
export function renderPlanText(plan: RemediationPlan): string {
  const out: string[] = [];
  const rooms = new Set(plan.changes.map((c) => c.roomArn)).size;
  out.push(
    `PLAN ${count(plan.changes.length, 'change')} to ${count(rooms, 'room')} of ${plan.roomsAudited} audited`,
  );
  for (const change of plan.changes) out.push(...changeLines(change));
  if (plan.skipped.length > 0) {
    out.push('', `NOT PLANNED (${plan.skipped.length})`);
    for (const s of plan.skipped) {
      out.push(
        clean(`  ${s.accountId} ${s.region}  ${s.roomName || s.roomArn}  [${s.policyId}]  ${s.reason}`),
        clean(`    ${s.roomArn}`),
      );
    }
  }
  return `${out.join('\n')}\n`;
}

/** One change: its id and room, then a line per field. */
export function changeLines(change: PlannedChange, indent = '  '): string[] {
  return [
    clean(
      `${indent}${change.changeId}  ${change.accountId} ${change.region}  ${change.roomName || change.roomArn}  [${change.policyId}]`,
    ),
    clean(`${indent}  ${change.roomArn}`),
    ...fieldLines(change.before, change.after).map((line) => `${indent}  ${line}`),
  ];
}

export function fieldLines(before: FieldValues, after: FieldValues): string[] {
  return Object.entries(after).map(([field, to]) =>
    clean(`${field}: ${shown(before[field as keyof FieldValues])} → ${shown(to)}`),
  );
}

function shown(value: unknown): string {
  return value === undefined || value === null ? '(absent)' : JSON.stringify(value);
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function clean(s: string): string {
  return stripControl(s);
}
