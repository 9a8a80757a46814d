import { execFileSync } from 'node:child_process';
import { ConfigError, InputError, type PolicyError } from '../core/errors.js';
import type { PolicySource } from '../policy/compile.js';
import {
  fileTooLarge,
  MAX_POLICY_FILE_BYTES,
  notRegularFile,
  POLICY_SCHEMA_FILE,
} from '../policy/load-dir.js';

export interface PoliciesAtRef {
  /** `origin/main:policies/`, as messages and the diff name the side. */
  label: string;
  sources: PolicySource[];
  /** Entries refused unread: links, submodules, folders named *.json, files over the size limit. */
  problems: PolicyError[];
  /** The folder's own policy.schema.json at that ref, when it has one (never used to validate). */
  schema?: PolicySource;
}

// `<mode> <type> <object> <size>\t<name>` (ls-tree -z --long; the size is `-` for trees and
// submodules). With -z a name is verbatim and may hold any character, line breaks included.
const ENTRY = /^(\d+) (\w+) ([0-9a-f]+) +(-|\d+)\t([\s\S]+)$/;
const SYMLINK_MODE = '120000';

/**
 * The policy files of `dir` as they were at git `ref`, read with git plumbing (ls-tree, cat-file):
 * no checkout, nothing is written, the working tree is never touched. `dir` is a folder of the
 * working tree; the same path is read at the ref. A link or a submodule in that folder is refused,
 * as the folder loader refuses a link (its target is not in the ref's objects, and what it points to
 * on this machine is none of the ref's business); a blob over the size limit is refused unread.
 * Bad refs and folders the ref lacks are ConfigErrors naming `flag`; without one (the ref is a
 * command's argument, `policies check <ref>`) the message starts with the ref as typed.
 */
export function readPoliciesAtRef(ref: string, dir: string, flag?: string): PoliciesAtRef {
  const refused = (detail: string) => (flag ? new ConfigError(flag, detail) : new InputError(detail));
  // A ref is never an option: `--base=--output=x` must not reach git as one.
  if (ref.startsWith('-')) throw refused(`"${ref}" is neither a folder nor a git ref`);
  const top = git(dir, ['rev-parse', '--show-toplevel']);
  const prefix = top === undefined ? undefined : git(dir, ['rev-parse', '--show-prefix']);
  if (top === undefined || prefix === undefined) {
    throw refused(`${ref} is not a folder, and ${dir} is not in a git repository to read a ref from`);
  }
  const commit = git(top, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
  if (commit === undefined) {
    throw refused(`${ref} is neither a folder nor a git ref known here (git fetch it first?)`);
  }
  const label = `${ref}:${prefix}`;
  const listing = git(top, ['ls-tree', '-z', '--long', prefix ? `${commit}:${prefix}` : `${commit}^{tree}`]);
  if (listing === undefined) throw refused(`${ref} has no folder ${prefix}`);
  const sources: PolicySource[] = [];
  const problems: PolicyError[] = [];
  let schema: PolicySource | undefined;
  for (const line of listing.split('\0')) {
    if (line === '') continue;
    const [, mode, type, object, size, name] = ENTRY.exec(line) ?? [];
    if (!mode || !type || !object || !size || !name) {
      // Never skipped silently: an entry the folder view would refuse must not vanish from the ref view.
      throw refused(`${ref}: git ls-tree printed an entry this tool cannot read`);
    }
    const file = `${prefix}${name}`;
    if (mode === SYMLINK_MODE) {
      problems.push(notRegularFile(file, 'symbolic link'));
    } else if (type === 'commit') {
      problems.push(notRegularFile(file, 'submodule'));
    } else if (!name.endsWith('.json')) {
      // README.md, a drafts/ folder: never read.
    } else if (type !== 'blob') {
      problems.push(notRegularFile(file, 'folder'));
    } else if (Number(size) > MAX_POLICY_FILE_BYTES) {
      problems.push(fileTooLarge(file, Number(size)));
    } else {
      const text = git(top, ['cat-file', 'blob', object], false) ?? '';
      if (name === POLICY_SCHEMA_FILE) schema = { file, text };
      else sources.push({ file, text });
    }
  }
  if (sources.length === 0 && problems.length === 0) {
    throw refused(`${label} has no policy files (*.json)`);
  }
  sources.sort((a, b) => (a.file < b.file ? -1 : 1));
  return { label, sources, problems, ...(schema ? { schema } : {}) };
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
