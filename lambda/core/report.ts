import type { CompiledPolicy } from '../policy/compile.js';
import { appendAll } from './append.js';
import { Evaluator } from './evaluate.js';
import { type Finding, REPORT_VERSION, type RegionInventory, type Report, SEVERITY_RANK } from './types.js';

export interface ReportInput {
  startedAt: string;
  finishedAt: string;
  inventories: readonly RegionInventory[];
  policies: readonly CompiledPolicy[];
}

/** Evaluates every audited room of every region into the report. Pure. */
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
  const evaluator = new Evaluator(policies);
  for (const inventory of inventories) {
    appendAll(report.errors, inventory.errors);
    report.roomsSkipped = (report.roomsSkipped ?? 0) + inventory.deleted.length;
    if (inventory.evaluation) {
      report.roomsAudited += inventory.audited.length;
      appendAll(report.findings, inventory.evaluation.findings);
      appendAll(report.errors, inventory.evaluation.errors);
      continue;
    }
    const ctx = { now: startedAt, accountId: inventory.accountId, region: inventory.region };
    for (const room of inventory.rooms) {
      const { findings, errors } = evaluator.evaluate(room, ctx);
      report.roomsAudited++;
      appendAll(report.findings, findings);
      appendAll(report.errors, errors);
    }
  }
  // Any error (an API fault, a rule that threw) means some room or policy was not fully checked.
  if (report.errors.length > 0) report.complete = false;
  report.findings.sort(compareFindings);
  return report;
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
