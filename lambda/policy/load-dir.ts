import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PolicyError, PolicySetError } from '../core/errors.js';
import { fileProblem } from '../core/file-problem.js';
import {
  type CompiledPolicy,
  type CompileOptions,
  compilePolicySet,
  type PolicySource,
  type PolicyWarning,
} from './compile.js';

export const POLICY_SCHEMA_FILE = 'policy.schema.json';

/** The repository's own policies/ folder (next to lambda/ in the repo, and inside the Lambda bundle). */
export const DEFAULT_POLICIES_DIR = fileURLToPath(new URL('../../policies', import.meta.url));

export interface PolicySet {
  dir: string;
  policies: CompiledPolicy[];
  /** Problems that do not stop loading (expired exemptions); `policies check` and synth show them. */
  warnings: PolicyWarning[];
}

/**
 * Reads every `*.json` policy file of a folder (not the schema) and compiles them.
 * The schema comes from the folder itself when present, else from the bundled one.
 * Throws PolicySetError naming each bad file and JSON pointer.
 * Exemption dates are judged against `options.now`, the real clock unless a test passes one.
 */
export function loadPolicyDir(dir: string = DEFAULT_POLICIES_DIR, options: CompileOptions = {}): PolicySet {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json') && n !== POLICY_SCHEMA_FILE);
  } catch (cause) {
    throw new PolicySetError([
      new PolicyError(dir, '', `cannot read policy folder: ${fileProblem(cause, 'folder')}`, { cause }),
    ]);
  }
  const shown = (name: string) => relative(process.cwd(), join(dir, name)) || name;
  if (names.length === 0) {
    throw new PolicySetError([new PolicyError(shown(''), '', 'no policy files (*.json) in this folder')]);
  }
  const sources: PolicySource[] = names.sort().map((name) => ({
    file: shown(name),
    text: readPolicyFile(join(dir, name), shown(name)),
  }));
  const now = options.now ?? new Date().toISOString();
  return { dir, ...compilePolicySet(sources, readPolicySchema(dir), { ...options, now }) };
}

function readPolicyFile(path: string, shownAs: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw new PolicySetError([new PolicyError(shownAs, '', fileProblem(cause), { cause })]);
  }
}

function readPolicySchema(dir: string): object {
  for (const candidate of [join(dir, POLICY_SCHEMA_FILE), join(DEFAULT_POLICIES_DIR, POLICY_SCHEMA_FILE)]) {
    try {
      return JSON.parse(readFileSync(candidate, 'utf8')) as object;
    } catch {
      // try the next candidate
    }
  }
  throw new PolicySetError([new PolicyError(join(dir, POLICY_SCHEMA_FILE), '', 'policy schema not found')]);
}
