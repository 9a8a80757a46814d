import { type CliIo, runCli } from '../../lambda/cli/main.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process and captures what it prints. */
export function cli(...argv: string[]): Promise<CliRun> {
  return cliWith(argv);
}

/**
 * The CLI in-process with CliIo overrides (a terminal, an interrupt, a working directory, a clock).
 * Output is captured, and also passed on to `io.stdout`/`io.stderr` when a test listens to it live.
 */
export async function cliWith(argv: string[], io: Partial<CliIo> = {}): Promise<CliRun> {
  const out = { stdout: '', stderr: '' };
  const code = await runCli(argv, {
    env: { NO_COLOR: '1' },
    ...io,
    stdout: (t) => {
      out.stdout += t;
      io.stdout?.(t);
    },
    stderr: (t) => {
      out.stderr += t;
      io.stderr?.(t);
    },
  });
  return { code, ...out };
}
