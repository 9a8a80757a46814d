import { closeSync, constants, type Dirent, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import shippedSchema from '../../policies/policy.schema.json' with { type: 'json' };
import { canonicalJson } from '../core/canonical-json.js';
import { PolicyError, PolicySetError } from '../core/errors.js';
import { fileProblem } from '../core/file-problem.js';
import {
  type CompiledPolicy,
  type CompileOptions,
  compilePolicySet,
  type PolicySource,
  type PolicyWarning,
} from './compile.js';
import { proveFixes } from './fix-proof.js';
import type { RouteTable } from './routes.js';
import { compileRoutes, isRoutesEntry, ROUTES_SCHEMA_FILE } from './routes-file.js';

export const POLICY_SCHEMA_FILE = 'policy.schema.json';

/**
 * The schema every policy file is validated against: the one this tool ships, part of its code (the
 * Lambda bundle embeds it). Never a folder's own copy: a pull request that could bring its schema
 * could make any severity, or any field, valid.
 */
export const POLICY_FILE_SCHEMA: object = shippedSchema;

/** A policy file larger than this is refused unread (the starter policies are about 2 KiB). */
export const MAX_POLICY_FILE_BYTES = 1024 * 1024;

/** The repository's own policies/ folder (next to lambda/ in the repo, and inside the Lambda bundle). */
export const DEFAULT_POLICIES_DIR = fileURLToPath(new URL('../../policies', import.meta.url));

export interface LoadOptions extends CompileOptions {
  /**
   * Whether to read the folder's own policy.schema.json and warn when it differs from the shipped
   * schema (default true). The Lambda passes false: it shows no warnings, so every cold start would
   * read and compare the file for nothing.
   */
  schemaWarning?: boolean;
}

export interface PolicySet {
  dir: string;
  policies: CompiledPolicy[];
  /** Problems that do not stop loading (expired exemptions); `policies check` and synth show them. */
  warnings: PolicyWarning[];
  /** The folder's `routes.json` (alert routing), when it has one. */
  routes?: RouteTable;
}

/**
 * Reads every `*.json` policy file of a folder (not the schema) and compiles them against the schema
 * the tool ships. A folder's own policy.schema.json (editors use it) is never used; when it differs
 * from the shipped one, a warning says so (unless `options.schemaWarning` is false: then it is not read). Symbolic links, and `*.json` entries that are not regular
 * files, are refused, not followed: a policy folder can come from a pull request, and a link would
 * read a file of the machine (or /dev/zero) into the output. Throws PolicySetError naming each bad
 * file and JSON pointer.
 * Exemption dates are judged against `options.now`, the real clock unless a test passes one.
 */
export function loadPolicyDir(dir: string = DEFAULT_POLICIES_DIR, options: LoadOptions = {}): PolicySet {
  const { schemaWarning: readFolderSchema = true, ...compileOptions } = options;
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (cause) {
    throw new PolicySetError([
      new PolicyError(dir, '', `cannot read policy folder: ${fileProblem(cause, 'folder')}`, { cause }),
    ]);
  }
  const shown = (name: string) => relative(process.cwd(), join(dir, name)) || name;
  const problems: PolicyError[] = [];
  const sources: PolicySource[] = [];
  let folderSchema: PolicySource | undefined;
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const file = shown(entry.name);
    if (entry.isSymbolicLink()) {
      problems.push(notRegularFile(file, 'symbolic link'));
      continue;
    }
    if (!entry.name.endsWith('.json')) continue;
    // Read only to warn about it: a caller that shows no warnings skips the read.
    if (entry.name === POLICY_SCHEMA_FILE && !readFolderSchema) continue;
    if (entry.name === ROUTES_SCHEMA_FILE) continue; // for editors; the tool validates with its own
    const read = readRegularFile(join(dir, entry.name), file);
    if (read instanceof PolicyError) {
      problems.push(read);
    } else if (entry.name === POLICY_SCHEMA_FILE) {
      folderSchema = { file, text: read };
    } else {
      sources.push({ file, text: read });
    }
  }
  if (sources.every((s) => isRoutesEntry(s.file)) && problems.length === 0) {
    throw new PolicySetError([new PolicyError(shown(''), '', 'no policy files (*.json) in this folder')]);
  }
  const now = options.now ?? new Date().toISOString();
  const set = compileWithEntryProblems(sources, problems, { ...compileOptions, now });
  const schemaWarning = folderSchema && folderSchemaWarning(folderSchema);
  return {
    dir,
    policies: set.policies,
    warnings: [...(schemaWarning ? [schemaWarning] : []), ...set.warnings],
    ...(set.routes ? { routes: set.routes } : {}),
  };
}

/**
 * Compiles `sources` against the shipped schema, then proves the fixes of the compiled set; problems
 * found while reading the folder (a link, a file too large) are thrown together with the files' own,
 * so one run shows them all. The folder's `routes.json` is compiled as the routes file (its problems
 * thrown with the policies'); `routes.schema.json`, like policy.schema.json, is for editors only.
 */
