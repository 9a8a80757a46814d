/**
 * What one compiled policy says of one room document: the single step of running a policy's
 * validators, shared by the audit's Evaluator (audit/evaluate.ts) and by the checks the loader and
 * `policies test` run on a policy's own examples (policy/judge-room.ts). Pure and total: a rule that
 * throws is an `error` verdict, never a pass.
 */

import { type Describer, type Violation, violationsFrom } from '../core/message.js';
import type { RoomDocument } from '../core/types.js';
import type { CompiledPolicy } from './compile.js';
import { joinedFieldsRead, schemasFieldsRead } from './fields.js';

/** A compiled policy with what its verdicts need to know of it, worked out once per policy set. */
export interface PolicyCheck {
  compiled: CompiledPolicy;
  /** Joined fields the policy reads. */
  joined: string[];
  /** Its appliesTo reads some of them too (then a room without them cannot even be scoped). */
  scopeJoins: boolean;
}

export function policyCheck(compiled: CompiledPolicy): PolicyCheck {
  const joined = joinedFieldsRead(compiled);
  const scope = schemasFieldsRead([compiled.policy.appliesTo]);
  const scopeJoins = joined.some((f) => scope === 'all' || scope.has(f));
  return { compiled, joined, scopeJoins };
}

/**
 * `skip`: the room is outside the policy's regions or appliesTo. `notEvaluated`: the room lacks
 * joined facts the policy reads, so there is no verdict (neither a finding nor a pass).
 */
export type Verdict =
  | { kind: 'skip' }
  | { kind: 'pass' }
  | { kind: 'notEvaluated' }
  | { kind: 'fail'; violations: Violation[] }
  | { kind: 'error'; message: string };

// The common verdicts are shared objects: the audit asks for one per policy per room.
const SKIP: Verdict = { kind: 'skip' };
const PASS: Verdict = { kind: 'pass' };
const NOT_EVALUATED: Verdict = { kind: 'notEvaluated' };

/**
 * The verdict of `check` on `room`, a document with its derived facts (core/room-facts.ts) in
 * `region`. `describe` builds each violation (the Evaluator passes its cached describer).
 */
export function verdictOn(
  check: PolicyCheck,
  room: RoomDocument,
  region: string,
  describe?: Describer,
): Verdict {
  const { compiled, joined, scopeJoins } = check;
  if (compiled.regions && !compiled.regions.has(region)) return SKIP;
  // Without the joined facts a policy reads there is no verdict: neither a finding nor a pass.
  const lacking = joined.some((field) => !isObject(room) || !Object.hasOwn(room, field));
  try {
    if (compiled.appliesTo && !(lacking && scopeJoins) && !compiled.appliesTo(room)) return SKIP;
    if (lacking) return NOT_EVALUATED;
    if (compiled.rule(room)) return PASS;
    return { kind: 'fail', violations: violationsFrom(compiled.rule.errors ?? [], room, describe) };
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    return { kind: 'error', message: `policy ${compiled.policy.id} failed on this room: ${detail}` };
  }
}

function isObject(value: unknown): value is object {
  return value !== null && typeof value === 'object';
}
