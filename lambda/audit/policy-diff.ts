import { canonicalJson } from '../core/canonical-json.js';
import {
  type AuditError,
  type Finding,
  type PolicyFix,
  SEVERITIES,
  SEVERITY_RANK,
  type Severity,
} from '../core/types.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { DEFAULT_ROUTE } from '../policy/routes.js';

export const POLICY_DIFF_VERSION = '1.0';

export const POLICY_CHANGES = ['added', 'removed', 'changed', 'unchanged'] as const;
export type PolicyChange = (typeof POLICY_CHANGES)[number];

/**
 * A part of a policy that does not change what is found but what people and tools do about it: the
 * remediation text every alert carries, and the fix `remediate` writes to rooms. A reviewer must see
 * both, though the counts do not move.
 */
export type PolicyEdit =
  | { field: 'remediation'; before: string; after: string }
  | { field: 'fix'; before?: PolicyFix; after?: PolicyFix };

/** A finding that starts or stops failing with the change. */
export interface DiffRoom {
  roomArn: string;
  roomName: string;
  accountId: string;
  region: string;
  severity: Severity;
  message: string;
}

export interface PolicyDiffEntry {
  id: string;
  change: PolicyChange;
  /** The head's severity (the base's for a removed policy). */
  severity: Severity;
  /** Failing (not exempt) findings of this policy under the base and under the head. */
  before: number;
  after: number;
  newlyFailing: DiffRoom[];
  noLongerFailing: DiffRoom[];
  /** The head policy's `rollout.maxNewFindings`, when it has one. */
  maxNewFindings?: number;
  /** Remediation text or fix changed (a policy in both sets only); absent when neither did. */
  edits?: PolicyEdit[];
}

export interface DiffCounts {
  before: number;
  after: number;
  newlyFailing: number;
  noLongerFailing: number;
}

/** Why the preview fails: too many newly failing findings for `--max-new` or a policy's own guard. */
export interface GuardTrip {
  /** Absent for `--max-new`, which counts every policy. */
  policyId?: string;
  limit: number;
  newlyFailing: number;
}

export interface PolicyDiff {
  version: string;
  base: string;
  head: string;
  roomsEvaluated: number;
  /** Changed policies first (added, removed, changed), then unchanged; by id within each. */
  policies: PolicyDiffEntry[];
  totals: DiffCounts & {
    bySeverity: Partial<Record<Severity, DiffCounts>>;
    byAccount: Record<string, DiffCounts>;
  };
  guard: { maxNew?: number; tripped: GuardTrip[] };
  /** A rule that threw on a room, on either side: the counts of that policy are not the whole story. */
  errors: (AuditError & { side: 'base' | 'head' })[];
  /**
   * Failing findings per alert route (routes.json) before and after, when either side has a routes
   * file: how the change moves findings between teams' topics. A side without one counts its
   * findings under `default`. In the order routes first appear, `default` last.
   */
  routes?: Record<string, { before: number; after: number }>;
}

export interface PolicySide {
  /** How the user named it: a folder, or `origin/main:policies/`. */
  label: string;
  policies: readonly CompiledPolicy[];
  /** Every finding of this policy set over the rooms (exempt ones included; they do not count). */
  findings: readonly Finding[];
  errors: readonly AuditError[];
}

export interface DiffOptions {
  base: PolicySide;
  head: PolicySide;
  roomsEvaluated: number;
  /** `--max-new`: the most newly failing findings, over every policy, the change may bring. */
  maxNew?: number;
}

const ORDER: Record<PolicyChange, number> = { added: 0, removed: 1, changed: 2, unchanged: 3 };

/**
 * Compares what two policy sets find over the same rooms. Pure. A finding is failing when it is
 * not exempt; it is the same finding on both sides when its fingerprint is (same policy, room and
 * JSON pointer), so a room that fails a lowered limit for the same field is still failing, not new.
 */
