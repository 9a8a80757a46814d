import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PolicyDiff } from '../../lambda/audit/policy-diff.js';
import { cliWith } from './run.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'diff');
const ROOMS = join(FIXTURES, 'rooms.json');
const clock = () => new Date('2026-11-26T12:00:00.000Z');
const CHAT = 'arn:aws:sns:us-east-1:000000000000:team-chat-alerts';
const SPORT = 'arn:aws:sns:us-east-1:000000000000:marketing-alerts';

let dir: string;
let base: string;
let head: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'diff-routes-'));
  base = join(dir, 'base');
  head = join(dir, 'head');
  // The same policies on both sides: only the routes change.
  cpSync(join(FIXTURES, 'base'), base, { recursive: true });
  cpSync(join(FIXTURES, 'base'), head, { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const owners = (topics: Record<string, string>) => ({
  routes: [{ id: 'owners', match: {}, destination: { tag: 'owner', topics } }],
});

async function diff(format: string): Promise<{ code: number; stdout: string }> {
  const { code, stdout, stderr } = await cliWith(
    ['policies', 'diff', '--base', base, '--head', head, '--input', ROOMS, '--format', format],
    { clock },
  );
  if (code > 1) throw new Error(`exit ${code}: ${stderr}`);
  return { code, stdout };
}

describe('ivschat-audit policies diff: a routes change', () => {
  it('counts failing findings per route before and after', async () => {
    writeFileSync(join(base, 'routes.json'), JSON.stringify(owners({ 'team-chat': CHAT })));
    writeFileSync(join(head, 'routes.json'), JSON.stringify(owners({ 'team-chat': CHAT, marketing: SPORT })));
    const { stdout } = await diff('json');
    const routes = (JSON.parse(stdout) as PolicyDiff).routes ?? {};
    const chat = routes['owners:team-chat'];
    const sport = routes['owners:marketing'];
    const fallback = routes.default;
    expect(chat?.before).toBeGreaterThan(0);
    expect(chat?.after).toBe(chat?.before);
    expect(sport).toEqual({ before: 0, after: expect.any(Number) });
    expect(sport?.after).toBeGreaterThan(0);
    // What the sport team now receives is what the default route no longer does.
    expect((fallback?.before ?? 0) - (fallback?.after ?? 0)).toBe(sport?.after);
    expect(Object.keys(routes).at(-1)).toBe('default');
  });

  it('shows the routes in the text and markdown previews, and none without a routes file', async () => {
    const none = await diff('text');
    expect(none.stdout).not.toContain('by route');
    writeFileSync(join(head, 'routes.json'), JSON.stringify(owners({ marketing: SPORT })));
    const text = await diff('text');
    expect(text.stdout).toMatch(/findings by route: owners:marketing 0 -> \d+, default \d+ -> \d+/);
    const markdown = await diff('markdown');
    expect(markdown.stdout).toMatch(/By route \(alerts\): owners:marketing 0 → \d+ · default \d+ → \d+/);
  });

  it('refuses a broken routes file on a side, naming the side, file and pointer', async () => {
    writeFileSync(
      join(head, 'routes.json'),
      JSON.stringify({ routes: [{ id: 'a', match: {}, destination: 'b' }] }),
    );
    const { code, stderr } = await cliWith(
      ['policies', 'diff', '--base', base, '--head', head, '--input', ROOMS],
      { clock },
    );
    expect(code).toBe(2);
    expect(stderr).toMatch(/--head .*routes\.json \/routes\/0\/destination/);
  });
});
