import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICIES_DIR } from '../../lambda/policy/load-dir.js';
import type { ShownReport } from '../../lambda/render/remediation.js';
import { compliantRoom } from '../fixtures.js';
import { cli } from './run.js';

const PAYMENTS = 'arn:aws:sns:us-east-1:000000000000:payments-alerts';
const VIDEO = 'arn:aws:sns:us-east-1:000000000000:video-alerts';
const ROUTES = {
  mode: 'first',
  routes: [
    { id: 'payments', match: { tags: { team: ['payments'] } }, destination: PAYMENTS },
    { id: 'owners', match: {}, destination: { tag: 'owner', topics: { video: VIDEO } } },
  ],
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'audit-routes-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const tagged = (name: string, id: string, tags: Record<string, string>) => {
  const room = compliantRoom({ name, maximumMessageLength: 500 }, id, 'us-east-1');
  return { ...room, tags: { ...(room.tags as Record<string, string>), ...tags } };
};
const rooms = [
  tagged('pay-room', 'PayRoom00001', { team: 'payments' }),
  tagged('video-room', 'VideoRoom001', { owner: 'video' }),
  tagged('other-room', 'OtherRoom001', { owner: PAYMENTS }),
];

async function jsonAudit(...args: string[]): Promise<ShownReport> {
  const input = join(dir, 'rooms.json');
  writeFileSync(input, JSON.stringify(rooms));
  const { code, stdout, stderr } = await cli('audit', '--format', 'json', '--input', input, ...args);
  if (code > 1) throw new Error(`exit ${code}: ${stderr}`);
  return JSON.parse(stdout) as ShownReport;
}

const routesByRoom = (report: ShownReport) =>
  Object.fromEntries(report.findings.map((f) => [f.roomName, f.routes]));

describe('ivschat-audit audit: routes in the JSON report', () => {
  it('gives no finding routes without a routes file', async () => {
    const report = await jsonAudit();
    expect(report.findings.length).toBeGreaterThan(0);
    expect(report.findings.every((f) => f.routes === undefined)).toBe(true);
  });

  it('gives each finding its routes from --routes; a tag value outside the allow-list goes to default', async () => {
    writeFileSync(join(dir, 'routes.json'), JSON.stringify(ROUTES));
    const report = await jsonAudit('--routes', join(dir, 'routes.json'));
    expect(routesByRoom(report)).toEqual({
      'pay-room': ['payments'],
      'video-room': ['owners:video'],
      'other-room': ['default'],
    });
  });

  it("reads the --policies folder's routes.json", async () => {
    const policies = join(dir, 'policies');
    cpSync(DEFAULT_POLICIES_DIR, policies, { recursive: true });
    writeFileSync(join(policies, 'routes.json'), JSON.stringify({ ...ROUTES, mode: 'all' }));
    const report = await jsonAudit('--policies', policies);
    expect(routesByRoom(report)['video-room']).toEqual(['owners:video']);
  });

  it('refuses a bad --routes file with exit 2, naming the file and pointer', async () => {
    writeFileSync(join(dir, 'routes.json'), JSON.stringify({ routes: [{ id: 'x', match: {} }] }));
    const input = join(dir, 'rooms.json');
    writeFileSync(input, JSON.stringify(rooms));
    const { code, stderr } = await cli('audit', '--input', input, '--routes', join(dir, 'routes.json'));
    expect(code).toBe(2);
    expect(stderr).toContain('routes.json /routes/0/destination: must have required property');
    const missing = await cli('audit', '--input', input, '--routes', join(dir, 'nope.json'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });
});
