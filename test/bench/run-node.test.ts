import { describe, expect, it } from 'vitest';
import { runNode } from '../../bench/run-node.js';

describe('runNode', () => {
  it('resolves with what the child wrote, given only the environment it is passed', async () => {
    const script =
      'process.stdout.write(String(process.env.ONLY)); process.stderr.write(String(process.env.HOME));';
    const { stdout, stderr } = await runNode(['-e', script], { env: { ONLY: 'this' } });
    expect(stdout).toBe('this');
    expect(stderr).toBe('undefined');
  });

  it('rejects with the exit code, stderr and stdout when the child fails', async () => {
    const script = "process.stdout.write('logs'); process.stderr.write('boom'); process.exit(3);";
    await expect(runNode(['-e', script], { env: {} })).rejects.toThrow(/exited 3:\nboom\nlogs$/);
  });

  it('starts the child in `cwd`', async () => {
    const { stdout } = await runNode(['-e', 'process.stdout.write(process.cwd())'], { env: {}, cwd: '/' });
    expect(stdout).toBe('/');
  });
});
