import { statSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_POLICIES_DIR } from '../policy/load-dir.js';

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
  let isFolder = false;
  try {
    isFolder = statSync(local).isDirectory();
  } catch {
    // no ./policies here
  }
  return isFolder
    ? { dir: local, description: `./policies of the working directory (${local})` }
    : {
        dir: DEFAULT_POLICIES_DIR,
        description: `the bundled policies (${DEFAULT_POLICIES_DIR}); no ./policies here`,
      };
}
