/**
 * What every reader of a file (rooms, policy, plan) says of one with nothing in it, or nothing but
 * whitespace: not the JSON parser's "expected a value", which reads as a bug of the file's content.
 */
export const EMPTY_FILE = 'the file is empty';

/** Whether a file's text counts as empty: no character, or only whitespace (a BOM among it). */
export function isEmptyText(text: string): boolean {
  return text.trim() === '';
}

/**
 * What a file-system error means to the person who named the path, in their words ("no such
 * file"), with the system's code kept in parentheses for a search: `ENOENT` alone says nothing to
 * most users. `expected` is what the path should name.
 */
export function fileProblem(error: unknown, expected: 'file' | 'folder' = 'file'): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return `no such ${expected} (ENOENT)`;
    case 'EISDIR':
      return 'it is a folder, not a file (EISDIR)';
    case 'ENOTDIR':
      return expected === 'folder'
        ? 'it is a file, not a folder (ENOTDIR)'
        : 'a part of the path is a file, not a folder (ENOTDIR)';
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code})`;
    default:
      return `cannot be read (${code ?? (error instanceof Error ? error.message : String(error))})`;
  }
}
