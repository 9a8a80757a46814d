import { statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { fileProblem } from '../core/file-problem.js';
import type { CompiledPolicy, PolicyWarning } from '../policy/compile.js';
import { compileWithEntryProblems, folderSchemaWarning, loadPolicyDir } from '../policy/load-dir.js';
import type { RouteTable } from '../policy/routes.js';
import { readPoliciesAtRef } from './git-policies.js';

export interface LoadedPolicies {
  /** The folder, or `<ref>:<path>/` for a git ref. */
  label: string;
  policies: CompiledPolicy[];
  warnings: PolicyWarning[];
  /** The folder's routes file, when it has one. */
  routes?: RouteTable;
}

/**
 * A policy set named on the command line: a folder, or else a git ref whose copy of `refFolder` (a
 * folder of the working tree) is read from git objects, so a pull request's policies can be checked
 * without a byte of them written to disk. A folder of that name wins over a ref; an absolute or `./`
 * path is always a folder. Either way the files are validated against the schema the tool ships, and
 * links are refused. `flag` names the option in errors about the ref (none for a command's argument:
 * the errors then start with the ref as typed, as a folder's do).
 */
export function loadPolicies(spec: string, refFolder: string, now: string, flag?: string): LoadedPolicies {
  // An absolute or ./ path is never a ref: a folder that is not there says so as a folder.
  if (isFolder(spec) || isAbsolute(spec) || /^\.\.?[\\/]/.test(spec)) {
    const set = loadPolicyDir(spec, { now });
    return {
      label: spec,
      policies: set.policies,
      warnings: set.warnings,
      ...(set.routes ? { routes: set.routes } : {}),
    };
  }
  const atRef = readPoliciesAtRef(spec, refFolder, flag);
  const set = compileWithEntryProblems(atRef.sources, atRef.problems, { now });
  const schemaWarning = atRef.schema && folderSchemaWarning(atRef.schema);
  return {
    label: atRef.label,
    policies: set.policies,
    warnings: [...(schemaWarning ? [schemaWarning] : []), ...set.warnings],
    ...(set.routes ? { routes: set.routes } : {}),
  };
}

export function isFolder(path: string): boolean {
  return folderProblem(path) === undefined;
}

/**
 * Why `path` is not a folder, in words (`no such folder (ENOENT)`, `it is a file, not a <what>`), or
 * undefined when it is one.
 */
export function folderProblem(path: string, what = 'folder'): string | undefined {
  try {
    return statSync(path).isDirectory() ? undefined : `it is a file, not a ${what}`;
  } catch (cause) {
    return fileProblem(cause, 'folder');
  }
}
