import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICIES_DIR, loadPolicyDir } from '../../lambda/policy/load-dir.js';
import { type RoutedFinding, type RoutesFile, RouteTable } from '../../lambda/policy/routes.js';
import { compileRoutes } from '../../lambda/policy/routes-file.js';
import { cli } from '../cli/run.js';

const PAYMENTS = 'arn:aws:sns:us-east-1:000000000000:payments-alerts';
const VIDEO = 'arn:aws:sns:us-east-1:000000000000:video-alerts';
const SECURITY = 'arn:aws:sns:us-east-1:000000000000:security-alerts';

const finding = (over: Partial<RoutedFinding> = {}): RoutedFinding => ({
  accountId: '111111111111',
  region: 'us-east-1',
  policyId: 'message-length-max',
  severity: 'high',
  ...over,
});

const file: RoutesFile = {
  routes: [
    { id: 'payments', match: { tags: { team: ['payments'] } }, destination: PAYMENTS },
    { id: 'critical', match: { severities: ['critical'] }, destination: SECURITY },
    { id: 'owners', match: {}, destination: { tag: 'owner', topics: { video: VIDEO } } },
  ],
};

describe('RouteTable.routesOf', () => {
  it('gives the first matching route in mode first, and every one in mode all', () => {
    const tags = { team: 'payments', owner: 'video' };
    const critical = finding({ severity: 'critical' });
    expect(new RouteTable(file).routesOf(critical, tags)).toEqual(['payments']);
    expect(new RouteTable({ ...file, mode: 'all' }).routesOf(critical, tags)).toEqual([
      'payments',
      'critical',
      'owners:video',
    ]);
  });

  it('routes a finding no route matches to default', () => {
    expect(new RouteTable(file).routesOf(finding(), { team: 'search' })).toEqual(['default']);
    expect(new RouteTable(file).routesOf(finding(), undefined)).toEqual(['default']);
  });

  it('matches accounts, regions and policies, all criteria together', () => {
    const table = new RouteTable({
      routes: [
        {
          id: 'eu-length',
          match: { accounts: ['222222222222'], regions: ['eu-west-1'], policies: ['message-length-max'] },
          destination: PAYMENTS,
        },
      ],
    });
    const eu = finding({ accountId: '222222222222', region: 'eu-west-1' });
    expect(table.routesOf(eu, {})).toEqual(['eu-length']);
    expect(table.routesOf({ ...eu, region: 'us-east-1' }, {})).toEqual(['default']);
    expect(table.routesOf({ ...eu, policyId: 'required-tags' }, {})).toEqual(['default']);
    expect(table.routesOf({ ...eu, accountId: '111111111111' }, {})).toEqual(['default']);
  });

  it('never lets a tag value name a topic: a value outside the allow-list falls to the next route', () => {
    const table = new RouteTable({
      routes: [
        { id: 'owners', match: {}, destination: { tag: 'owner', topics: { video: VIDEO } } },
        { id: 'payments', match: {}, destination: PAYMENTS },
      ],
    });
    for (const owner of [
      PAYMENTS,
      'arn:aws:sns:us-east-1:999999999999:attacker',
      'constructor',
      '__proto__',
      // The allow-list's keys match exactly: no case folding, no trimming.
      'Video',
      'VIDEO',
      ' video',
      'video ',
      'video\n',
    ]) {
      expect(table.routesOf(finding(), { owner })).toEqual(['payments']);
    }
    expect(table.routesOf(finding(), { owner: 'video' })).toEqual(['owners:video']);
    // Tags that are not an object of strings match nothing.
    expect(table.routesOf(finding(), { owner: ['video'] })).toEqual(['payments']);
    expect(table.routesOf(finding(), 'owner=video')).toEqual(['payments']);
  });

  it('shares one list between findings routed alike', () => {
    const table = new RouteTable(file);
    const a = table.routesOf(finding(), { team: 'payments' });
    const b = table.routesOf(finding({ policyId: 'required-tags' }), { team: 'payments' });
    expect(a).toBe(b);
  });

  it('lists every destination, the default first, and each topic once', () => {
    const table = new RouteTable({ ...file, default: SECURITY });
    expect(table.destinations()).toEqual([
      { id: 'default', topicArn: SECURITY },
      { id: 'payments', topicArn: PAYMENTS },
      { id: 'critical', topicArn: SECURITY },
      { id: 'owners:video', topicArn: VIDEO },
    ]);
    expect(table.topicArns()).toEqual([SECURITY, PAYMENTS, VIDEO]);
    expect(new RouteTable(file).destinations()[0]).toEqual({ id: 'default' });
  });
});