export function diffPolicySets(options: DiffOptions): PolicyDiff {
  const { base, head } = options;
  const basePolicies = byId(base.policies);
  const headPolicies = byId(head.policies);
  const baseFailing = failingByPolicy(base.findings);
  const headFailing = failingByPolicy(head.findings);
  const ids = [...new Set([...basePolicies.keys(), ...headPolicies.keys()])];

  const entries = ids.map((id): PolicyDiffEntry => {
    const before = basePolicies.get(id);
    const after = headPolicies.get(id);
    const was = baseFailing.get(id) ?? new Map<string, Finding>();
    const is = headFailing.get(id) ?? new Map<string, Finding>();
    const entry: PolicyDiffEntry = {
      id,
      change: !before ? 'added' : !after ? 'removed' : sameEffect(before, after) ? 'unchanged' : 'changed',
      severity: (after ?? before)?.policy.severity ?? 'info',
      before: was.size,
      after: is.size,
      newlyFailing: sortedRooms([...is].filter(([fp]) => !was.has(fp)).map(([, f]) => f)),
      noLongerFailing: sortedRooms([...was].filter(([fp]) => !is.has(fp)).map(([, f]) => f)),
    };
    const guard = after?.policy.rollout?.maxNewFindings;
    if (guard !== undefined) entry.maxNewFindings = guard;
    const edits = before && after ? editsOf(before, after) : [];
    if (edits.length > 0) entry.edits = edits;
    return entry;
  });
  entries.sort((a, b) => ORDER[a.change] - ORDER[b.change] || a.id.localeCompare(b.id));

  const tripped: GuardTrip[] = [];
  for (const e of entries) {
    if (e.maxNewFindings !== undefined && e.newlyFailing.length > e.maxNewFindings) {
      tripped.push({ policyId: e.id, limit: e.maxNewFindings, newlyFailing: e.newlyFailing.length });
    }
  }
  const totals = totalsOf(entries, base.findings, head.findings);
  if (options.maxNew !== undefined && totals.newlyFailing > options.maxNew) {
    tripped.push({ limit: options.maxNew, newlyFailing: totals.newlyFailing });
  }
  const routes = routeCounts(base.findings, head.findings);
  return {
    version: POLICY_DIFF_VERSION,
    base: base.label,
    head: head.label,
    roomsEvaluated: options.roomsEvaluated,
    policies: entries,
    totals,
    guard: options.maxNew === undefined ? { tripped } : { maxNew: options.maxNew, tripped },
    errors: [
      ...base.errors.map((e) => ({ ...e, side: 'base' as const })),
      ...head.errors.map((e) => ({ ...e, side: 'head' as const })),
    ],
    ...(routes ? { routes } : {}),
  };
}

/** Failing findings per route on each side; undefined when neither side routes (no routes file). */
function routeCounts(
  baseFindings: readonly Finding[],
  headFindings: readonly Finding[],
): PolicyDiff['routes'] {
  if (!baseFindings.some((f) => f.routes) && !headFindings.some((f) => f.routes)) return undefined;
  const counts = new Map<string, { before: number; after: number }>();
  const add = (findings: readonly Finding[], key: 'before' | 'after') => {
    for (const f of findings) {
      if (f.status === 'exempt') continue;
      for (const route of f.routes ?? [DEFAULT_ROUTE]) {
        const count = counts.get(route) ?? { before: 0, after: 0 };
        count[key]++;
        counts.set(route, count);
      }
    }
  };
  add(baseFindings, 'before');
  add(headFindings, 'after');
  const ids = [...counts.keys()].filter((id) => id !== DEFAULT_ROUTE);
  if (counts.has(DEFAULT_ROUTE)) ids.push(DEFAULT_ROUTE);
  return Object.fromEntries(ids.map((id) => [id, counts.get(id) ?? { before: 0, after: 0 }]));
}

