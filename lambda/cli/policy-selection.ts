import { closestWord } from '../core/closest-word.js';
import { ConfigError } from '../core/errors.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { stripControl } from '../render/escape.js';

/** `--policy` / `--skip-policy` as commander gives them (each repeatable, `[]` when not given). */
export interface PolicySelectionFlags {
  policy: string[];
  skipPolicy?: string[];
}

/**
 * The policies `--policy` keeps (every one when not given) less those `--skip-policy` names, in the
 * folder's order. An id the folder does not hold is a usage error that suggests the nearest one: a
 * misspelt id must not silently select nothing (or skip nothing).
 */
export function selectPolicies<T extends CompiledPolicy>(
  policies: readonly T[],
  flags: PolicySelectionFlags,
  dir: string,
): T[] {
  const skip = flags.skipPolicy ?? [];
  checkPolicyIdsExist('--policy', flags.policy, policies, dir);
  checkPolicyIdsExist('--skip-policy', skip, policies, dir);
  const only = flags.policy.length > 0 ? new Set(flags.policy) : undefined;
  const skipped = new Set(skip);
  const selected = policies.filter((p) => (!only || only.has(p.policy.id)) && !skipped.has(p.policy.id));
  if (selected.length === 0) {
    throw new ConfigError(skip.length > 0 ? '--skip-policy' : '--policy', 'leaves no policy to evaluate');
  }
  return selected;
}

/** Throws a ConfigError naming `flag` for the first id no policy of the folder has. */
export function checkPolicyIdsExist(
  flag: string,
  ids: readonly string[],
  policies: readonly CompiledPolicy[],
  dir: string,
): void {
  const known = policies.map((p) => p.policy.id);
  for (const id of ids) {
    if (known.includes(id)) continue;
    const guess = closestWord(id, known);
    const hint = guess ? `did you mean "${guess}"?` : `its policies: ${known.join(', ')}`;
    throw new ConfigError(flag, `no policy "${stripControl(id)}" in ${stripControl(dir)} (${hint})`);
  }
}