describe('compileRoutes', () => {
  const compile = (value: unknown) => {
    const result = compileRoutes({ file: 'policies/routes.json', text: JSON.stringify(value) });
    return Array.isArray(result) ? result.map((e) => e.message) : result;
  };

  it('accepts a valid file', () => {
    expect(compile({ mode: 'all', default: SECURITY, ...file })).toBeInstanceOf(RouteTable);
  });

  it('names each problem with its JSON pointer', () => {
    const messages = compile({
      mode: 'some',
      routes: [
        { id: 'payments', match: {}, destination: PAYMENTS },
        { id: 'Payments!', match: { colour: ['red'] }, destination: 'arn:aws:sns:us-east-1:1:x.fifo' },
      ],
    });
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringContaining('routes.json /mode: must be one of first, all'),
        expect.stringContaining('/routes/1/id'),
        expect.stringContaining('/routes/1/match/colour: unknown property (not allowed in a routes file)'),
        expect.stringContaining('/routes/1/destination'),
      ]),
    );
  });

  it('refuses duplicate ids, a route named default, and an allow-list entry that is not a topic ARN', () => {
    const messages = compile({
      routes: [
        { id: 'payments', match: {}, destination: PAYMENTS },
        { id: 'payments', match: {}, destination: VIDEO },
        { id: 'default', match: {}, destination: VIDEO },
        {
          id: 'owners',
          match: {},
          destination: { tag: 'owner', topics: { video: 'video-alerts', 'a/b': VIDEO } },
        },
      ],
    });
    expect(messages).toEqual([
      'policies/routes.json /routes/1/id: duplicate route id "payments" (also /routes/0)',
      expect.stringContaining(
        'policies/routes.json /routes/2/id: "default" is the route of findings no route matches',
      ),
      'policies/routes.json /routes/3/destination/topics/video: is not a standard SNS topic ARN (arn:aws:sns:<region>:<account>:<name>, not FIFO)',
    ]);
  });

  it('refuses invalid JSON and control characters in keys', () => {
    expect(compile('x')).toEqual([expect.stringContaining('routes.json /: must be object')]);
    const broken = compileRoutes({ file: 'routes.json', text: '{ "routes": [' });
    expect(Array.isArray(broken) && broken[0]?.message).toMatch(/routes\.json \/: invalid JSON/);
    const hostile = compile({
      routes: [{ id: 'a', match: { tags: { 'te\u202eam': ['x'] } }, destination: VIDEO }],
    });
    expect(hostile).toEqual([expect.stringContaining('key holds control characters')]);
  });
});

describe('a policy folder with a routes file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'routes-'));
    cpSync(DEFAULT_POLICIES_DIR, dir, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('loads the routes with the policies; the shipped folder has none', () => {
    expect(loadPolicyDir(DEFAULT_POLICIES_DIR).routes).toBeUndefined();
    writeFileSync(join(dir, 'routes.json'), JSON.stringify(file));
    const set = loadPolicyDir(dir);
    expect(set.policies.map((p) => p.policy.id)).not.toContain('routes');
    expect(set.routes?.destinations().map((d) => d.id)).toEqual([
      'default',
      'payments',
      'critical',
      'owners:video',
    ]);
  });

  it('policies check reports the routes and their problems like a policy file', async () => {
    writeFileSync(join(dir, 'routes.json'), JSON.stringify(file));
    const ok = await cli('policies', 'check', dir);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(
      'routes.json OK (mode first): routes default, payments, critical, owners:video',
    );
    writeFileSync(
      join(dir, 'routes.json'),
      JSON.stringify({
        routes: [
          { id: 'x', match: {}, destination: 'topic' },
          { id: 'x', match: {}, destination: VIDEO },
        ],
      }),
    );
    const bad = await cli('policies', 'check', dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      'routes.json /routes/0/destination: "topic" is not a standard SNS topic ARN',
    );
    expect(bad.stderr).not.toContain('"then"');
  });

  it('refuses an allow-list value holding control characters, without printing them', async () => {
    writeFileSync(
      join(dir, 'routes.json'),
      JSON.stringify({
        routes: [{ id: 'o', match: {}, destination: { tag: 'owner', topics: { 'v\u001b[31m': VIDEO } } }],
      }),
    );
    const { code, stdout, stderr } = await cli('policies', 'check', dir);
    expect(code).toBe(2);
    expect(stderr).toContain('key holds control characters');
    expect(stdout + stderr).not.toContain('\u001b');
  });
});

describe('policies/examples/routes.json', () => {
  it('is a valid routes file', () => {
    const path = join(DEFAULT_POLICIES_DIR, 'examples', 'routes.json');
    const routes = compileRoutes({ file: path, text: readFileSync(path, 'utf8') });
    expect(routes).toBeInstanceOf(RouteTable);
  });
});
