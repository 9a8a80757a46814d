/**
 * Node in a fresh process, as the Lambda runtime starts one: the bench's measurements and the tests of
 * the bundled handler both need a process whose memory, module cache and environment are its own.
 */
import { spawn } from 'node:child_process';

export interface RunNodeOptions {
  /** The child's whole environment: nothing of this process's is passed on unless it is here. */
  env: NodeJS.ProcessEnv;
  /** Default: this process's working directory. */
  cwd?: string;
}

export interface NodeOutput {
  stdout: string;
  stderr: string;
}

/**
 * Runs `node ...argv`; resolves with what it wrote once it exits 0, and rejects with its exit code,
 * stderr and stdout (a failing handler's logs) otherwise.
 */
export function runNode(argv: readonly string[], options: RunNodeOptions): Promise<NodeOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, {
      env: options.env,
      ...(options.cwd ? { cwd: options.cwd } : {}),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve({ stdout, stderr })
        : reject(new Error(`node ${argv.join(' ')} exited ${code}:\n${stderr}\n${stdout}`)),
    );
  });
}
