import { execFileSync } from 'node:child_process';
import { ConfigError } from '../core/errors.js';
import type { PolicySource } from '../policy/compile.js';
import { POLICY_SCHEMA_FILE } from '../policy/load-dir.js';

export interface PoliciesAtRef {
  /** `origin/main:policies/`, as messages and the diff name the side. */
  label: string;
  sources: PolicySource[];
  /** The folder's own policy.schema.json at that ref, when it has one. */
  schema?: object;
}

/**
 * The policy files of `dir` as they were at git `ref`, read with git plumbing (ls-tree, cat-file):
 * no checkout, the working tree is never touched. `dir` is a folder of the working tree; the same
 * path is read at the ref. Bad refs and folders the ref lacks are ConfigErrors naming `--base`.
 */
export function readPoliciesAtRef(ref: string, dir: string): PoliciesAtRef {
  // A ref is never an option: `--base=--output=x` must not reach git as one.
  if (ref.startsWith('-')) throw new ConfigError('--base', `"${ref}" is neither a folder nor a git ref`);
  const top = git(dir, ['rev-parse', '--show-toplevel']);
  const prefix = top === undefined ? undefined : git(dir, ['rev-parse', '--show-prefix']);
  if (top === undefined || prefix === undefined) {
    throw new ConfigError(
      '--base',
      `${ref} is not a folder, and ${dir} is not in a git repository to read a ref from`,
    );
  }
  const commit = git(top, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
  if (commit === undefined) {
    throw new ConfigError(
      '--base',
      `${ref} is neither a folder nor a git ref known here (git fetch it first?)`,
    );
  }
  const label = `${ref}:${prefix}`;
  const listing = git(top, ['ls-tree', '-z', prefix ? `${commit}:${prefix}` : `${commit}^{tree}`]);
  if (listing === undefined) throw new ConfigError('--base', `${ref} has no folder ${prefix}`);
  const sources: PolicySource[] = [];
  let schema: object | undefined;
  for (const line of listing.split('\0')) {
    // `<mode> <type> <object>\t<name>`
    const match = /^\d+ blob ([0-9a-f]+)\t(.+)$/.exec(line);
    if (!match?.[1] || !match[2]?.endsWith('.json')) continue;
    const text = git(top, ['cat-file', 'blob', match[1]], false) ?? '';
    if (match[2] === POLICY_SCHEMA_FILE) {
      schema = parseSchema(text, `${label}${match[2]}`);
    } else {
      sources.push({ file: `${prefix}${match[2]}`, text });
    }
  }
  if (sources.length === 0) throw new ConfigError('--base', `${label} has no policy files (*.json)`);
  sources.sort((a, b) => (a.file < b.file ? -1 : 1));
  return schema ? { label, sources, schema } : { label, sources };
}

function parseSchema(text: string, where: string): object {
  try {
    return JSON.parse(text) as object;
  } catch (cause) {
    throw new ConfigError('--base', `${where} is not JSON: ${(cause as Error).message}`);
  }
}

/** git's trimmed stdout, or undefined when git fails (unknown ref, not a repository). */
function git(cwd: string, args: string[], trim = true): string | undefined {
  try {
    const out = execFileSync('git', ['-C', cwd, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 64 * 1024 * 1024,
    });
    return trim ? out.trim() : out;
  } catch {
    return undefined;
  }
}
