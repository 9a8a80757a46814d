/**
 * The real handler audits local-aws/seed-rooms.json (two regions, real 5 TPS quotas, API budget 4)
 * and the alert that reaches SNS names each room, policy, actual and required value.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScheduledRun } from '../../lambda/modes/scheduled.js';
import {
  key,
  opStats,
  publishedSince,
  REGIONS,
  type Received,
  SEED_FILE,
  type Stack,
  stackAudit,
  startStack,
} from './helpers.js';

let stack: Stack;
let run: ScheduledRun;
let alert: Received;

beforeAll(async () => {
  stack = await startStack({ seed: SEED_FILE, quotas: { enabled: true, scale: 1 } });
  const audit = stackAudit(stack, { table: await stack.freshTable(), env: { API_BUDGET_TPS: '4' } });
  run = await audit();
  const messages = publishedSince(stack.aws, 0);
  expect(messages).toHaveLength(1);
  alert = messages[0] as Received;
});
afterAll(() => stack?.close());

/** The email block of one finding: from its "Room:" line to the next blank line. */
function emailBlock(email: string, room: string, policyId: string): string {
  const section = email.slice(email.indexOf(`[${policyId}]`));
  const next = section.indexOf('\n[', 1);
  const policySection = next > 0 ? section.slice(0, next) : section;
  const start = policySection.indexOf(`  Room:       ${room}\n`);
  expect(start, `${room} listed under ${policyId}`).toBeGreaterThanOrEqual(0);
  const rest = policySection.slice(start);
  const end = rest.indexOf('\n\n');
  return end > 0 ? rest.slice(0, end) : rest;
}

describe('the real handler over the seeded rooms', () => {
  it('audits every seeded room in both regions within the API quota, without errors', () => {
    expect(run.summary).toMatchObject({ roomsAudited: 20, errors: 0, complete: true, published: 1 });
    for (const region of REGIONS) {
      const getRoom = opStats(stack.aws, region, 'GetRoom');
      expect(getRoom.errors).toBe(0);
      // Each room fetched once; a throttled call (possible only if the machine stalls) was retried.
      expect(getRoom.succeeded).toBe(stack.aws.rooms(region).length);
    }
  });

  it('publishes one alert whose findings are exactly the seeded violations', () => {
    expect(alert.machine.newFindings.map(key).sort()).toEqual(run.outcome.alert.newFindings.map(key).sort());
    const found = new Set(alert.machine.newFindings.map(key));
    // Non-compliant rooms from seed-rooms.json, one policy each:
    for (const expected of [
      'marketing-launch/message-length-max', // 500
      'gaming-tournament/message-length-max', // 300
      'eurovision-watch-party/message-length-max', // 350 (eu-west-1)
      'gaming-tournament/review-handler-fallback-deny', // fallback ALLOW
      'football-matchday/message-rate-max', // 50 (eu-west-1)
      'qa-loadtest/message-rate-max', // 100 (eu-west-1)
      'dev-sandbox/logging-required', // no logging configuration
      'beta-feedback/required-tags', // empty owner tag
      'legacy-lobby/review-handler-fallback-deny', // created with defaults: no handler at all
    ]) {
      expect(found, expected).toContain(expected);
    }
    // Compliant rooms produce nothing.
    for (const clean of ['support-chat', 'prod-live-events', 'support-chat-eu', 'customer-onboarding']) {
      expect(alert.machine.newFindings.filter((f) => f.roomName === clean)).toEqual([]);
    }
    expect(alert.attributes).toMatchObject({
      severity: 'high',
      newCount: String(found.size),
      resolvedCount: '0',
      accountId: '000000000000',
    });
  });

  it('carries room, region, actual and required value in the email body', () => {
    expect(alert.subject).toMatch(
      /^\[ivschat-auditor\] 41 new \(12 high, 22 medium, 7 low\) in 000000000000$/,
    );
    const length = emailBlock(alert.email, 'eurovision-watch-party', 'message-length-max');
    expect(length).toContain('ARN:        arn:aws:ivschat:eu-west-1:000000000000:room/ZoVsbZZXvAAW');
    expect(length).toContain('Region:     eu-west-1');
    expect(length).toContain('Problem:    maximumMessageLength is 350; must be ≤ 200');
    expect(length).toContain('--maximum-message-length 200');

    const rate = emailBlock(alert.email, 'qa-loadtest', 'message-rate-max');
    expect(rate).toContain('Problem:    maximumMessageRatePerSecond is 100; must be ≤ 10');

    const fallback = emailBlock(alert.email, 'gaming-tournament', 'review-handler-fallback-deny');
    expect(fallback).toContain('Problem:    messageReviewHandler.fallbackResult is "ALLOW"; must be "DENY"');
    expect(fallback).toContain('Region:     us-east-1');

    const tag = emailBlock(alert.email, 'beta-feedback', 'required-tags');
    expect(tag).toContain('Problem:    tags.owner is ""; must match /^[a-z0-9][a-z0-9-]*$/');

    // The machine JSON has the raw values.
    const eurovision = alert.machine.newFindings.find(
      (f) => f.roomName === 'eurovision-watch-party' && f.policyId === 'message-length-max',
    );
    expect(eurovision).toMatchObject({ actual: 350, path: '/maximumMessageLength', region: 'eu-west-1' });
  });

  it('renders the Slack notification with the room data escaped', () => {
    const { title, description } = alert.slack.content;
    expect(title).toContain('IVS Chat: 41 new (12 high, 22 medium, 7 low) in 000000000000');
    expect(description).toContain(
      '• `eurovision-watch-party` (eu-west-1): maximumMessageLength is 350; must be ≤ 200',
    );
    expect(description).not.toContain('<!channel>');
    // partner-webinar's hostile owner tag fails required-tags, so it is shown, but inert.
    expect(description).toContain('&lt;!channel&gt;');
    expect(description).not.toMatch(/<http|\*bold\*/);
  });
});
