/**
 * Alert routes end to end through the scheduled audit: each route's topic receives one alert holding
 * only its findings; findings of no route go to the default (the deployment's topic); a route whose
 * topic fails is retried alone on the next run, and the other routes are not sent anything again.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RoutesFile } from '../../lambda/policy/routes.js';
import type { SeedRoom } from '../../local-aws/index.js';
import {
  loadSmallFleet,
  POLICIES_DIR,
  received,
  type Stack,
  stackAudit,
  startStack,
  stateOf,
} from './helpers.js';

let stack: Stack;
let seed: SeedRoom[];
let dir: string;
const topic = (name: string) => `arn:aws:sns:us-east-1:000000000000:${name}`;
const SUPPORT = topic('support-team-alerts');
const ESPORTS = topic('esports-alerts');
const EU = topic('eu-alerts');

beforeAll(async () => {
  seed = await loadSmallFleet();
  stack = await startStack();
  dir = mkdtempSync(join(tmpdir(), 'routes-e2e-'));
});
afterAll(async () => {
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  stack.aws.clearRooms();
  stack.aws.seedRooms(undefined, seed);
  stack.aws.setFaults({});
  stack.aws.clearPublished();
});

/** A copy of the shipped policies with `routes` as its routes.json. */
function policiesWith(routes: RoutesFile): string {
  const folder = mkdtempSync(join(dir, 'policies-'));
  cpSync(POLICIES_DIR, folder, { recursive: true });
  writeFileSync(join(folder, 'routes.json'), JSON.stringify(routes));
  return folder;
}

const OWNERS: RoutesFile = {
  routes: [
    {
      id: 'owners',
      match: {},
      destination: { tag: 'owner', topics: { 'support-team': SUPPORT, esports: ESPORTS } },
    },
  ],
};

/** The owner route with `esports` no longer on the allow-list. */
const OWNERS_SUPPORT: RoutesFile = {
  routes: [{ id: 'owners', match: {}, destination: { tag: 'owner', topics: { 'support-team': SUPPORT } } }],
};

/** Room names each topic was told of (new findings), by topic. */
function roomsByTopic(): Map<string, string[]> {
  const byTopic = new Map<string, string[]>();
  for (const message of stack.aws.published()) {
    const rooms = received(message).machine.newFindings.map((f) => f.roomName);
    byTopic.set(message.topicArn, [...(byTopic.get(message.topicArn) ?? []), ...rooms]);
  }
  for (const [t, rooms] of byTopic) byTopic.set(t, [...new Set(rooms)].sort());
  return byTopic;
}

