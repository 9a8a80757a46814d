import { JOINED_FIELDS } from '../core/room-fields.js';
import type { CompiledPolicy } from './compile.js';
import { judgeRoom } from './judge-room.js';
import { policyCheck } from './verdict.js';

export interface ExampleFailure {
  policyId: string;
  file: string;
  /** JSON pointer of the example inside the policy file, e.g. /examples/pass/1 */
  example: string;
  arn: string;
  problem: string;
}

export interface ExampleResults {
  policies: {
    id: string;
    file: string;
    passExamples: number;
    failExamples: number;
    failures: ExampleFailure[];
  }[];
  failures: ExampleFailure[];
}

/**
 * Runs each policy's own examples through the audit's own steps (policy/judge-room.ts: appliesTo,
 * regions and joined facts included): every `pass` example must produce no finding, every `fail`
 * example at least one.
 */
export function runExamples(policies: readonly CompiledPolicy[], now: string): ExampleResults {
  const results: ExampleResults = { policies: [], failures: [] };
  for (const compiled of policies) {
    const { policy, file } = compiled;
    const checks = [policyCheck(compiled)];
    const failures: ExampleFailure[] = [];
    const check = (kind: 'pass' | 'fail', index: number) => {
      const room = policy.examples[kind][index];
      if (!room) return;
      const { failures: findings, errors, notEvaluated } = judgeRoom(room, checks, now);
      const where = { policyId: policy.id, file, example: `/examples/${kind}/${index}`, arn: room.arn };
      if (notEvaluated.length > 0) {
        failures.push({
          ...where,
          problem: `not evaluated: the rule reads ${JOINED_FIELDS.join(', ')}, which the example does not have (write it as the audit joins it)`,
        });
      } else if (errors.length > 0) {
        failures.push({ ...where, problem: `evaluation failed: ${errors.join('; ')}` });
      } else if (kind === 'pass' && findings.length > 0) {
        failures.push({
          ...where,
          problem: `expected to pass, but: ${findings.map((f) => f.message).join('; ')}`,
        });
      } else if (kind === 'fail' && findings.length === 0) {
        failures.push({ ...where, problem: 'expected to fail, but the rule accepts it' });
      }
    };
    for (let i = 0; i < policy.examples.pass.length; i++) check('pass', i);
    for (let i = 0; i < policy.examples.fail.length; i++) check('fail', i);
    results.policies.push({
      id: policy.id,
      file,
      passExamples: policy.examples.pass.length,
      failExamples: policy.examples.fail.length,
      failures,
    });
    results.failures.push(...failures);
  }
  return results;
}
