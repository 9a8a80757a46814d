#!/usr/bin/env node
// The CLI runs the TypeScript sources through tsx, so there is no build step to forget.
import { getEventListeners } from 'node:events';
import { register } from 'tsx/esm/api';

register();

// Stops a live run (its listeners clean up: a self-test deletes its room); made here so that every
// way out below (a signal, a closed pipe, an unexpected error) can stop it rather than exit past it.
const interrupt = new AbortController();
const runListening = () => getEventListeners(interrupt.signal, 'abort').length > 0;

// `ivschat-audit audit --help | head`: a reader that closes the pipe early ends the CLI quietly, with
// its exit code when it has one and otherwise 141 (128 + SIGPIPE, as other Unix tools end there).
// A live run is stopped instead, and ends by itself once it has cleaned up (`selftest --yes 2>&1 |
// head`, a CI log reader that went away: exiting at once would leave the self-test's room).
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code !== 'EPIPE') throw error;
    // Already stopping (its cleanup's own lines meet the closed pipe too): it ends by itself.
    if (interrupt.signal.aborted) return;
    if (!runListening()) process.exit(process.exitCode ?? 141);
    interrupt.abort('EPIPE');
  });
}
// Whatever escapes runCli (an error thrown from a callback, a rejection nobody awaited) is printed
// through the same sanitizer as everything else, not by Node's default handler, which writes the
// message as it is: it may quote room data or a policy file.
const { terminalSafe } = await import('../lambda/render/terminal.ts');
const { escapeControlCharacters } = await import('../lambda/core/control-chars.ts');
const unexpected = (error) => {
  // One line, as runCli prints its errors; the stack (DEBUG) keeps its own lines.
  const detail =
    error instanceof Error && process.env.DEBUG
      ? error.stack
      : escapeControlCharacters(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  process.stderr.write(terminalSafe(`error: unexpected failure: ${detail}\n`));
  // A live run is stopped so it cleans up (its cleanup has a bound of its own); then it ends, 3.
  if (runListening() && !interrupt.signal.aborted) {
    process.exitCode = 3;
    interrupt.abort('error');
    setTimeout(() => process.exit(3), 60_000).unref();
    return;
  }
  process.exit(3);
};
process.on('uncaughtException', unexpected);
process.on('unhandledRejection', unexpected);
// On Node 20 the AWS SDK warns in seven lines, on every live run, that its releases after January
// 2027 need Node 22: the CLI says that in one line of its own, where the SDK would have (README,
// Requirements). AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true silences both.
const { isSdkNodeVersionWarning, nodeSupportNotice, unsupportedNodeMessage } = await import(
  '../lambda/cli/node-support.ts'
);
const unsupported = unsupportedNodeMessage(process.version);
if (unsupported) {
  process.stderr.write(terminalSafe(unsupported));
  process.exit(2);
}
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  if (!isSdkNodeVersionWarning(warning)) return emitWarning(warning, ...rest);
  const notice = nodeSupportNotice(process.version);
  if (notice) process.stderr.write(terminalSafe(notice));
};
const { interruptCause } = await import('../lambda/cli/run-bound.ts');

// Ctrl-C, SIGTERM (CI cancellation, `timeout`, `docker stop`) and SIGHUP are handled alike. The first stops
// a live run cleanly: no new call, the partial report written where it was going, the room cache
// saved, exit 3. A command with no live run listening (audit --input, policies check) stops at once
// with a message, exit 3. A second signal quits at once (130 for SIGINT, 143 for SIGTERM).
const stop = (reason) => {
  if (!runListening()) {
    process.stderr.write(`\nerror: ${interruptCause(reason)}: stopped before the command finished\n`);
    process.exit(3);
  }
  process.stderr.write(`\n${interruptCause(reason)}: stopping (again to quit at once)…\n`);
  interrupt.abort(reason);
};
// SIGHUP (the terminal closed, an ssh session dropped) too: left to its default, it ends the process
// at once, past any cleanup.
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
]) {
  process.on(signal, () => (interrupt.signal.aborted ? process.exit(code) : stop(signal)));
}
// Under npx (or an npm script) the parent is npm's `sh -c`, which dies at once on Ctrl-C or when
// npm forwards a SIGTERM to it, without passing it on: this process is left running, orphaned, and
// would finish a run nobody waits for, or be lost with its rooms. Being orphaned there means npm
// was stopped, so it stops the run as a signal does (never as a second one).
if (process.env.npm_lifecycle_event !== undefined) {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent && !interrupt.signal.aborted) stop('parent');
  }, 250).unref();
}

const { runCli } = await import('../lambda/cli/main.ts');
const code = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  isTTY: process.stdout.isTTY,
  stderrIsTTY: process.stderr.isTTY,
  interrupt: interrupt.signal,
});
process.exitCode = code;
