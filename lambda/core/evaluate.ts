import type { CompiledPolicy } from '../policy/compile.js';
import { parseRoomArn } from './arn.js';
import { fingerprintOf } from './fingerprint.js';
import { violationsFrom } from './message.js';
import type { AuditError, Finding, RoomDocument } from './types.js';

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
  const arnParts = parseRoomArn(room?.arn);
  const roomArn = typeof room?.arn === 'string' ? room.arn : '';
  const region = arnParts?.region ?? ctx.region ?? '';
  const accountId = arnParts?.accountId ?? ctx.accountId ?? '';
  const roomName = typeof room?.name === 'string' ? room.name : '';
  const roomId = typeof room?.id === 'string' ? room.id : (arnParts?.roomId ?? '');

  for (const compiled of policies) {
    const { policy } = compiled;
    if (compiled.regions && !compiled.regions.has(region)) continue;
    let violations: ReturnType<typeof violationsFrom>;
    try {
      if (compiled.appliesTo && !compiled.appliesTo(room)) continue;
      if (compiled.rule(room)) continue;
      violations = violationsFrom(compiled.rule.errors ?? [], room);
    } catch (cause) {
      errors.push({
        region,
        roomArn,
        operation: 'Evaluate',
        code: 'RuleError',
        message: `policy ${policy.id} failed on this room: ${cause instanceof Error ? cause.message : String(cause)}`,
      });
      continue;
    }
    const exemption = compiled.exemptions.get(roomArn);
    const expired = exemption?.expires !== undefined && ctx.now.slice(0, 10) > exemption.expires;
    for (const v of violations) {
      findings.push({
        fingerprint: fingerprintOf(policy.id, roomArn, v.path),
        policyId: policy.id,
        title: policy.title,
        severity: policy.severity,
        status: exemption && !expired ? 'exempt' : 'new',
        accountId,
        region,
        roomArn,
        roomId,
        roomName,
        path: v.path,
        ...(Object.hasOwn(v, 'actual') ? { actual: v.actual } : {}),
        message: expired ? `${v.message} (exemption expired ${exemption?.expires})` : v.message,
        remediation: fillPlaceholders(policy.remediation, { arn: roomArn, name: roomName, region }),
        firstSeen: ctx.now,
        lastSeen: ctx.now,
        ...(exemption
          ? {
              exemption: {
                reason: exemption.reason,
                ...(exemption.expires ? { expires: exemption.expires } : {}),
                expired,
              },
            }
          : {}),
      });
    }
  }
  return { findings, errors };
}

export function fillPlaceholders(text: string, values: Record<'arn' | 'name' | 'region', string>): string {
  return text.replace(/\{(arn|name|region)\}/g, (_, key: 'arn' | 'name' | 'region') => values[key]);
}
