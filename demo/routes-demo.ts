/**
 * The demo's alert routes: the same handler with a routes file (demo/routes.json) beside the
 * policies, so two teams' topics each receive one alert with only their rooms' findings, and every
 * other finding goes to the deployment's topic. Everything printed is read back from the emulator.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScheduledAudit } from '../lambda/modes/scheduled.js';
import { stripControl } from '../lambda/render/escape.js';
import type { HandlerDeps } from '../lambda/runtime/deps.js';
import type { MachineAlert } from '../lambda/sinks/sns-message.js';
import type { LocalDynamo } from '../local-aws/dynamodb.js';
import type { LocalAws } from '../local-aws/index.js';
import { out, plural, rel, subheading } from './output.js';

/** The teams demo/routes.json names, by the topic the emulator creates for each. */
const TEAM_TOPICS = ['support-team-alerts', 'esports-alerts'];

export interface RoutesDemoOptions {
  aws: LocalAws;
  dynamo: LocalDynamo;
  /** The demo's handler dependencies (environment, clients); the routes run gets its own table and folder. */
  deps: HandlerDeps;
  root: string;
  topicRegion: string;
  /** The deployment's own topic: the default route. */
  topicArn: string;
}

/** Runs one audit with demo/routes.json and shows what each topic received; returns the messages published. */
export async function routesDemo(options: RoutesDemoOptions): Promise<number> {
  const { aws, root } = options;
  const teamTopics = TEAM_TOPICS.map((name) => aws.createTopic(options.topicRegion, name));
  // The shipped policies stay routes-free: the demo's routes file joins a copy of them.
  const policies = mkdtempSync(join(tmpdir(), 'ivschat-auditor-demo-routes-'));
  try {
    cpSync(join(root, 'policies'), policies, { recursive: true });
    cpSync(join(root, 'demo', 'routes.json'), join(policies, 'routes.json'));
    const table = await options.dynamo.createStateTable('ivschat-auditor-demo-routes');
    const before = aws.published().length;
    const audit = createScheduledAudit({
      ...options.deps,
      // SNS only here: the Security Hub and EventBridge sinks were shown above.
      env: {
        ...options.deps.env,
        POLICIES_DIR: policies,
        STATE_TABLE_NAME: table,
        SECURITY_HUB: 'false',
        EVENT_BUS: '',
      },
    });
    const { summary } = await audit();
    const messages = aws.published().slice(before);
    out(
      `  Routes file ${rel(join(root, 'demo', 'routes.json'))} (owner tag -> team topic, allow-list of 2 teams),`,
    );
    out(`  a fresh state table, the same rooms: ${plural(summary.newFindings, 'new finding')}.`);
    for (const topicArn of [...teamTopics, options.topicArn]) {
      const received = messages.filter((m) => m.topicArn === topicArn);
      const findings = received.flatMap(
        (m) => (JSON.parse(String(m.messages?.sqs ?? '{}')) as MachineAlert).newFindings ?? [],
      );
      const rooms = [...new Set(findings.map((f) => stripControl(f.roomName)))].sort();
      const who = topicArn === options.topicArn ? 'default route (the deployment topic)' : 'team topic';
      subheading(`${topicArn.split(':').pop()}: ${who}`);
      out(
        `  ${plural(received.length, 'message')}, ${plural(findings.length, 'finding')} of ${plural(rooms.length, 'room')}`,
      );
      for (const m of received) out(`  Subject: ${stripControl(m.subject ?? '')}`);
      out(`  Rooms: ${rooms.join(', ')}`);
    }
    out();
    out('  Each team hears of its own rooms only. A room whose owner tag is not in the allow-list (markup,');
    out('  an ARN, empty) stays with the default topic: a tag value never names a topic.');
    return messages.length;
  } finally {
    rmSync(policies, { recursive: true, force: true });
  }
}
