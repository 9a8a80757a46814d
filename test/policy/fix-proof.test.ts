import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICIES_DIR } from '../../lambda/policy/load-dir.js';
import { cli } from '../cli/run.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fix-proof-'));
  cpSync(DEFAULT_POLICIES_DIR, dir, { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const edit = (name: string, change: (policy: Record<string, unknown>) => void) => {
  const path = join(dir, name);
  const policy = JSON.parse(readFileSync(path, 'utf8'));
  change(policy);
  writeFileSync(path, JSON.stringify(policy, null, 2));
};

describe('policies check: a policy fix is proven on its fail examples', () => {
  it('accepts the starter fixes, each proven on every fail example', async () => {
    const { code, stdout } = await cli('policies', 'check', dir);
    expect(code).toBe(0);
    const schemas = ['policy.schema.json', 'routes.schema.json'];
    const starters = readdirSync(dir).filter((f) => f.endsWith('.json') && !schemas.includes(f));
    expect(stdout).toContain(`${starters.length} policies OK`);
    const lengthPolicy = JSON.parse(readFileSync(join(dir, 'message-length-max.json'), 'utf8'));
    expect(lengthPolicy.fix).toEqual({ set: { maximumMessageLength: 200 } });
  });

  it('blames the fix value once, at /fix/set, when a limit is lowered below it', async () => {
    // What a user does: tighten the rule and forget the fix that still sets the old limit.
    edit('message-length-max.json', (p) => {
      p.rule = {
        type: 'object',
        required: ['maximumMessageLength'],
        properties: { maximumMessageLength: { type: 'integer', maximum: 100 } },
      };
    });
    const { code, stderr } = await cli('policies', 'check', dir);
    expect(code).toBe(2);
    const said = stderr.split('\n').filter((line) => line.includes('message-length-max.json'));
    expect(said).toEqual([
      expect.stringContaining(
        'message-length-max.json /fix/set/maximumMessageLength: fix.set.maximumMessageLength = 200 still breaks the rule ' +
          '(maximumMessageLength is 200; must be ≤ 100); set it to a value the rule accepts',
      ),
    ]);
    expect(stderr).not.toContain('does not fix this example');
  });

  it("blames the fix value once when it breaks another policy's rule, naming that policy", async () => {
    // Rooms without a rate pass this rule; the fix gives them one above the cap.
    edit('message-rate-max.json', (p) => {
      p.rule = { properties: { maximumMessageRatePerSecond: { maximum: 10 } } };
    });
    edit('message-length-max.json', (p) => {
      p.fix = { set: { maximumMessageLength: 200, maximumMessageRatePerSecond: 50 } };
    });
    const { code, stderr } = await cli('policies', 'check', dir);
    expect(code).toBe(2);
    const said = stderr.split('\n').filter((line) => line.includes('message-length-max.json'));
    expect(said).toEqual([
      expect.stringContaining(
        'message-length-max.json /fix/set/maximumMessageRatePerSecond: fix.set.maximumMessageRatePerSecond = 50 ' +
          'breaks policy message-rate-max (maximumMessageRatePerSecond is 50; must be ≤ 10); set it to a value both rules accept',
      ),
    ]);
  });

  it('refuses a field UpdateRoom does not set, listing the fields it does', async () => {
    edit('required-tags.json', (p) => {
      p.fix = { set: { tags: { owner: 'platform' } } };
    });
    const { code, stderr } = await cli('policies', 'check', dir);
    expect(code).toBe(2);
    expect(stderr).toContain('required-tags.json /fix/set/tags: not a field UpdateRoom sets (allowed: name,');
  });

  it("refuses a value outside the service model's range, naming the field", async () => {
    edit('message-rate-max.json', (p) => {
      p.fix = { set: { maximumMessageRatePerSecond: 0 } };
    });
    const { code, stderr } = await cli('policies', 'check', dir);
    expect(code).toBe(2);
    expect(stderr).toContain('message-rate-max.json /fix/set/maximumMessageRatePerSecond: must be >= 1');
  });

  it('proves a handler fix that keeps the uri, and refuses it where a fail example has no handler', async () => {
    edit('review-handler-fallback-deny.json', (p) => {
      p.fix = { set: { 'messageReviewHandler.fallbackResult': 'DENY' } };
    });
    const { code, stderr } = await cli('policies', 'check', dir);
    expect(code).toBe(2);
    // fail/0 has a handler that falls back to ALLOW: the fix keeps its uri and so fixes it.
    expect(stderr).not.toContain('/examples/fail/0');
    expect(stderr).toContain(
      'review-handler-fallback-deny.json /examples/fail/1: fix: does not fix this example: messageReviewHandler is missing; it is required',
    );
  });
});
