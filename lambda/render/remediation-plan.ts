import type { AlertRemediation } from '../alert/alert.js';
import type { PlannedChange, RemediationPlan } from '../audit/remediation-plan.js';
import type { FieldValues } from '../core/fix.js';
import type { TrailEntry } from '../remediate/trail.js';
import { stripControl } from './escape.js';
import { shellWord } from './shell-word.js';

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

/** Escapes one untrusted value for the medium (terminal, email, Slack), cutting it to `max`. */
export type Escape = (s: string, max: number) => string;

/**
 * The command that applies a planned change: `remediate` plans again from the live rooms, shows
 * the plan, and applies it within its guards. It works with the credentials it runs with, and the
 * member role (trusted by the auditor alone, with no write permission in plan mode) is not for
 * people: so it is run with credentials for the room's account.
 */
export function applyCommand(change: Pick<PlannedChange, 'region' | 'policyId'>, tag?: string): string {
  // Every value one shell word: a command line shown in an alert is pasted into a shell as it is.
  const optIn = tag ? ` --tag ${shellWord(tag)}` : '';
  return `ivschat-audit remediate --region ${shellWord(change.region)} --policy ${shellWord(change.policyId)}${optIn} --apply`;
}

/**
 * The remediation section of an alert as plain lines: the heading, then (plan) each planned change
 * with its fields and the commands that apply them, or (apply) each change made, skipped or failed,
 * then tripped guards, stopped targets and the violations left alone. Untrusted text goes through `esc`.
 */
export function remediationSection(r: AlertRemediation, esc: Escape): { title: string; lines: string[] } {
  const out: string[] = [];
  const room = (c: {
    accountId: string;
    region: string;
    roomName: string;
    roomArn: string;
    policyId: string;
  }) =>
    `${esc(c.accountId, 64)} ${esc(c.region, 64)}  ${esc(c.roomName || c.roomArn, 256)}  [${esc(c.policyId, 128)}]`;
  const fields = (before: FieldValues, after: FieldValues) =>
    Object.entries(after).map(
      ([field, to]) =>
        `    ${esc(field, 128)}: ${esc(shown(before[field as keyof FieldValues]), 500)} → ${esc(shown(to), 500)}`,
    );
  let title: string;
  if (r.mode === 'plan') {
    title = `PLANNED FIXES (${r.planned.length + (r.omitted > 0 ? '+' : '')})`;
    if (r.planned.length > 0) {
      out.push('Planned, not made (remediation: plan):');
      for (const c of r.planned)
        out.push(`  ${esc(c.changeId, 32)}  ${room(c)}`, ...fields(c.before, c.after));
      const commands = new Map<string, string>();
      for (const c of r.planned) {
        commands.set(
          `${c.accountId}\n${c.region}\n${c.policyId}`,
          `  account ${esc(c.accountId, 64)}: ${esc(applyCommand(c, r.tag), 400)}`,
        );
      }
      out.push(
        "To apply, run with credentials for the room's account (it plans again, shows the plan, then applies it within its guards):",
        ...commands.values(),
      );
    }
  } else {
    const applied = r.entries.filter((e) => e.outcome === 'applied').length;
    title = `FIXED BY THE AUDITOR (${applied}${r.omitted > 0 ? '+' : ''}; confirmed by the next audit)`;
    const line = (e: TrailEntry) => {
      const word = { applied: 'APPLIED', skipped: 'SKIPPED', failed: 'FAILED ' }[e.outcome];
      out.push(`  ${word} ${esc(e.changeId, 32)}  ${room(e)}${e.reason ? `: ${esc(e.reason, 500)}` : ''}`);
      if (e.outcome === 'applied') out.push(...fields(e.before, e.after));
    };
    for (const e of r.entries) line(e);
    if (r.earlier && r.earlier.length > 0) {
      out.push(`Made by an earlier run whose alert could not be sent (${r.earlier.length}):`);
      for (const e of r.earlier) line(e);
    }
  }
  for (const t of r.tripped) {
    const what = r.mode === 'plan' ? 'applying would change nothing there' : 'nothing there was changed';
    for (const p of t.problems) {
      out.push(`  GUARD ${esc(t.accountId, 64)} ${esc(t.region, 64)}: ${esc(p, 500)}; ${what}`);
    }
  }
  for (const e of r.errors) {
    out.push(`  STOPPED ${esc(e.accountId, 64)} ${esc(e.region, 64)}: ${esc(e.message, 500)}`);
  }
  if (r.skipped.length > 0) {
    out.push(`Not fixed (${r.skipped.length}):`);
    for (const s of r.skipped) out.push(`  ${room(s)}: ${esc(s.reason, 500)}`);
  }
  if (r.omitted > 0) {
    out.push(
      `...and ${r.omitted} more not listed here (size limits)${r.mode === 'apply' ? '; the trail in the state table has every change' : ''}.`,
    );
  }
  return { title, lines: out };
}
