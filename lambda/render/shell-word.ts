/**
 * Values put into a command line that people copy from an alert into a shell. Room names, tag
 * values and the like are chosen by whoever may create or tag a room: pasted raw, `$(…)`, backticks,
 * `;` or a newline in one would run as a command on the on-call engineer's machine.
 */

/**
 * A word no POSIX shell (nor zsh, nor fish) changes: not a glob, expansion, separator, quote,
 * comment or tilde. It may not start with `=` (zsh expands `=cmd` to a path).
 */
const PLAIN = /^[A-Za-z0-9_@%+:,./-][A-Za-z0-9_@%+=:,./-]*$/;

/**
 * `value` as exactly one shell word that the shell reads back as `value`: left as it is when it
 * holds only characters no shell treats specially (an ARN, a region, an account id — what AWS
 * produces — reads the same in a command and in prose), else in single quotes, where nothing is
 * special but the quote itself, written `'\''`.
 */
export function shellWord(value: string): string {
  if (PLAIN.test(value)) return value;
  return `'${value.replaceAll("'", "'\\''")}'`;
}
