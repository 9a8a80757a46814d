import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root, and the real bin as a user runs it. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(ROOT, 'bin/ivschat-audit.js');

export interface SpawnOptions {
  /** Default: the repository's root. */
  cwd?: string;
  /** The child's whole environment. Default: this process's. */
  env?: NodeJS.ProcessEnv;
  detached?: boolean;
  /** Written to the child's stdin, which is then closed; without it stdin stays an open pipe. */
  stdin?: string;
  /** Milliseconds before the child is killed (SIGTERM), as execFile's `timeout`. */
  timeout?: number;
}

export interface Spawned {
  child: ChildProcess;
  /** What it wrote so far, as text. */
  output: { readonly stdout: string; readonly stderr: string };
  /** What it wrote so far, as bytes. */
  bytes: { readonly stdout: Buffer; readonly stderr: Buffer };
  /** Every holder of its stdout/stderr is gone (an orphaned grandchild included): exit code or signal. */
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `command args` in a child process, collecting its output. */
export function start(command: string, args: readonly string[], options: SpawnOptions = {}): Spawned {
  const child = spawn(command, args, {
    cwd: options.cwd ?? ROOT,
    env: options.env ?? process.env,
    detached: options.detached ?? false,
    ...(options.timeout ? { timeout: options.timeout } : {}),
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (b: Buffer) => out.push(b));
  child.stderr?.on('data', (b: Buffer) => err.push(b));
  if (options.stdin !== undefined) child.stdin?.end(options.stdin);
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  const bytes = {
    get stdout() {
      return Buffer.concat(out);
    },
    get stderr() {
      return Buffer.concat(err);
    },
  };
  const output = {
    get stdout() {
      return bytes.stdout.toString('utf8');
    },
    get stderr() {
      return bytes.stderr.toString('utf8');
    },
  };
  return { child, output, bytes, closed };
}

/** Starts the real bin with Node (`nodeOptions` before the script), collecting its output. */
export function startBin(
  args: readonly string[],
  options: SpawnOptions & { nodeOptions?: string[] } = {},
): Spawned {
  return start(process.execPath, [...(options.nodeOptions ?? []), BIN, ...args], options);
}

/** Runs the real bin to its end: exit code (or signal) and what it wrote. */
export async function runBin(
  args: readonly string[],
  options: SpawnOptions & { nodeOptions?: string[] } = {},
): Promise<Ran> {
  const run = startBin(args, options);
  const { code, signal } = await run.closed;
  return { code, signal, ...run.output };
}
