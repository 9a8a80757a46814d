/**
 * What the CLI runs in: its streams and surroundings (`CliIo`, which tests fake), the same with every
 * piece of text made inert (`SafeIo`, what the commands print through), and the one rule for quoting
 * outside text in a message line.
 */
import type { Readable } from 'node:stream';
import { escapeControlCharacters } from '../core/control-chars.js';
import type { terminalIo } from './terminal-io.js';

/** The streams and surroundings the CLI runs in; runCli prints only through terminalIo(io). */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  isTTY?: boolean;
  /** stderr is a terminal: live commands show their progress there. */
  stderrIsTTY?: boolean;
  /** Aborts when the user presses Ctrl-C: a live run stops and reports what it got. */
  interrupt?: AbortSignal;
  /** What `--input -` reads. Default process.stdin. */
  stdin?: Readable;
  /** The working directory (its ./policies is the default policy folder). Default process.cwd(). */
  cwd?: string;
  /** The clock, read once for the run's `now` (and for its finishing time). Default: the system's. */
  clock?: () => Date;
}

/** CliIo whose stdout and stderr make every piece of text inert (see terminalIo). */
export type SafeIo = ReturnType<typeof terminalIo<CliIo>>;

/**
 * A message that quotes outside text (a path, a ref, a policy file, room data) as one line: a
 * newline in it is escaped like every other control character, so it cannot start a line of its
 * own (the writer keeps newlines, which are the CLI's own line breaks).
 */
export function oneLine(message: string): string {
  return escapeControlCharacters(message);
}
