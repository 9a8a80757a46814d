import { access, constants, lstat, readlink, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { AuditorError, ConfigError } from '../core/errors.js';

/**
 * A file that passed the up-front check could not be written once the run was done (disk full,
 * an I/O error). Exit 3, like a failed publish: the audit ran but its result
 * did not arrive, so nothing was published or recorded and running again is the remedy.
 */
export class OutputWriteError extends AuditorError {
  override readonly name = 'OutputWriteError';
}

export interface FilePaths {
  input?: string;
  state?: string;
  output?: string;
}

/**
 * Checks the files a run will write before it does any work (API calls, a long read): their
 * folder exists, they are not folders, and the report does not overwrite the rooms file or the
 * state file. Errors name the flag and the path.
 */
export async function checkFilePaths(paths: FilePaths): Promise<void> {
  const state = paths.state ? await writablePath('--state', paths.state) : undefined;
  const output = paths.output ? await writablePath('--output', paths.output) : undefined;
  const input = paths.input ? await realpath(paths.input).catch(() => resolve(paths.input ?? '')) : undefined;
  if (state && state === input) {
    throw new ConfigError(
      '--state',
      `${paths.state} is the --input file; the state file is this tool's own (give it another name)`,
    );
  }
  if (!output) return;
  if (state === output) {
    throw new ConfigError('--output', `${paths.output} is the --state file; the report would overwrite it`);
  }
  if (input === output) {
    throw new ConfigError('--output', `${paths.output} is the --input file; the report would overwrite it`);
  }
}

/**
 * Checks a file a command will write (audit --output and --state, export-rooms --output): its
 * folder exists and is writable, and it is not a folder. Returns the real path the file will have
 * (symbolic links resolved). Errors name the flag and the path.
 */
export async function writablePath(flag: string, path: string): Promise<string> {
  const folder = dirname(resolve(path));
  const folderStat = await stat(folder).catch(() => undefined);
  if (!folderStat?.isDirectory()) {
    throw new ConfigError(flag, `cannot write ${path}: folder ${dirname(path)} does not exist`);
  }
  if (
    !(await access(folder, constants.W_OK).then(
      () => true,
      () => false,
    ))
  ) {
    throw new ConfigError(flag, `cannot write ${path}: folder ${dirname(path)} is not writable`);
  }
  const target = join(await realpath(folder), basename(path));
  const existing = await realpath(target).catch(() => undefined);
  if (existing && (await stat(existing)).isDirectory()) {
    throw new ConfigError(flag, `cannot write ${path}: it is a folder`);
  }
  if (!existing && (await lstat(target).catch(() => undefined))?.isSymbolicLink()) {
    // A link to a file yet to be made is fine; a link into a folder that is not there fails only
    // once the run is over, so it is caught here with the rest.
    const linked = resolve(dirname(target), await readlink(target));
    if (!(await stat(dirname(linked)).catch(() => undefined))?.isDirectory()) {
      throw new ConfigError(flag, `cannot write ${path}: it links to ${linked}, whose folder does not exist`);
    }
  }
  return existing ?? target;
}

/** `-o -`: the report goes to standard output, as `-` means for other tools. */
export const STDOUT = '-';
