import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/ivschat-audit.js', import.meta.url));

describe('bin/ivschat-audit.js on a pipe the reader closes early', () => {
  it('ends quietly (no EPIPE stack trace) when `--help | head` closes stdout', async () => {
    const child = spawn(process.execPath, [BIN, 'audit', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    // Like `head -c 1`: read the first chunk, then close the pipe.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toContain('EPIPE');
    expect(stderr).not.toContain('Unhandled');
    expect([0, 141]).toContain(code);
  }, 60_000);
});
