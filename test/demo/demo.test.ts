import { readFileSync } from 'node:fs';
import { CreateRoomCommand, IvschatClient, UpdateRoomCommand } from '@aws-sdk/client-ivschat';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleet } from '../../demo/org-demo.js';
import { abridgeDemo, normaliseDemo, README, readmeDemoBlock, runDemo } from '../../demo/readme.js';
import { type LocalAws, startLocalAws } from '../../local-aws/index.js';

// What a new user does first: `npm run demo` and `npm run demo -- --org`, then reads the figures.
// Every figure the demo prints is read back from the emulator; here they must agree with each other.

/** The text under each `RUN n:` heading, with the Security Hub/EventBridge part that follows it. */
function runs(text: string): string[] {
  // A heading is its title between two rules: the split alternates titles and bodies.
  const parts = text.split(/\n={20,}\n/);
  return parts.flatMap((part, i) => {
    if (!part.startsWith('RUN ')) return [];
    const sinks = parts[i + 2]?.startsWith('SECURITY HUB') ? `\n${parts[i + 3]}` : '';
    return [`${parts[i + 1] ?? ''}${sinks}`];
  });
}

const count = (text: string, pattern: RegExp) => {
  const m = pattern.exec(text);
  if (!m?.[1]) throw new Error(`no ${pattern} in:\n${text.slice(0, 3000)}`);
  return Number(m[1]);
};
const sum = (text: string, op: string) =>
  [...text.matchAll(new RegExp(`\\b${op} (\\d+)`, 'g'))].reduce((n, m) => n + Number(m[1]), 0);

describe('npm run demo: the figures it prints agree with the calls the emulator recorded', () => {
  let out: string;
  beforeAll(async () => {
    out = await runDemo();
  }, 180_000);

  it('counts the SNS messages the alert topic received: as many as Publish calls and printed alerts', () => {
    const sections = runs(out);
    expect(sections).toHaveLength(3);
    for (const section of sections) {
      const summary = section.split('\n--- EMAIL')[0] ?? section;
      const sns = count(summary, /(\d+) SNS messages? /);
      expect(sns).toBe(sum(summary, 'Publish'));
      expect(sns).toBe(section.match(/Read back from the emulator \(aws\.published\(\)\)/g)?.length ?? 0);
      // Each sink's deliveries add up to the handler's own total.
      const sh = count(summary, /(\d+) Security Hub findings?/);
      const events = count(summary, /(\d+) EventBridge events?/);
      expect(sns + sh + events).toBe(count(summary, /"published": (\d+)/));
      if (events > 0) expect(count(section, /EventBridge \(default bus\): (\d+) events?/)).toBe(events);
    }
  });

  it('sends each of the two teams one alert with only its rooms, and the rest to the default topic', () => {
    const routes =
      out.split(/\n={20,}\n/).find((_part, i, parts) => parts[i - 1]?.startsWith('ROUTES:')) ?? '';
    const topic = (name: string) => routes.split(`--- ${name}:`)[1]?.split('\n---')[0] ?? '';
    expect(topic('support-team-alerts')).toMatch(
      /1 message, \d+ findings? of 1 room\n[\s\S]*Rooms: support-chat\n/,
    );
    expect(topic('esports-alerts')).toMatch(
      /1 message, \d+ findings? of 1 room\n[\s\S]*Rooms: gaming-tournament\n/,
    );
    const rest = topic('ivschat-auditor-alerts');
    expect(rest).toMatch(/^ default route[\s\S]*1 message/);
    expect(rest).not.toMatch(/support-chat\b|gaming-tournament/);
  });

  it("is what the README's demo block shows (times, durations and change ids aside; npm run docs:demo rewrites it)", () => {
    const readme = readmeDemoBlock(readFileSync(README, 'utf8'));
    expect(normaliseDemo(readme)).toBe(normaliseDemo(abridgeDemo(out)));
    // The prose under the block quotes the plan's size too.
    const prose = /remediation plan of the last audit \((\d+) changes, 0 `UpdateRoom` calls\)/.exec(
      readFileSync(README, 'utf8'),
    );
    expect(prose?.[1]).toBe(String(count(out, /PLAN (\d+) changes/)));
  });

  it('holds every IVS Chat operation to the API budget it states, and says which budget', () => {
    const budget = count(out, /API_BUDGET_TPS=(\d+)/);
    const peaks = [...out.matchAll(/peak (\d+)/g)].map((m) => Number(m[1]));
    expect(peaks.length).toBeGreaterThanOrEqual(6);
    for (const peak of peaks) expect(peak).toBeLessThanOrEqual(budget);
    for (const m of out.matchAll(/at most (\d+) calls per second/g)) expect(Number(m[1])).toBe(budget);
  });
});

describe('npm run demo -- --org', () => {
  it('prints the not-audited reason as the alert has it (an em dash, not "?")', async () => {
    const out = await runDemo('--org');
    const reasons = out.split('\n').filter((line) => line.includes('not audited    222222222222'));
    expect(reasons.length).toBeGreaterThan(0);
    for (const line of reasons) {
      expect(line).toContain('AccessDenied — deploy the IvsChatAuditorMember stack');
      expect(line).not.toContain('?');
    }
    expect(out).toMatch(/delivered {8}1 SNS message, one alert for the whole run/);
  }, 180_000);

  describe('seeds only rooms IVS Chat accepts', () => {
    let aws: LocalAws;
    let ivschat: IvschatClient;
    beforeAll(async () => {
      aws = await startLocalAws();
      ivschat = new IvschatClient({
        region: 'us-east-1',
        endpoint: aws.endpoint,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
    });
    afterAll(async () => {
      ivschat.destroy();
      await aws.close();
    });

    it('every seeded value passes the emulator UpdateRoom validation', async () => {
      const { arn } = await ivschat.send(new CreateRoomCommand({ name: 'probe' }));
      for (const room of fleet()) {
        const refused = await ivschat
          .send(
            new UpdateRoomCommand({
              identifier: arn,
              maximumMessageLength: room.maximumMessageLength,
              maximumMessageRatePerSecond: room.maximumMessageRatePerSecond,
            }),
          )
          .then(
            () => undefined,
            (error: Error) => error.message,
          );
        expect(refused, room.name).toBeUndefined();
      }
    });
  });
});