export function compileWithEntryProblems(
  allSources: PolicySource[],
  folderProblems: PolicyError[],
  options: CompileOptions,
): { policies: CompiledPolicy[]; warnings: PolicyWarning[]; routes?: RouteTable } {
  const sources = allSources.filter((s) => isRoutesEntry(s.file) === undefined);
  const routesSource = allSources.find((s) => isRoutesEntry(s.file) === 'routes');
  const routes = routesSource ? compileRoutes(routesSource) : undefined;
  const entryProblems = Array.isArray(routes) ? [...folderProblems, ...routes] : folderProblems;
  let set: { policies: CompiledPolicy[]; warnings: PolicyWarning[] };
  try {
    set = compilePolicySet(sources, POLICY_FILE_SCHEMA, options);
  } catch (error) {
    if (error instanceof PolicySetError && entryProblems.length > 0) {
      throw new PolicySetError([...entryProblems, ...error.problems]);
    }
    throw error;
  }
  // Fixes are proven against the whole set (a fix must not break another policy), so only a set
  // whose every rule compiled is worth the proof.
  const proof = proveFixes(inReadingOrder(set.policies, sources), options.now ?? '');
  const problems = [...entryProblems, ...proof];
  if (problems.length > 0) throw new PolicySetError(problems);
  return routes && !Array.isArray(routes) ? { ...set, routes } : set;
}

/**
 * The compiled set (sorted by id) back in the order its files were read: the proof's problems are
 * listed file by file in that order, like the compiler's own.
 */
function inReadingOrder(
  policies: readonly CompiledPolicy[],
  sources: readonly PolicySource[],
): CompiledPolicy[] {
  const position = new Map(sources.map((source, i) => [source.file, i]));
  return [...policies].sort((a, b) => (position.get(a.file) ?? 0) - (position.get(b.file) ?? 0));
}

/**
 * A routes file named on its own (the CLI's `--routes`), read like a policy file (a regular file, no
 * link, within the size limit) and checked like the folder's; throws PolicySetError naming each problem.
 */
export function loadRoutesFile(path: string): RouteTable {
  const file = relative(process.cwd(), path) || path;
  const read = readRegularFile(path, file);
  if (read instanceof PolicyError) throw new PolicySetError([read]);
  const routes = compileRoutes({ file, text: read });
  if (Array.isArray(routes)) throw new PolicySetError(routes);
  return routes;
}

/** A folder's own copy of the schema is ignored; say so when relying on it would mislead. */
export function folderSchemaWarning(schema: PolicySource): PolicyWarning | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(schema.text);
  } catch {
    parsed = undefined;
  }
  if (parsed !== undefined && canonicalJson(parsed) === canonicalJson(POLICY_FILE_SCHEMA)) return undefined;
  const detail =
    "differs from the policy schema this tool ships and is ignored: policy files are always validated against the tool's own (copy it from the tool's policies/ folder to keep editors in step)";
  return { file: schema.file, pointer: '', message: `${schema.file}: ${detail}` };
}

/** A `*.json` entry that is not a regular file: a link, a folder, a device, a FIFO, a submodule. */
export function notRegularFile(file: string, kind: string): PolicyError {
  return new PolicyError(
    file,
    '',
    `is a ${kind}: a policy folder holds regular files only, and links are not followed`,
  );
}

export function fileTooLarge(file: string, bytes: number): PolicyError {
  return new PolicyError(
    file,
    '',
    `is ${bytes} bytes, more than a policy file may be (${MAX_POLICY_FILE_BYTES} bytes); a policy is a few KiB`,
  );
}

/**
 * The file's text, read through one descriptor opened without following a link (and without blocking
 * on a FIFO), so what is checked is what is read; at most MAX_POLICY_FILE_BYTES.
 */
function readRegularFile(path: string, file: string): string | PolicyError {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException)?.code === 'ELOOP') return notRegularFile(file, 'symbolic link');
    return new PolicyError(file, '', fileProblem(cause), { cause });
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return notRegularFile(file, stat.isDirectory() ? 'folder' : 'special file');
    if (stat.size > MAX_POLICY_FILE_BYTES) return fileTooLarge(file, stat.size);
    // Sized by fstat, plus one byte to notice a file that grew since; one that did is read on up to
    // one byte past the limit, so it is still refused when too large.
    let buffer = Buffer.alloc(stat.size + 1);
    let length = readInto(fd, buffer, 0);
    if (length === buffer.length) {
      const larger = Buffer.alloc(MAX_POLICY_FILE_BYTES + 1);
      buffer.copy(larger, 0, 0, length);
      buffer = larger;
      length = readInto(fd, buffer, length);
    }
    if (length > MAX_POLICY_FILE_BYTES) return fileTooLarge(file, length);
    return buffer.subarray(0, length).toString('utf8');
  } catch (cause) {
    return new PolicyError(file, '', fileProblem(cause), { cause });
  } finally {
    closeSync(fd);
  }
}

/** Reads from `fd` into `buffer` from `length` on until the file ends or the buffer is full; the new length. */
function readInto(fd: number, buffer: Buffer, length: number): number {
  for (let n = 1; n > 0 && length < buffer.length; length += n) {
    n = readSync(fd, buffer, length, buffer.length - length, null);
  }
  return length;
}
