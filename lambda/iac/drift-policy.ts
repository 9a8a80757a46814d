/**
 * The built-in `iac-drift` policy (iac-drift.policy.json): it reads the `iacDrift` fact the live
 * audit joins into rooms a CloudFormation stack owns (iac/drift.ts), one finding per differing
 * property. It is a policy file like the shipped ones, compiled and example-checked the same way,
 * so its findings are exempted, fingerprinted and delivered as every other policy's; a policy with
 * the same id in the policies folder replaces it (that is where its exemptions go). Its rule makes
 * every entry of `iacDrift.differences` a violation at the entry's own pointer (an entry never has
 * the `inSync` it requires), so each property is one finding whose fingerprint is the room and the
 * property; the message is templated from the entry (ajv-errors quotes the values, as the shipped
 * policies' messages do).
 */
import { type CompiledPolicy, compilePolicies } from '../policy/compile.js';
import { POLICY_FILE_SCHEMA } from '../policy/load-dir.js';
import builtIn from './iac-drift.policy.json' with { type: 'json' };

export const IAC_DRIFT_POLICY_ID = 'iac-drift';
/** The field the join writes and the policy reads. */
export const IAC_DRIFT_FIELD = 'iacDrift';

/** The built-in policy as a file would hold it (a copy in a folder may add exemptions). */
export const IAC_DRIFT_POLICY: object = builtIn;

let compiled: CompiledPolicy | undefined;

/** `policies` with the built-in iac-drift policy added, unless the folder brings its own. */
export function withIacDriftPolicy(policies: readonly CompiledPolicy[]): CompiledPolicy[] {
  if (policies.some((p) => p.policy.id === IAC_DRIFT_POLICY_ID)) return [...policies];
  compiled ??= compileBuiltIn();
  return [...policies, compiled];
}

/** True when some policy reads the joined fact: only then are stacks read. */
export function policiesReadIacDrift(policies: readonly CompiledPolicy[]): boolean {
  return policies.some((p) => p.policy.id === IAC_DRIFT_POLICY_ID);
}

function compileBuiltIn(): CompiledPolicy {
  const [policy] = compilePolicies(
    [{ file: `${IAC_DRIFT_POLICY_ID}.json`, text: JSON.stringify(builtIn) }],
    POLICY_FILE_SCHEMA,
  );
  if (!policy) throw new Error('the built-in iac-drift policy did not compile');
  return policy;
}
