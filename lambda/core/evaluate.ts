import type { CompiledPolicy } from '../policy/compile.js';
import { parseRoomArn } from './arn.js';
import { fingerprintOf } from './fingerprint.js';
import { violationsFrom } from './message.js';
import type { AuditError, Exemption, Finding, RoomDocument } from './types.js';

export interface EvaluationContext {
  /** ISO 8601 time of the run; decides expired exemptions and stamps firstSeen/lastSeen. */
  now: string;
  /** Used when the room ARN does not carry them (e.g. hand-written test rooms). */
  accountId?: string;
  region?: string;
}

export interface Evaluation {
  findings: Finding[];
  errors: AuditError[];
}

/**
 * Checks one room against every policy. Pure and total: any value in, findings and errors out.
 * A rule that throws becomes an error for that room, never a pass.
 */
export function evaluateRoom(
  room: RoomDocument,
  policies: readonly CompiledPolicy[],
  ctx: EvaluationContext,
): Evaluation {
  const findings: Finding[] = [];
  const errors: AuditError[] = [];
  // The caller usually knows account and region (a live audit, a grouped --input file); the ARN
  // is parsed only when it does not, or when the room has no id of its own.
  const arnParts =
    ctx.region && ctx.accountId && typeof room?.id === 'string' ? undefined : parseRoomArn(room?.arn);
  const roomArn = typeof room?.arn === 'string' ? room.arn : '';
  const region = ctx.region || arnParts?.region || '';
  const accountId = ctx.accountId || arnParts?.accountId || '';
  const roomName = typeof room?.name === 'string' ? room.name : '';
  const roomId = typeof room?.id === 'string' ? room.id : (arnParts?.roomId ?? '');

  for (const compiled of policies) {
    const { policy } = compiled;
    if (compiled.regions && !compiled.regions.has(region)) continue;
    let violations: ReturnType<typeof violationsFrom>;
    try {
      if (compiled.appliesTo && !compiled.appliesTo(room)) continue;
      if (compiled.rule(room)) continue;
      violations = violationsFrom(compiled.rule.errors ?? [], room, compiled);
    } catch (cause) {
      errors.push({
        region,
        roomArn,
        policyId: policy.id,
        operation: 'Evaluate',
        code: 'RuleError',
        message: `policy ${policy.id} failed on this room: ${cause instanceof Error ? cause.message : String(cause)}`,
      });
      continue;
    }
    const exemption = bestExemption(compiled.exemptions.get(roomArn), ctx.now);
    const expired = exemption !== undefined && isExpired(exemption, ctx.now);
    // The text as written: outputs fill {arn}/{name}/{region} (fillRemediation), so 100,000 findings
    // share one string per policy instead of carrying one filled copy each.
    const remediation = policy.remediation;
    const status = exemption && !expired ? 'exempt' : 'new';
    for (const v of violations) {
      const fingerprint = fingerprintOf(policy.id, roomArn, v.path);
      const message = expired ? `${v.message} (exemption expired ${exemption?.expires})` : v.message;
      // One literal, `actual` included even when undefined (JSON and the stores drop it): this is the
      // evaluation hot path, and a property added afterwards costs every finding a property array.
      const finding: Finding = {
        fingerprint,
        policyId: policy.id,
        title: policy.title,
        severity: policy.severity,
        status,
        accountId,
        region,
        roomArn,
        roomId,
        roomName,
        path: v.path,
        actual: v.actual,
        message,
        remediation,
        firstSeen: ctx.now,
        lastSeen: ctx.now,
      };
      if (exemption) {
        finding.exemption = exemption.expires
          ? { reason: exemption.reason, expires: exemption.expires, expired }
          : { reason: exemption.reason, expired };
      }
      findings.push(finding);
    }
  }
  return { findings, errors };
}

/** An exemption holds through its `expires` day (UTC). */
function isExpired(exemption: Exemption, now: string): boolean {
  return exemption.expires !== undefined && now.slice(0, 10) > exemption.expires;
}

/**
 * Of several exemptions for one room, the one in force that lasts longest (no expiry beats any date);
 * when all have expired, the latest, so the finding names the most recent one.
 */
function bestExemption(candidates: readonly Exemption[] | undefined, now: string): Exemption | undefined {
  if (!candidates || candidates.length === 0) return undefined;
  const rank = (e: Exemption) => (isExpired(e, now) ? 0 : 1) * 2 + (e.expires === undefined ? 1 : 0);
  return candidates.reduce((best, e) =>
    rank(e) > rank(best) || (rank(e) === rank(best) && (e.expires ?? '') > (best.expires ?? '')) ? e : best,
  );
}

type Placeholder = 'arn' | 'name' | 'region';
const templates = new Map<string, (string | { key: Placeholder })[]>();

/** Fills `{arn}`, `{name}` and `{region}`. Each template is split once (policies are few, rooms many). */
export function fillPlaceholders(text: string, values: Record<Placeholder, string>): string {
  let parts = templates.get(text);
  if (!parts) {
    parts = text
      .split(/\{(arn|name|region)\}/)
      .map((part, i) => (i % 2 === 1 ? { key: part as Placeholder } : part));
    if (templates.size < 1000) templates.set(text, parts);
  }
  let out = '';
  for (const part of parts) out += typeof part === 'string' ? part : values[part.key];
  return out;
}
