import { parseRoomArn } from '../core/arn.js';
import { joinHalves, roomPart, rulePart } from '../core/fingerprint.js';
import { withDerivedFacts } from '../core/room-facts.js';
import type { AuditError, Finding, RoomDocument } from '../core/types.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { exemptionFor, exemptionKeys, notedMessage } from '../policy/exemptions.js';
import type { RouteTable } from '../policy/routes.js';
import { type PolicyCheck, policyCheck, verdictOn } from '../policy/verdict.js';
import { type PolicyMemo, policyMemos } from './evaluation-cache.js';

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
  /**
   * Policies not evaluated on this room because it lacks joined facts they read (the target's listing
   * failed, or a saved document was never joined): neither a finding nor a pass. Absent when none.
   */
  notEvaluated?: string[];
}

export interface EvaluatorOptions {
  /**
   * Remember what repeats between rooms (default on; see EvaluationCache). Off, every finding is
   * built from scratch; the findings are the same either way (test/audit/evaluator.test.ts).
   */
  cache?: boolean;
  /** The routes file: each finding gets its `routes`, matched on its room's tags. */
  routes?: RouteTable | undefined;
}

/**
 * A policy set ready to check rooms, with the caches of one run. Built once per run (or target) from
 * the compiled policies; `evaluate` is pure and total: any value in, findings and errors out.
 * A rule that throws becomes an error for that room, never a pass.
 */
export class Evaluator {
  readonly policies: readonly CompiledPolicy[];
  /** Each policy with its memo (none when caching is off), in the policies' order. */
  private readonly checks: readonly Check[];
  private readonly routes: RouteTable | undefined;

  constructor(policies: readonly CompiledPolicy[], options: EvaluatorOptions = {}) {
    this.policies = policies;
    this.routes = options.routes;
    const memos = options.cache === false ? undefined : policyMemos(policies);
    this.checks = policies.map((compiled, i) => {
      const check = policyCheck(compiled);
      return memos ? { check, memo: memos[i] } : { check };
    });
  }

  evaluate(input: RoomDocument, ctx: EvaluationContext): Evaluation {
    const findings: Finding[] = [];
    const errors: AuditError[] = [];
    const notEvaluated: string[] = [];
    const room = withDerivedFacts(input, ctx);
    // The caller usually knows account and region (a live audit, a grouped --input file); the ARN
    // is parsed only when it does not, or when the room has no id of its own.
    const arnParts =
      ctx.region && ctx.accountId && typeof room?.id === 'string' ? undefined : parseRoomArn(room?.arn);
    const roomArn = typeof room?.arn === 'string' ? room.arn : '';
    const region = ctx.region || arnParts?.region || '';
    const accountId = ctx.accountId || arnParts?.accountId || '';
    const roomName = typeof room?.name === 'string' ? room.name : '';
    const roomId = typeof room?.id === 'string' ? room.id : (arnParts?.roomId ?? '');
    let roomHalf: string | undefined; // hashed once, on the room's first finding
    let names: string[] | undefined; // the names an exemption may give the room, on its first failure

    for (const { check, memo } of this.checks) {
      const { policy } = check.compiled;
      const verdict = verdictOn(check, room, region, memo?.describe);
      if (verdict.kind === 'notEvaluated') notEvaluated.push(policy.id);
      if (verdict.kind === 'error') {
        errors.push({
          region,
          roomArn,
          policyId: policy.id,
          operation: 'Evaluate',
          code: 'RuleError',
          message: verdict.message,
        });
      }
      if (verdict.kind !== 'fail') continue;
      names ??= exemptionKeys(roomArn, room?.tags, { accountId, region });
      const inForce = exemptionFor(check.compiled, names, ctx.now);
      const { exemption, expired } = inForce;
      const status = exemption && !expired ? 'exempt' : 'new';
      roomHalf ??= roomPart(roomArn);
      for (const v of verdict.violations) {
        const ruleHalf = memo ? memo.rulePart(v.path) : rulePart(policy.id, v.path);
        const message = notedMessage(v.message, inForce);
        // One literal, `actual` included even when undefined (JSON and the stores drop it), so every
        // finding has the same shape.
        const finding: Finding = {
          fingerprint: joinHalves(roomHalf, ruleHalf),
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
          // As written: outputs fill the placeholders (render/remediation.ts), so all the findings of
          // a policy share one string instead of carrying one filled copy each.
          remediationTemplate: policy.remediation,
          firstSeen: ctx.now,
          lastSeen: ctx.now,
        };
        if (this.routes) finding.routes = this.routes.routesOf(finding, room?.tags);
        if (exemption) {
          finding.exemption = exemption.expires
            ? { reason: exemption.reason, expires: exemption.expires, expired }
            : { reason: exemption.reason, expired };
        }
        findings.push(finding);
      }
    }
    return notEvaluated.length > 0 ? { findings, errors, notEvaluated } : { findings, errors };
  }
}

interface Check {
  check: PolicyCheck;
  memo?: PolicyMemo;
}

/**
 * Checks one room against `policies` without caches: for one-off checks (tests, single rooms).
 * A run checks many rooms through one `Evaluator`.
 */
export function evaluateRoom(
  room: RoomDocument,
  policies: readonly CompiledPolicy[],
  ctx: EvaluationContext,
): Evaluation {
  return new Evaluator(policies, { cache: false }).evaluate(room, ctx);
}
