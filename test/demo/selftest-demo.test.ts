import { describe, expect, it } from 'vitest';
import { runDemo } from '../../demo/readme.js';

// `npm run demo -- --selftest`: the CLI's selftest against an emulated deployment, the change path running.
describe('npm run demo -- --selftest', () => {
  it('creates, detects, deletes and resolves the room through the CLI, exit 0, leaving 0 rooms', async () => {
    const out = await runDemo('--selftest');

    expect(out).toMatch(
      /created room ivschat-auditor-selftest-[0-9a-f]{8} \(arn:aws:ivschat:us-east-1:000000000000:room\//,
    );
    expect(out).toMatch(/after CreateRoom: recorded and alerted: .*message-length-max/);
    expect(out).toMatch(/after DeleteRoom: resolved and alerted \(room deleted\)/);
    expect(out).toMatch(/\| selftest passed: detected \d+\.\d s after CreateRoom/);
    expect(out).toContain('exit code 0');
    expect(out).toMatch(/selftest exit 0; rooms left: 0; alerts published: 2 /);
  }, 120_000);
});
