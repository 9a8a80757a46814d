import { appendAll } from '../core/append.js';
import { JOINED_FIELDS } from '../core/room-fields.js';
import {
  type AuditError,
  type Finding,
  type NotEvaluated,
  REPORT_VERSION,
  type RegionInventory,
  type Report,
  SEVERITY_RANK,
} from '../core/types.js';
import { UnchangedTally } from '../core/unchanged-open.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { joinedFieldsRead } from '../policy/fields.js';

export interface ReportInput {
  startedAt: string;
  finishedAt: string;
  inventories: readonly RegionInventory[];
  policies: readonly CompiledPolicy[];
}

/**
 * The report of the evaluated rooms of every region: each inventory carries its rooms' evaluation
 * (the inventory path evaluates rooms as they arrive); an inventory without one had no room to
 * evaluate. Pure.
 */
export function buildReport({ startedAt, finishedAt, inventories, policies }: ReportInput): Report {
  const report: Report = {
    version: REPORT_VERSION,
    startedAt,
    finishedAt,
    targets: inventories.map(({ accountId, region }) => ({ accountId, region })),
    roomsAudited: 0,
    policiesEvaluated: policies.length,
    findings: [],
    errors: [],
    complete: inventories.every((i) => i.complete),
    roomsSkipped: 0,
    progress: {
      roomsListed: inventories.reduce((n, i) => n + i.listed.length, 0),
      roomsRemaining: inventories.reduce((n, i) => n + i.notReached.length, 0),
    },
  };
  // Policy id → rooms whose documents lack the joined facts it reads (input without them).
  const lackingFacts = new Map<string, string[]>();
  // `<policy id>\n<room>` → the join's own reason, when it gave one.
  const reasons = new Map<string, string>();
  for (const inventory of inventories) {
    appendAll(report.errors, inventory.errors);
    report.roomsSkipped = (report.roomsSkipped ?? 0) + inventory.deleted.length;
    if (inventory.evaluation) {
      report.roomsAudited += inventory.audited.length;
      appendAll(report.findings, inventory.evaluation.findings);
      appendAll(report.errors, inventory.evaluation.errors);
    }
    for (const [key, reason] of inventory.notEvaluatedReasons ?? []) {
      reasons.set(key, reason);
      // A room the join judged in part (some properties compared) is not among notEvaluated: its
      // findings count, and the note says what was left out.
      const [policyId = '', room = ''] = key.split('\n');
      if (inventory.notEvaluated?.get(policyId)?.includes(room)) continue;
      const all = lackingFacts.get(policyId);
      if (all) all.push(room);
      else lackingFacts.set(policyId, [room]);
    }
    if (inventory.factsMissingReason) {
      // The join itself failed (an API error, already among the errors): the audit is incomplete.
      appendAll(report.errors, factsMissingErrors(inventory, inventory.factsMissingReason));
      continue;
    }
    for (const [policyId, rooms] of inventory.notEvaluated ?? []) {
      const all = lackingFacts.get(policyId);
      if (all) appendAll(all, rooms);
      else lackingFacts.set(policyId, [...rooms]);
    }
  }
  const unchanged = new UnchangedTally();
  for (const inventory of inventories) unchanged.merge(inventory.evaluation?.unchangedOpen);
  if (unchanged.size > 0) report.unchangedOpen = unchanged.entries();
  // Any error (an API fault, a rule that threw) means some room or policy was not fully checked.
  if (report.errors.length > 0) report.complete = false;
  if (lackingFacts.size > 0) {
    const byId = new Map(policies.map((p) => [p.policy.id, p]));
    report.notEvaluated = [...lackingFacts]
      .sort(([a], [b]) => cmp(a, b))
      .flatMap(([policyId, rooms]) => notesByReason(policyId, rooms, reasons, byId.get(policyId)));
  }
  report.findings.sort(compareFindings);
  return report;
}

/** One note per reason for the rooms a policy could not judge, in the rooms' order. */
function notesByReason(
  policyId: string,
  rooms: readonly string[],
  reasons: ReadonlyMap<string, string>,
  policy: CompiledPolicy | undefined,
): NotEvaluated[] {
  const byReason = new Map<string, string[]>();
  for (const room of rooms) {
    const reason = reasons.get(`${policyId}\n${room}`) ?? missingFactsReason(policy);
    const same = byReason.get(reason);
    if (same) same.push(room);
    else byReason.set(reason, [room]);
  }
  return [...byReason].map(([reason, list]) => ({ policyId, reason, rooms: list }));
}

