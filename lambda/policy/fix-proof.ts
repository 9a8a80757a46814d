import { PolicyError } from '../core/errors.js';
import { rulePart } from '../core/fingerprint.js';
import { withValues } from '../core/fix.js';
import type { CompiledPolicy } from './compile.js';
import { judgeRoom, type RuleFailure } from './judge-room.js';
import { escapePointer } from './schema-walk.js';
import { policyCheck } from './verdict.js';

/**
 * Proves each policy's `fix` on its own fail examples: every fail room, with the fix applied as
 * UpdateRoom would apply it, must pass the policy and must not break a rule of any other policy in
 * the set. A fix that does not fix would write to real rooms for nothing, so it is refused here,
 * where `policies check`, the audit and `cdk synth` all load policies (policy/load-dir.ts runs it
 * once the set has compiled).
 *
 * A rule still broken at a field the fix sets is the fix value's fault, not the example's (a limit
 * lowered below `fix.set`): it is said once, at `/fix/set/<field>`, however many examples show it.
 */
export function proveFixes(policies: readonly CompiledPolicy[], now: string): PolicyError[] {
  const checks = policies.map(policyCheck);
  const problems: PolicyError[] = [];
  for (const { policy, file } of policies) {
    if (!policy.fix) continue;
    const set: Record<string, unknown> = policy.fix.set ?? {};
    // `/fix/set/<field>` + the policy it breaks → what the rule says, in the order first met.
    const byValue = new Map<string, { field: string; policyId: string; messages: Set<string> }>();
    const blameValue = (finding: RuleFailure): boolean => {
      const field = fixFieldAt(finding.path, Object.keys(set));
      if (field === undefined) return false;
      const key = `${field}\n${finding.policyId}`;
      const entry = byValue.get(key) ?? { field, policyId: finding.policyId, messages: new Set() };
      entry.messages.add(finding.message);
      byValue.set(key, entry);
      return true;
    };
    policy.examples.fail.forEach((room, i) => {
      const pointer = `/examples/fail/${i}`;
      const before = judgeRoom(room, checks, now);
      const after = judgeRoom(withValues(room, set), checks, now);
      const problem = (detail: string) => problems.push(new PolicyError(file, pointer, `fix: ${detail}`));
      if (after.errors.length > 0) {
        problem(`evaluation failed after the fix: ${after.errors.join('; ')}`);
        return;
      }
      const still = after.failures.filter((f) => f.policyId === policy.id && !blameValue(f));
      if (still.length > 0) {
        problem(`does not fix this example: ${still.map((f) => f.message).join('; ')}`);
      }
      // The fix keeps the room's ARN, so (policy, pointer) tells a finding the fix made from one it found.
      const key = (f: RuleFailure) => rulePart(f.policyId, f.path);
      const known = new Set(before.failures.map(key));
      for (const broken of after.failures.filter(
        (f) => f.policyId !== policy.id && !known.has(key(f)) && !blameValue(f),
      )) {
        problem(`breaks policy ${broken.policyId}: ${broken.message}`);
      }
    });
    for (const { field, policyId, messages } of byValue.values()) {
      const value = `fix.set.${field} = ${JSON.stringify(set[field])}`;
      const why = [...messages].join('; ');
      problems.push(
        new PolicyError(
          file,
          `/fix/set/${escapePointer(field)}`,
          policyId === policy.id
            ? `${value} still breaks the rule (${why}); set it to a value the rule accepts`
            : `${value} breaks policy ${policyId} (${why}); set it to a value both rules accept`,
        ),
      );
    }
  }
  return problems;
}

/** The fix field a finding's JSON pointer lies in (`/messageReviewHandler/uri` → `messageReviewHandler.uri`). */
function fixFieldAt(path: string, fields: readonly string[]): string | undefined {
  const dotted = path.split('/').slice(1).join('.');
  return fields.find((field) => dotted === field || dotted.startsWith(`${field}.`));
}
