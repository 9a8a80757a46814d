/**
 * One room judged by a few policies, without caches and without building findings: what the fix
 * proof (policy/fix-proof.ts) and `policies test` (policy/examples.ts) ask of a policy's examples.
 * The same steps as the audit's Evaluator (audit/evaluate.ts), from the same pieces: derived facts,
 * the room's region, each policy's verdict and the exemption note, so an example fails here exactly
 * when, and with the words with which, the same room would fail an audit.
 */

import { parseRoomArn } from '../core/arn.js';
import { withDerivedFacts } from '../core/room-facts.js';
import type { RoomDocument } from '../core/types.js';
import { exemptionFor, notedMessage } from './exemptions.js';
import { type PolicyCheck, verdictOn } from './verdict.js';

/** One violation, as a finding would say it. */
export interface RuleFailure {
  policyId: string;
  /** JSON pointer into the room document. */
  path: string;
  message: string;
}

export interface RoomJudgement {
  failures: RuleFailure[];
  /** One message per policy that threw on the room. */
  errors: string[];
  /** Policies that could not judge the room for want of joined facts. */
  notEvaluated: string[];
}

/** Judges a hand-written room (an example): its account and region come from its ARN alone. */
export function judgeRoom(input: RoomDocument, checks: readonly PolicyCheck[], now: string): RoomJudgement {
  const judgement: RoomJudgement = { failures: [], errors: [], notEvaluated: [] };
  const room = withDerivedFacts(input);
  const region = parseRoomArn(room?.arn)?.region || '';
  const roomArn = typeof room?.arn === 'string' ? room.arn : '';
  for (const check of checks) {
    const policyId = check.compiled.policy.id;
    const verdict = verdictOn(check, room, region);
    if (verdict.kind === 'notEvaluated') judgement.notEvaluated.push(policyId);
    if (verdict.kind === 'error') judgement.errors.push(verdict.message);
    if (verdict.kind !== 'fail') continue;
    const exemption = exemptionFor(check.compiled, roomArn, now);
    for (const { path, message } of verdict.violations) {
      judgement.failures.push({ policyId, path, message: notedMessage(message, exemption) });
    }
  }
  return judgement;
}