/** Which joined facts a policy lacked, and how a user supplies them. */
function missingFactsReason(policy: CompiledPolicy | undefined): string {
  const read = policy ? joinedFieldsRead(policy) : [];
  const fields = (read.length > 0 ? read : JOINED_FIELDS).join(', ');
  return (
    `it reads ${fields}, which plain get-room output lacks: audit a file "ivschat-audit export-rooms" ` +
    'wrote (it joins them), or run a live audit'
  );
}

/**
 * One error per policy that some rooms of the region could not be evaluated on because the join
 * failed (not one per room: a failed listing leaves every room of a target without its joined facts).
 */
function factsMissingErrors(inventory: RegionInventory, reason: string): AuditError[] {
  return [...(inventory.notEvaluated ?? [])].map(([policyId, rooms]) => ({
    region: inventory.region,
    ...(rooms.length === 1 ? { roomArn: rooms[0] as string } : {}),
    policyId,
    operation: 'Evaluate',
    code: 'FactsMissing',
    message: `policy ${policyId} not evaluated on ${rooms.length === 1 ? '1 room' : `${rooms.length} rooms`} in ${inventory.region}: ${reason}; its findings there are kept as they were`,
  }));
}

/**
 * Several audits (accounts, or account × region targets) as one report: findings and errors in the
 * order given, counts summed, complete only when every part is. The run spans the earliest start to
 * the latest finish (ISO timestamps compare as strings); with no reports both are ''. Pure.
 */
export function combineReports(reports: readonly Report[]): Report {
  const starts = reports.map((r) => r.startedAt).sort();
  const finishes = reports.map((r) => r.finishedAt).sort();
  const report: Report = {
    version: REPORT_VERSION,
    startedAt: starts[0] ?? '',
    finishedAt: finishes.at(-1) ?? '',
    targets: reports.flatMap((r) => r.targets),
    roomsAudited: sum(reports, (r) => r.roomsAudited),
    // Every part evaluates the same policy set; a part that stopped before evaluating counts 0.
    policiesEvaluated: Math.max(0, ...reports.map((r) => r.policiesEvaluated)),
    findings: reports.flatMap((r) => r.findings),
    errors: reports.flatMap((r) => r.errors),
    complete: reports.every((r) => r.complete),
  };
  const skipped = sum(reports, (r) => r.roomsSkipped ?? 0);
  if (skipped > 0) report.roomsSkipped = skipped;
  const notEvaluated = combineNotEvaluated(reports);
  if (notEvaluated.length > 0) report.notEvaluated = notEvaluated;
  const progress = reports.filter((r) => r.progress);
  if (progress.length > 0) {
    report.progress = {
      roomsListed: sum(progress, (r) => r.progress?.roomsListed ?? 0),
      roomsRemaining: sum(progress, (r) => r.progress?.roomsRemaining ?? 0),
    };
  }
  return report;
}

/** One entry per policy and reason over every part, rooms in the parts' order. */
function combineNotEvaluated(reports: readonly Report[]): NotEvaluated[] {
  const byPolicy = new Map<string, NotEvaluated>();
  for (const entry of reports.flatMap((r) => r.notEvaluated ?? [])) {
    const key = `${entry.policyId}\n${entry.reason}`;
    const seen = byPolicy.get(key);
    if (seen) appendAll(seen.rooms, entry.rooms);
    else byPolicy.set(key, { ...entry, rooms: [...entry.rooms] });
  }
  return [...byPolicy.values()].sort((a, b) => cmp(a.policyId, b.policyId));
}

function sum<T>(items: readonly T[], value: (item: T) => number): number {
  return items.reduce((n, item) => n + value(item), 0);
}

/** The one order of findings everywhere: severity (critical first), policy, region, room, pointer. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
    cmp(a.policyId, b.policyId) ||
    cmp(a.region, b.region) ||
    cmp(a.roomName, b.roomName) ||
    cmp(a.roomArn, b.roomArn) ||
    cmp(a.path, b.path)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