/**
 * Whether two versions of a policy find the same things: the rule, its scope (`appliesTo`,
 * `regions`), its exemptions and its severity. Wording, examples, the rollout guard, the remediation
 * text and the fix do not change what a room is found to break (the last two are `edits`).
 */
function sameEffect(a: CompiledPolicy, b: CompiledPolicy): boolean {
  const effect = (c: CompiledPolicy) =>
    canonicalJson([
      c.policy.rule,
      c.policy.appliesTo,
      c.policy.regions,
      c.policy.exemptions,
      c.policy.severity,
    ]);
  return effect(a) === effect(b);
}

function editsOf(a: CompiledPolicy, b: CompiledPolicy): PolicyEdit[] {
  const edits: PolicyEdit[] = [];
  if (a.policy.remediation !== b.policy.remediation) {
    edits.push({ field: 'remediation', before: a.policy.remediation, after: b.policy.remediation });
  }
  if (canonicalJson(a.policy.fix) !== canonicalJson(b.policy.fix)) {
    edits.push({
      field: 'fix',
      ...(a.policy.fix ? { before: a.policy.fix } : {}),
      ...(b.policy.fix ? { after: b.policy.fix } : {}),
    });
  }
  return edits;
}

function byId(policies: readonly CompiledPolicy[]): Map<string, CompiledPolicy> {
  return new Map(policies.map((p) => [p.policy.id, p]));
}

/** policy id → fingerprint → failing finding. */
function failingByPolicy(findings: readonly Finding[]): Map<string, Map<string, Finding>> {
  const out = new Map<string, Map<string, Finding>>();
  for (const f of findings) {
    if (f.status === 'exempt') continue;
    let policy = out.get(f.policyId);
    if (!policy) {
      policy = new Map();
      out.set(f.policyId, policy);
    }
    policy.set(f.fingerprint, f);
  }
  return out;
}

function sortedRooms(findings: Finding[]): DiffRoom[] {
  return findings
    .map((f) => ({
      roomArn: f.roomArn,
      roomName: f.roomName,
      accountId: f.accountId,
      region: f.region,
      severity: f.severity,
      message: f.message,
    }))
    .sort(
      (a, b) =>
        a.accountId.localeCompare(b.accountId) ||
        a.region.localeCompare(b.region) ||
        a.roomName.localeCompare(b.roomName) ||
        a.roomArn.localeCompare(b.roomArn) ||
        a.message.localeCompare(b.message),
    );
}

function zero(): DiffCounts {
  return { before: 0, after: 0, newlyFailing: 0, noLongerFailing: 0 };
}

function totalsOf(
  entries: readonly PolicyDiffEntry[],
  baseFindings: readonly Finding[],
  headFindings: readonly Finding[],
): PolicyDiff['totals'] {
  const all = zero();
  const bySeverity: Partial<Record<Severity, DiffCounts>> = {};
  const byAccount: Record<string, DiffCounts> = {};
  const add = (severity: Severity, accountId: string, key: keyof DiffCounts) => {
    all[key]++;
    bySeverity[severity] ??= zero();
    bySeverity[severity][key]++;
    byAccount[accountId] ??= zero();
    byAccount[accountId][key]++;
  };
  for (const f of baseFindings) if (f.status !== 'exempt') add(f.severity, f.accountId, 'before');
  for (const f of headFindings) if (f.status !== 'exempt') add(f.severity, f.accountId, 'after');
  for (const e of entries) {
    for (const r of e.newlyFailing) add(r.severity, r.accountId, 'newlyFailing');
    for (const r of e.noLongerFailing) add(r.severity, r.accountId, 'noLongerFailing');
  }
  // Most severe first, so the JSON reads like the text.
  const ordered: Partial<Record<Severity, DiffCounts>> = {};
  for (const s of [...SEVERITIES].sort((a, b) => SEVERITY_RANK[b] - SEVERITY_RANK[a])) {
    const counts = bySeverity[s];
    if (counts) ordered[s] = counts;
  }
  return { ...all, bySeverity: ordered, byAccount };
}
