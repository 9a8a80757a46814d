import { escapeControlCharacters, unicodeEscape } from '../core/control-chars.js';

/**
 * Output for a terminal or a CI log: what the CLI prints may hold text it did not write (policy ids,
 * titles and file names from a pull request, room names and tag values, error messages quoting
 * either), and such text must not act on the reader's terminal or on the CI runner.
 *
 * Text is made inert by `TerminalSanitizer`; the CLI's own escape sequences (colours, clearing the
 * progress line) are `TerminalCode`s, objects that only this module makes, so no input can pass
 * for one: a string is always escaped, whatever it holds.
 */
export class TerminalCode {
  private constructor(readonly sequence: string) {}

  /** SGR colours and weights of the text report, and the progress line's "back to column 0, erase". */
  static readonly codes = {
    critical: new TerminalCode('\u001b[1;31m'),
    high: new TerminalCode('\u001b[31m'),
    medium: new TerminalCode('\u001b[33m'),
    low: new TerminalCode('\u001b[36m'),
    info: new TerminalCode('\u001b[2m'),
    bold: new TerminalCode('\u001b[1m'),
    dim: new TerminalCode('\u001b[2m'),
    reset: new TerminalCode('\u001b[0m'),
    clearLine: new TerminalCode('\r\u001b[K'),
  } as const;
}

export const TERMINAL = TerminalCode.codes;

export type TerminalPart = string | TerminalCode;
/** What a CLI writer takes: plain text, or text with the CLI's own codes between its pieces. */
export type TerminalText = string | readonly TerminalPart[];

/** The parts as one string, codes included: for tests and callers that print nothing themselves. */
export function joinParts(text: TerminalText): string {
  if (typeof text === 'string') return text;
  return text.map((p) => (p instanceof TerminalCode ? p.sequence : p)).join('');
}

/**
 * Makes everything written to one stream inert, chunk by chunk (a chunk may end mid-line):
 *
 * - every control character (core/control-chars.ts) except `\n` is written as a `\uXXXX` escape:
 *   ESC → `\u001b`, BEL → `\u0007`, CR → `\u000d`, TAB → `\u0009`, U+202E → `\u202e`;
 * - a line whose first non-blank character is `:` gets that colon as `\u003a`: the GitHub Actions
 *   runner takes a line that starts with `::` after leading whitespace as a workflow command
 *   (`::error::`, `::add-mask::`, `::stop-commands::`);
 * - `##[` becomes `##\u005b` wherever it is: the runner's older command syntax (`##[error]…`) is
 *   matched anywhere in a line.
 *
 * The escapes are JSON's own, so JSON written through it stays valid and parses to the same values
 * (a JSON line never starts with `:`, and `\u005b` inside a string is `[`). Applying it twice
 * changes nothing more.
 */
export class TerminalSanitizer {
  /** Nothing but blanks has been written since the last newline (or since the start). */
  private lineStart = true;
  /** How many `#` (0–2) end what has been written, for a `##[` split across two chunks. */
  private hashes = 0;

  /** The text of `text` to write, codes kept as they are. */
  write(text: TerminalText): string {
    if (typeof text === 'string') return this.text(text);
    return text.map((p) => (p instanceof TerminalCode ? this.code(p) : this.text(String(p)))).join('');
  }

  private code(code: TerminalCode): string {
    // A carriage return starts the line again: what follows is at its start for the runner too.
    if (code.sequence.includes('\r')) {
      this.lineStart = true;
      this.hashes = 0;
    }
    return code.sequence;
  }

  private text(chunk: string): string {
    if (chunk === '') return '';
    const escaped = escapeControlCharacters(chunk, { keepNewlines: true }).replace(
      this.lineStart ? /(^|\n)(\s*):/g : /(\n)(\s*):/g,
      (_, nl: string, blanks: string) => `${nl}${blanks}${unicodeEscape(':')}`,
    );
    const carried = '#'.repeat(this.hashes) + escaped;
    const out = carried.replace(/##\[/g, `##${unicodeEscape('[')}`).slice(this.hashes);
    const newline = out.lastIndexOf('\n');
    const lastLine = out.slice(newline + 1);
    this.lineStart = (newline >= 0 || this.lineStart) && /^\s*$/.test(lastLine);
    this.hashes = /#{0,2}$/.exec(carried.slice(-2))?.[0].length ?? 0;
    return out;
  }
}

/** `text` made inert as one whole piece of output (see TerminalSanitizer). */
export function terminalSafe(text: string): string {
  return new TerminalSanitizer().write(text);
}
