/**
 * The audit of declared rooms: the live audit's evaluation (audit/evaluate.ts) on each room's
 * document, except that a policy reading a field the declaration leaves unknown until deploy gets
 * no verdict on that room: it is reported as not evaluated with the reason, never as a finding and
 * never as a pass. The result is the audit's Report, so every output of `audit` renders it. Pure.
 */
import { evaluateRoom } from '../audit/evaluate.js';
import { compareFindings } from '../audit/report.js';
import { withDerivedFacts } from '../core/room-facts.js';
import {
  type AuditError,
  type Finding,
  type NotEvaluated,
  REPORT_VERSION,
  type Report,
} from '../core/types.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { policyFieldsRead, schemasFieldsRead } from '../policy/fields.js';
import type { DeclaredRoom } from './declared-room.js';

export interface DeclaredAuditTimes {
  startedAt: string;
  finishedAt: string;
}

/** What one policy says of one declared room before its evaluation. */
type Gate = { kind: 'evaluate' } | { kind: 'skip' } | { kind: 'notEvaluated'; reason: string };

/** The report of `rooms` against `policies`, as `audit` reports live rooms. */
export function auditDeclaredRooms(
  rooms: readonly DeclaredRoom[],
  policies: readonly CompiledPolicy[],
  times: DeclaredAuditTimes,
): Report {
  const findings: Finding[] = [];
  const errors: AuditError[] = [];
  // (policy, reason) → rooms: one note per cause, in the order met.
  const notes = new Map<string, NotEvaluated>();
  const reads = policies.map((compiled) => ({ compiled, read: policyFieldsRead(compiled) }));
  for (const room of rooms) {
    const ctx = {
      now: times.startedAt,
      ...(room.accountId ? { accountId: room.accountId } : {}),
      ...(room.region ? { region: room.region } : {}),
    };
    const evaluated: CompiledPolicy[] = [];
    for (const { compiled, read } of reads) {
      const gate = gateOf(compiled, read, room);
      if (gate.kind === 'evaluate') evaluated.push(compiled);
      if (gate.kind !== 'notEvaluated') continue;
      const key = `${compiled.policy.id}\n${gate.reason}`;
      const note = notes.get(key);
      if (note) note.rooms.push(room.identity);
      else notes.set(key, { policyId: compiled.policy.id, reason: gate.reason, rooms: [room.identity] });
    }
    const evaluation = evaluateRoom(room.document, evaluated, ctx);
    for (const finding of evaluation.findings) finding.remediationTemplate = declaredFix(room, finding);
    findings.push(...evaluation.findings);
    errors.push(...evaluation.errors);
  }
  const targets = new Map<string, { accountId: string; region: string }>();
  for (const { accountId = '', region = '' } of rooms)
    targets.set(`${accountId}/${region}`, { accountId, region });
  const report: Report = {
    version: REPORT_VERSION,
    startedAt: times.startedAt,
    finishedAt: times.finishedAt,
    targets: [...targets.values()],
    roomsAudited: rooms.length,
    policiesEvaluated: policies.length,
    findings: findings.sort(compareFindings),
    errors,
    complete: errors.length === 0,
  };
  if (notes.size > 0) {
    report.notEvaluated = [...notes.values()].sort(
      (a, b) => cmp(a.policyId, b.policyId) || cmp(a.reason, b.reason),
    );
  }
  return report;
}

/**
 * Whether `compiled` can judge `room`: not when it reads a field the declaration leaves unknown, or
 * is limited to regions and the room's region is unknown. A policy whose appliesTo can be decided
 * on the known fields and leaves the room out is skipped, as the live audit skips it.
 */
function gateOf(compiled: CompiledPolicy, read: Set<string> | 'all', room: DeclaredRoom): Gate {
  const blocked = [...room.unresolved.keys()].filter((field) => read === 'all' || read.has(field));
  if (compiled.regions && !room.region) blocked.push('region');
  if (blocked.length === 0) return { kind: 'evaluate' };
  const scope = schemasFieldsRead([compiled.policy.appliesTo]);
  const scopeKnown = scope !== 'all' && ![...room.unresolved.keys()].some((field) => scope.has(field));
  if (compiled.appliesTo && scopeKnown) {
    const document = withDerivedFacts(room.document, {
      ...(room.accountId ? { accountId: room.accountId } : {}),
      ...(room.region ? { region: room.region } : {}),
    });
    try {
      if (!compiled.appliesTo(document)) return { kind: 'skip' };
    } catch {
      // A scope that throws is judged by the evaluation, which reports the error.
    }
  }
  const why = [...new Set(blocked)].map(
    (field) =>
      room.unresolved.get(field) ?? 'the policy is limited to regions and the region is chosen at deploy',
  );
  return { kind: 'notEvaluated', reason: `${room.identity}: ${why.join('; ')}` };
}

/**
 * The fix of a declared room: change its declaration. The policy's own remediation acts on a
 * deployed room (`update-room --identifier {arn}`), which does not exist yet; it follows for the
 * room once deployed.
 */
function declaredFix(room: DeclaredRoom, finding: Finding): string {
  const field = finding.path.split('/')[1] ?? '';
  const property = room.properties.get(field);
  const where = property ? `${property} of ${room.identity}` : `the declaration of ${room.identity}`;
  const construct = room.constructPath ? ` It is declared by the construct ${room.constructPath}.` : '';
  return `Change ${where} in ${room.file} before it is deployed.${construct} Once deployed, the policy's fix: ${finding.remediationTemplate}`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
