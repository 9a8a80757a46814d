import { PolicyError } from '../core/errors.js';
import { Evaluator } from '../core/evaluate.js';
import { withValues } from '../core/fix.js';
import type { CompiledPolicy } from './compile.js';

/**
 * Proves each policy's `fix` on its own fail examples: every fail room, with the fix applied as
 * UpdateRoom would apply it, must pass the policy and must not break a rule of any other policy in
 * the set. A fix that does not fix would write to real rooms for nothing, so it is refused here,
 * where `policies check`, the audit and `cdk synth` all load policies.
 */
export function proveFixes(policies: readonly CompiledPolicy[], now: string): PolicyError[] {
  const evaluator = new Evaluator(policies, { cache: false });
  const problems: PolicyError[] = [];
  for (const { policy, file } of policies) {
    if (!policy.fix) continue;
    policy.examples.fail.forEach((room, i) => {
      const pointer = `/examples/fail/${i}`;
      const ctx = { now };
      const before = evaluator.evaluate(room, ctx);
      const after = evaluator.evaluate(withValues(room, policy.fix?.set ?? {}), ctx);
      const problem = (detail: string) => problems.push(new PolicyError(file, pointer, `fix: ${detail}`));
      if (after.errors.length > 0) {
        problem(`evaluation failed after the fix: ${after.errors.map((e) => e.message).join('; ')}`);
        return;
      }
      const still = after.findings.filter((f) => f.policyId === policy.id);
      if (still.length > 0) {
        problem(`does not fix this example: ${still.map((f) => f.message).join('; ')}`);
      }
      const known = new Set(before.findings.map((f) => f.fingerprint));
      for (const broken of after.findings.filter(
        (f) => f.policyId !== policy.id && !known.has(f.fingerprint),
      )) {
        problem(`breaks policy ${broken.policyId}: ${broken.message}`);
      }
    });
  }
  return problems;
}