describe('alert routes in the scheduled audit', () => {
  it("sends each team's topic only its rooms' findings, and the rest to the default topic", async () => {
    for (const name of ['support-team-alerts', 'esports-alerts']) stack.aws.createTopic('us-east-1', name);
    const audit = stackAudit(stack, {
      table: await stack.freshTable(),
      env: { POLICIES_DIR: policiesWith(OWNERS) },
    });

    const run = await audit();
    expect(run.summary.sinksLagging).toEqual([]);
    const byTopic = roomsByTopic();
    expect(byTopic.get(SUPPORT)).toEqual(['support-chat', 'support-chat-eu']);
    expect(byTopic.get(ESPORTS)).toEqual(['gaming-tournament']);
    const rest = byTopic.get(stack.topicArn) ?? [];
    expect(rest).toContain('marketing-launch');
    expect(rest).not.toContain('support-chat');
    expect(rest).not.toContain('gaming-tournament');
    // One alert per route and run.
    expect(
      stack.aws
        .published()
        .map((m) => m.topicArn)
        .sort(),
    ).toEqual([ESPORTS, SUPPORT, stack.topicArn].sort());

    stack.aws.clearPublished();
    await audit(); // nothing changed: no route is told anything
    expect(stack.aws.published()).toEqual([]);
  });

  it('retries a failing route alone on the next run; the other routes are not sent again', async () => {
    // A topic not created yet: its publish fails with NotFound until it is.
    const late = topic('esports-late-alerts');
    const routes: RoutesFile = {
      routes: [
        {
          id: 'owners',
          match: {},
          destination: { tag: 'owner', topics: { 'support-team': SUPPORT, esports: late } },
        },
      ],
    };
    stack.aws.createTopic('us-east-1', 'support-team-alerts');
    const table = await stack.freshTable();
    const audit = stackAudit(stack, { table, maxAttempts: 1, env: { POLICIES_DIR: policiesWith(routes) } });

    const first = await audit();
    expect(first.summary.sinksLagging).toEqual([
      {
        sink: 'sns:owners:esports',
        undelivered: expect.any(Number),
        error: expect.stringMatching(/^SNS publish to arn:aws:sns:us-east-1:000000000000:esports-lat/),
      },
    ]);
    expect(new Set(stack.aws.published().map((m) => m.topicArn))).toEqual(new Set([SUPPORT, stack.topicArn]));
    const owed = [...(await stateOf(stack, table)).values()].filter((r) => r.pendingSinks?.length);
    expect(owed.length).toBeGreaterThan(0);
    expect(owed.map((r) => [r.finding.roomName, r.pendingSinks])).toEqual(
      owed.map(() => ['gaming-tournament', ['sns:owners:esports']]),
    );

    stack.aws.clearPublished();
    stack.aws.createTopic('us-east-1', 'esports-late-alerts');
    const second = await audit();
    expect(second.summary.sinksLagging).toEqual([]);
    expect(stack.aws.published().map((m) => m.topicArn)).toEqual([late]);
    expect(roomsByTopic().get(late)).toEqual(['gaming-tournament']);
    const still = [...(await stateOf(stack, table)).values()].filter((r) => r.pendingSinks?.length);
    expect(still).toEqual([]);
  });

  it('sends a delivery owed to a route since removed from the file to the default topic, and clears it there', async () => {
    const late = topic('esports-removed-alerts');
    const withEsports: RoutesFile = {
      routes: [
        {
          id: 'owners',
          match: {},
          destination: { tag: 'owner', topics: { 'support-team': SUPPORT, esports: late } },
        },
      ],
    };
    stack.aws.createTopic('us-east-1', 'support-team-alerts');
    const table = await stack.freshTable();
    await stackAudit(stack, { table, maxAttempts: 1, env: { POLICIES_DIR: policiesWith(withEsports) } })();
    const owed = [...(await stateOf(stack, table)).values()].filter((r) => r.pendingSinks?.length);
    expect(owed.length).toBeGreaterThan(0);
    expect(owed.map((r) => r.pendingSinks)).toEqual(owed.map(() => ['sns:owners:esports']));

    // The esports value leaves the allow-list: its sink is gone, and the owed alert goes to the default.
    stack.aws.clearPublished();
    const second = await stackAudit(stack, {
      table,
      maxAttempts: 1,
      env: { POLICIES_DIR: policiesWith(OWNERS_SUPPORT) },
    })();
    expect(second.summary.sinksLagging).toEqual([]);
    expect(stack.aws.published().map((m) => m.topicArn)).toEqual([stack.topicArn]);
    expect(roomsByTopic().get(stack.topicArn)).toEqual(['gaming-tournament']);
    const still = [...(await stateOf(stack, table)).values()].filter((r) => r.pendingSinks?.length);
    expect(still).toEqual([]);
  });

  it('in mode all a finding reaches every matching route; in mode first only the first', async () => {
    for (const name of ['support-team-alerts', 'esports-alerts', 'eu-alerts'])
      stack.aws.createTopic('us-east-1', name);
    const eu = { id: 'eu', match: { regions: ['eu-west-1'] }, destination: EU };
    const [owners] = OWNERS.routes;
    if (!owners) throw new Error('OWNERS has a route');

    const first = stackAudit(stack, {
      table: await stack.freshTable(),
      env: { POLICIES_DIR: policiesWith({ mode: 'first', routes: [eu, owners] }) },
    });
    await first();
    expect(roomsByTopic().get(EU)).toContain('support-chat-eu');
    expect(roomsByTopic().get(SUPPORT)).toEqual(['support-chat']);

    stack.aws.clearPublished();
    const all = stackAudit(stack, {
      table: await stack.freshTable(),
      env: { POLICIES_DIR: policiesWith({ mode: 'all', routes: [eu, owners] }) },
    });
    await all();
    expect(roomsByTopic().get(EU)).toContain('support-chat-eu');
    expect(roomsByTopic().get(SUPPORT)).toEqual(['support-chat', 'support-chat-eu']);
  });
});
