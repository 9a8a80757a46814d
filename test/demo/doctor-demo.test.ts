import { describe, expect, it } from 'vitest';
import { runDemo } from '../../demo/readme.js';
import { readmeBlock } from '../cli/readme-block.js';

describe('npm run demo -- --doctor', () => {
  it('prints doctor healthy (exit 0), then the three injected faults with their fixes (exit 1), as the README shows', async () => {
    const out = await runDemo('--doctor');
    const [healthy = '', faulty = ''] = out.split(/^=+\nFaults injected.*\n=+\n/m);
    expect(healthy.trimEnd()).toMatch(/\(exit 0\)$/);
    expect(healthy).not.toMatch(/^(FAIL|WARN|\?\?) /m);
    expect(faulty).toMatch(/\(exit 1\)\n$/);
    expect([...faulty.matchAll(/^FAIL {2}(.*)$/gm)].map((m) => m[1])).toEqual([
      'Email subscriptions',
      'CloudTrail logging IVS Chat writes in eu-west-1',
      'Audit target 222222222222 us-east-1',
      'Audit target 222222222222 eu-west-1',
    ]);
    expect(faulty.match(/^ {6}fix: /gm)).toHaveLength(4);
    expect(faulty).toBe(readmeBlock('doctor-demo'));
  }, 120_000);
});
