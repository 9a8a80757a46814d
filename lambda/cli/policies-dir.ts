import { join } from 'node:path';
import { ConfigError } from '../core/errors.js';
import { DEFAULT_POLICIES_DIR, loadPolicyDir, type PolicySet } from '../policy/load-dir.js';
import { folderProblem, isFolder } from './policies-source.js';

export interface DefaultPoliciesDir {
  dir: string;
  /** For --help: which folder the default is, and why. */
  description: string;
}

/**
 * The policy folder used when none is given: `./policies` of the working directory when there is
 * one (a team runs the tool inside its own repository), else the policies bundled with the tool.
 */
export function defaultPoliciesDir(cwd: string): DefaultPoliciesDir {
  const local = join(cwd, 'policies');
  return isFolder(local)
    ? { dir: local, description: `./policies of the working directory (${local})` }
    : {
        dir: DEFAULT_POLICIES_DIR,
        description: `the bundled policies (${DEFAULT_POLICIES_DIR}); no ./policies here`,
      };
}

/**
 * The policy folder a flag names, checked as a folder first so the message names the flag:
 * `--policies ./polcies: no such folder`, not a parser's words.
 */
export function loadPolicyFolder(flag: string, dir: string): PolicySet {
  const problem = folderProblem(dir, 'folder of policy files');
  if (problem) throw new ConfigError(flag, `${dir}: ${problem}`);
  return loadPolicyDir(dir);
}
