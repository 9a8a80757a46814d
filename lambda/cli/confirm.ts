/**
 * Asking the person at the terminal before a command changes their account: whether there is a
 * terminal to ask on, and one yes/no question answered by a line on stdin.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/** Whether stdin is a terminal: only then is there someone to ask (a pipe or CI answers nothing). */
export function stdinIsTerminal(stdin: Readable | undefined): boolean {
  return (stdin as { isTTY?: boolean } | undefined)?.isTTY === true;
}

/**
 * Writes `question` and reads one line: true for `y` or `yes` (any case), false for anything else,
 * for the end of input, and when `signal` aborts (Ctrl-C while asked).
 */
export async function confirm(
  question: string,
  io: { stdin: Readable; write: (text: string) => void },
  signal?: AbortSignal,
): Promise<boolean> {
  io.write(question);
  const lines = createInterface({ input: io.stdin, terminal: false });
  try {
    return await new Promise<boolean>((resolve) => {
      lines.once('line', (answer) => resolve(/^y(es)?$/i.test(answer.trim())));
      lines.once('close', () => resolve(false));
      if (signal?.aborted) resolve(false);
      signal?.addEventListener('abort', () => resolve(false), { once: true });
    });
  } finally {
    lines.close();
  }
}
