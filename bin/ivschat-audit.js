#!/usr/bin/env node
// The CLI runs the TypeScript sources through tsx, so there is no build step to forget.
import { getEventListeners } from 'node:events';
import { register } from 'tsx/esm/api';

register();

// `ivschat-audit audit --help | head`: a reader that closes the pipe early ends the CLI quietly, with
// its exit code when it has one and otherwise 141 (128 + SIGPIPE, as other Unix tools end there).
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 141);
    throw error;
  });
}
const { runCli } = await import('../lambda/cli/main.ts');

// The first Ctrl-C stops a live run cleanly (partial report, room cache saved, exit 3); a second
// one, or one while no live run listens (policies check, audit --input), quits at once.
const interrupt = new AbortController();
process.on('SIGINT', () => {
  if (interrupt.signal.aborted || getEventListeners(interrupt.signal, 'abort').length === 0)
    process.exit(130);
  process.stderr.write('\nstopping (Ctrl-C again to quit at once)…\n');
  interrupt.abort();
});

const code = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  isTTY: process.stdout.isTTY,
  stderrIsTTY: process.stderr.isTTY,
  interrupt: interrupt.signal,
});
process.exitCode = code;
