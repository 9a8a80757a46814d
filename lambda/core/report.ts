import type { CompiledPolicy } from '../policy/compile.js';
import { appendAll } from './append.js';
import { Evaluator } from './evaluate.js';
import { JOINED_FIELDS } from './room-fields.js';
import {
  type AuditError,
  type Finding,
  REPORT_VERSION,
  type RegionInventory,
  type Report,
  SEVERITY_RANK,
} from './types.js';

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
    appendAll(report.errors, notEvaluatedErrors(inventory));
    report.roomsSkipped = (report.roomsSkipped ?? 0) + inventory.deleted.length;
    if (inventory.evaluation) {
      report.roomsAudited += inventory.audited.length;
      appendAll(report.findings, inventory.evaluation.findings);
      appendAll(report.errors, inventory.evaluation.errors);
      continue;
    }
    const ctx = { now: startedAt, accountId: inventory.accountId, region: inventory.region };
    for (const room of inventory.rooms) {
      const evaluation = evaluator.evaluate(room, ctx);
      report.roomsAudited++;
      appendAll(report.findings, evaluation.findings);
      appendAll(report.errors, evaluation.errors);
      noteNotEvaluated(inventory, room.arn, evaluation.notEvaluated);
    }
    appendAll(report.errors, notEvaluatedErrors(inventory));
  }
  // Any error (an API fault, a rule that threw) means some room or policy was not fully checked.
  if (report.errors.length > 0) report.complete = false;
  report.findings.sort(compareFindings);
  return report;
}

/** Records the policies `evaluation` could not apply to the room (see RegionInventory.notEvaluated). */
export function noteNotEvaluated(
  inventory: Pick<RegionInventory, 'notEvaluated'>,
  roomArn: string,
  policyIds: readonly string[] | undefined,
): void {
  if (!policyIds) return;
  inventory.notEvaluated ??= new Map();
  for (const policyId of policyIds) {
    const rooms = inventory.notEvaluated.get(policyId);
    if (rooms) rooms.push(roomArn);
    else inventory.notEvaluated.set(policyId, [roomArn]);
  }
}

/**
 * One error per policy that some rooms of the region could not be evaluated on (not one per room:
 * a failed listing leaves every room of a target without its joined facts).
 */
function notEvaluatedErrors(inventory: RegionInventory): AuditError[] {
  const reason =
    inventory.factsMissingReason ??
    `no ${JOINED_FIELDS.join(', ')} in the room document (a plain GetRoom document; "ivschat-audit export-rooms" writes rooms with it joined)`;
  return [...(inventory.notEvaluated ?? [])].map(([policyId, rooms]) => ({
    region: inventory.region,
    ...(rooms.length === 1 ? { roomArn: rooms[0] as string } : {}),
    policyId,
    operation: 'Evaluate',
    code: 'FactsMissing',
    message: `policy ${policyId} not evaluated on ${rooms.length === 1 ? '1 room' : `${rooms.length} rooms`} in ${inventory.region}: ${reason}; its findings there are kept as they were`,
  }));
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
