import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * The folder in the working directory where `remediate` keeps its own files by default — the trail
 * and a saved plan — so they are not left untracked beside the user's sources. The CLI is usually run
 * at the root of a repository (its ./policies is the default policy folder), so the folder carries a
 * `.gitignore` of its own that keeps its content out of git wherever it is created.
 */
export const WORK_DIR = '.ivschat-audit';
export const DEFAULT_TRAIL_FILE = `${WORK_DIR}/remediation.jsonl`;
export const DEFAULT_PLAN_FILE = `${WORK_DIR}/plan.json`;
/** Where the trail was kept before it moved into WORK_DIR. */
export const OLD_TRAIL_FILE = 'ivschat-remediation.jsonl';

const GITIGNORE =
  '# Written by ivschat-audit: its remediation trail and saved plans, kept out of git.\n' +
  '# Keep the trail (remediation.jsonl): --undo and a second --apply of a plan read it.\n' +
  '*\n';

/**
 * Creates the work folder `path` is in, when that folder is WORK_DIR, with its `.gitignore` (an
 * existing one is left as it is). Failing to create it is left to the caller's writable-path check,
 * which names the flag and the folder.
 */
export async function prepareWorkDir(path: string): Promise<void> {
  const folder = dirname(resolve(path));
  if (basename(folder) !== WORK_DIR) return;
  try {
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, '.gitignore'), GITIGNORE, { flag: 'wx' });
  } catch {
    // EEXIST: the folder has its .gitignore already; anything else: the writable-path check says it.
  }
}

/**
 * A note when the trail is left at its default while the old default file exists in `cwd`: its
 * changes are not read (--undo, a second --apply) unless it is moved or named.
 */
export function oldTrailNote(cwd: string): string | undefined {
  if (!existsSync(join(cwd, OLD_TRAIL_FILE)) || existsSync(join(cwd, DEFAULT_TRAIL_FILE))) return undefined;
  return (
    `note: ${OLD_TRAIL_FILE} (where the trail used to be kept) is not read: ` +
    `move it to ${DEFAULT_TRAIL_FILE}, or pass --trail ${OLD_TRAIL_FILE}`
  );
}
