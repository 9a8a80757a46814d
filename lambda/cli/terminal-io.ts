import { TerminalSanitizer, type TerminalText } from '../render/terminal.js';

/** Where the CLI prints: each call is one piece of output, not necessarily a whole line. */
export type Write = (text: TerminalText) => void;

export interface TerminalStreams {
  stdout: Write;
  stderr: Write;
}

/**
 * `io` with its two streams behind one TerminalSanitizer each: every byte the CLI prints (reports,
 * messages, errors, help and usage errors from commander, the progress line) passes through here,
 * so text from policy files, room data or error messages cannot drive the terminal or the CI
 * runner. Only the CLI's own TerminalCodes reach the stream as they are.
 */
export function terminalIo<T extends { stdout: (text: string) => void; stderr: (text: string) => void }>(
  io: T,
): Omit<T, 'stdout' | 'stderr'> & TerminalStreams {
  const out = new TerminalSanitizer();
  const err = new TerminalSanitizer();
  return {
    ...io,
    stdout: (text) => io.stdout(out.write(text)),
    stderr: (text) => io.stderr(err.write(text)),
  };
}
