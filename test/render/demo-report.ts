/**
 * The report of the demo's rooms (local-aws/seed-rooms.json) as the real evaluator and the starter
 * policies make it, with one hostile room added and the findings' lifecycle spread over every status:
 * the input of the report renderers' tests (OCSF, HTML), so they check real findings, not hand-made ones.
 */
import { readFileSync } from 'node:fs';
import { evaluateRoom } from '../../lambda/audit/evaluate.js';
import { toLoggingConfigurationFact } from '../../lambda/aws/logging-configurations.js';
import { joinLoggingConfigurations } from '../../lambda/core/room-facts.js';
import type { Finding, LoggingConfigurationFact, Report, RoomDocument } from '../../lambda/core/types.js';
import { loadPolicyDir } from '../../lambda/policy/load-dir.js';

/** The emulator's fake account. */
export const DEMO_ACCOUNT = '000000000000';
/** A second fake account, the hostile room's: the report totals more than one account. */
export const OTHER_ACCOUNT = '111111111111';
export const DEMO_NOW = '2026-03-02T09:00:00.000Z';
/** A tag value full of markup: the HTML report must show it as text, never run or load it. */
export const MARKUP_TAG =
  '<img src=x onerror="document.title=\'pwned\'"><script>document.title="pwned"</script></td><b>bold</b>';
export const HOSTILE_ROOM_NAME = '<svg onload=alert(1)>"\'&amp;';

interface SeedRoom extends Omit<RoomDocument, 'arn'> {
  region: string;
  id: string;
}
interface SeedLogging {
  region: string;
  id: string;
  name?: string;
  state?: string;
  destinationConfiguration?: Record<string, Record<string, string>>;
}

const SEED = new URL('../../local-aws/seed-rooms.json', import.meta.url);

/** The seed's rooms as GetRoom documents with their logging configurations joined, plus the hostile room. */
export function demoRooms(): RoomDocument[] {
  const seed = JSON.parse(readFileSync(SEED, 'utf8')) as {
    rooms: SeedRoom[];
    loggingConfigurations: SeedLogging[];
  };
  const arn = (region: string, kind: string, id: string, account = DEMO_ACCOUNT) =>
    `arn:aws:ivschat:${region}:${account}:${kind}/${id}`;
  const facts = new Map<string, LoggingConfigurationFact>();
  for (const c of seed.loggingConfigurations) {
    const summary = { ...c, arn: arn(c.region, 'logging-configuration', c.id) };
    const fact = toLoggingConfigurationFact(summary as Parameters<typeof toLoggingConfigurationFact>[0]);
    if (fact) facts.set(fact.arn, fact);
  }
  const rooms = seed.rooms.map(({ region, ...room }) =>
    joinLoggingConfigurations({ ...room, arn: arn(region, 'room', room.id) }, facts),
  );
  const [template] = rooms;
  if (!template) throw new Error('seed-rooms.json has no rooms');
  const hostileId = 'HoStIlE00001';
  rooms.push({
    ...template,
    id: hostileId,
    arn: arn('us-east-1', 'room', hostileId, OTHER_ACCOUNT),
    name: HOSTILE_ROOM_NAME,
    tags: { owner: MARKUP_TAG },
  });
  return rooms;
}

export interface DemoReport {
  report: Report;
  /** Findings resolved this run, as the CLI passes them beside the report. */
  resolved: Finding[];
}

/**
 * The demo rooms audited by the starter policies. The evaluator makes every finding new; the
 * lifecycle is then spread so each status is rendered: the second finding open since an earlier
 * run, the third exempt until a date, the fourth's exemption expired, and one resolved finding.
 */
export function demoReport(): DemoReport {
  const { policies } = loadPolicyDir();
  const findings = demoRooms().flatMap((room) => evaluateRoom(room, policies, { now: DEMO_NOW }).findings);
  const earlier = '2026-02-20T09:00:00.000Z';
  const [, second, third, fourth] = findings;
  if (!second || !third || !fourth) throw new Error('the demo rooms gave fewer than four findings');
  Object.assign(second, { status: 'open', firstSeen: earlier });
  Object.assign(third, {
    status: 'exempt',
    firstSeen: earlier,
    exemption: { reason: 'load test until the <b>launch</b>', expires: '2026-04-30', expired: false },
  });
  Object.assign(fourth, {
    status: 'open',
    firstSeen: earlier,
    exemption: { reason: 'legacy client', expires: '2026-02-28', expired: true },
  });
  const resolvedFinding: Finding = {
    ...second,
    fingerprint: `${second.fingerprint}-resolved`,
    policyId: 'logging-required',
    title: 'Chat logging is configured',
    severity: 'medium',
    status: 'resolved',
    firstSeen: earlier,
    resolvedReason: 'room deleted',
  };
  const targets = [...new Set(findings.map((f) => `${f.accountId} ${f.region}`))].sort().map((t) => {
    const [accountId = '', region = ''] = t.split(' ');
    return { accountId, region };
  });
  const report: Report = {
    version: '1.0',
    startedAt: DEMO_NOW,
    finishedAt: '2026-03-02T09:00:04.000Z',
    targets,
    roomsAudited: demoRooms().length,
    policiesEvaluated: policies.length,
    findings,
    errors: [
      {
        region: 'eu-west-1',
        roomArn: `arn:aws:ivschat:eu-west-1:${DEMO_ACCOUNT}:room/GoneRoom0001`,
        operation: 'GetRoom',
        code: 'ThrottlingException',
        message: 'Rate exceeded <retry later>',
      },
    ],
    complete: false,
    notEvaluated: [
      {
        policyId: 'logging-active',
        reason: 'the rooms lack loggingConfigurations (export them with export-rooms)',
        rooms: [`arn:aws:ivschat:us-east-1:${DEMO_ACCOUNT}:room/NoFacts00001`],
      },
    ],
  };
  return { report, resolved: [resolvedFinding] };
}
