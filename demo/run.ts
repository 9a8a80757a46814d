/**
 * `npm run demo`: the real scheduled Lambda handler against local AWS, offline.
 *
 * Starts the in-repo emulator (IVS Chat, SNS, STS) seeded with local-aws/seed-rooms.json at the
 * real IVS Chat quotas, and dynalite (a DynamoDB API implementation) with the state table; runs
 * the handler three times (first audit, nothing changed, one room fixed) and shows what the
 * on-call person receives by email and in Slack. Then someone changes a room: the emulator's
 * CloudTrail event goes through the local SQS queue to the same handler, which alerts with one
 * GetRoom. It ends with the remediation plan of what the auditor knows: planned, nothing written.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { IvschatClient, UpdateRoomCommand } from '@aws-sdk/client-ivschat';
import { countBySeverity } from '../lambda/alert/alert.js';
import { SEVERITIES } from '../lambda/core/types.js';
import { unchangedBySeverity } from '../lambda/core/unchanged-open.js';
import { createHandler } from '../lambda/handler.js';
import { createScheduledAudit } from '../lambda/modes/scheduled.js';
import type { RunSummary } from '../lambda/pipeline/run-summary.js';
import { loadPolicyDir } from '../lambda/policy/load-dir.js';
import type { HandlerDeps } from '../lambda/runtime/deps.js';
import { type LocalDynamo, startLocalDynamo } from '../local-aws/dynamodb.js';
import {
  type IvschatChangeEvent,
  type LocalAws,
  type PublishedMessage,
  startLocalAws,
} from '../local-aws/index.js';
import { changeDemo, planDemo } from './changes.js';
import {
  callsLine,
  deliveredLine,
  heading,
  out,
  plural,
  rel,
  type SinkCounts,
  seconds,
  showAlerts,
  sinkCounts,
  sinksSince,
  subheading,
} from './output.js';
import { routesDemo } from './routes-demo.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The emulator's seed file: the same rooms `npm run local-aws -- --seed` serves. */
const SEED = join(ROOT, 'local-aws', 'seed-rooms.json');
const REGIONS = ['us-east-1', 'eu-west-1'];
const TOPIC_REGION = 'us-east-1';
/** The room the demo fixes between the second and the third run. */
const ROOM_TO_FIX = 'marketing-launch';
/** The compliant room someone opens up to 500-character messages after the scheduled runs. */
const ROOM_TO_CHANGE = 'support-chat';
/** The change path's batching window, shortened for the demo (the stack's default is 20 s). */
const DEMO_BATCH_WINDOW_MS = 1000;
/** The handler's API_BUDGET_TPS: IVS Chat calls per second per operation and region. */
const API_BUDGET_TPS = 4;
async function main(): Promise<void> {
  const started = performance.now();
  // The handler's Metrics reads this from the process environment (EMF lines would clutter the demo).
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  // The SDK's advance notice about Node 20 is not what this demo is about (engines: node >= 20).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

  heading(
    'ivschat-auditor demo: the real Lambda handler against local AWS (offline, nothing leaves this machine)',
  );
  let changeListener: ((event: IvschatChangeEvent) => void) | undefined;
  const aws = await startLocalAws({
    seed: SEED,
    quotas: { enabled: true, scale: 1 },
    onChangeEvent: (event) => changeListener?.(event),
  });
  closers.push(() => aws.close());
  const dynamo = await startLocalDynamo();
  closers.push(() => dynamo.close());
  const topicArn = aws.createTopic(TOPIC_REGION, 'ivschat-auditor-alerts');
  showSetUp(aws, dynamo, topicArn);
  const deps = handlerDeps(aws, dynamo, topicArn);
  const audit = createScheduledAudit(deps);

  // Run 1: everything is new.
  heading('RUN 1: first audit (state table empty, every finding is new)');
  const first = await run(aws, audit);
  showAlerts('run1', first.messages);
  showMachineSinks(aws, first.before);

  // Run 2: nothing changed.
  heading('RUN 2: the handler runs again, nothing has changed');
  const second = await run(aws, audit);
  if (second.messages.length === 0) {
    out();
    out('second run: no changes, nothing sent (findings stay open in DynamoDB; a reminder follows after');
    out('RENOTIFY_AFTER_HOURS, default 24 h)');
  } else {
    throw new Error(`the second run published ${second.messages.length} message(s); expected none`);
  }

  // Fix a room through the IVS Chat API, then run 3: the fix is announced.
  heading(`RUN 3: someone fixes "${ROOM_TO_FIX}" through the IVS Chat API, the next run reports it resolved`);
  await fixRoom(aws);
  const third = await run(aws, audit);
  if (third.summary.resolvedFindings === 0) throw new Error('the third run resolved nothing');
  showAlerts('run3', third.messages);
  showMachineSinks(aws, third.before);

  // A change after the scheduled runs: the change path catches it within its batching window.
  heading(
    `CHANGE: someone opens "${ROOM_TO_CHANGE}" up to 500-character messages; the change path alerts within its window`,
  );
  const change = await changeDemo({
    aws,
    region: 'us-east-1',
    roomName: ROOM_TO_CHANGE,
    handler: createHandler(deps),
    batchWindowMs: DEMO_BATCH_WINDOW_MS,
    listen: (listener) => {
      changeListener = listener;
    },
  });

  // The end: what fixing the drift would take, planned, not done.
  heading(
    'REMEDIATION PLAN of the last audit: what `ivschat-audit remediate` would change (nothing is written)',
  );
  const plan = await planDemo({
    aws,
    dynamo: dynamo.client,
    tableName: dynamo.tableName,
    regions: REGIONS,
    policies: loadPolicyDir(join(ROOT, 'policies')).policies,
  });

  // Alert routes: the same rooms, each team's topic told of its own rooms only.
  heading('ROUTES: a routes file sends each team the findings of the rooms it owns (demo/routes.json)');
  const routed = await routesDemo({ aws, dynamo, deps, root: ROOT, topicRegion: TOPIC_REGION, topicArn });

  heading('Done');
  out(
    `3 runs, 1 change batch and a plan in ${seconds(performance.now() - started)} s; alerts published: run 1 ${first.messages.length}, ` +
      `run 2 ${second.messages.length}, run 3 ${third.messages.length}, change ${change.published} ` +
      `(${change.getRoomCalls} GetRoom, ${seconds(change.writeToAlertMs)} s from write to alert); ` +
      `plan ${plan.changes.length} changes, 0 written; routes ${routed} messages to 3 topics.`,
  );
  out(
    'Everything above was read back from the emulator (aws.published(), aws.stats()) and from the handler result.',
  );
  out(
    'Try it yourself: npm run local-aws -- --seed local-aws/seed-rooms.json  (then point the AWS CLI at it).',
  );
}

/** What the demo runs against, as the reader should picture it. */
function showSetUp(aws: LocalAws, dynamo: LocalDynamo, topicArn: string): void {
  out(`IVS Chat / SNS / STS  local-aws emulator at ${aws.endpoint} (local-aws/server.ts)`);
  for (const region of REGIONS)
    out(`  ${region.padEnd(10)} ${aws.rooms(region).length} rooms seeded from ${rel(SEED)}`);
  const q = aws.quotas();
  out(
    `  quotas ON at the real IVS Chat rates: ListRooms ${q.rates.ListRooms}, GetRoom ${q.rates.GetRoom} TPS ` +
      'per account and region',
  );
  out(`  SNS topic           ${topicArn}`);
  out(
    `DynamoDB             dynalite at ${dynamo.endpoint}, table ${dynamo.tableName} (pk S, sk S, as in the CDK stack)`,
  );
  out(
    `Handler              lambda/modes/scheduled.ts createScheduledAudit() (what handler() runs for {}), policies from ${rel(join(ROOT, 'policies'))}/`,
  );
  out(
    `                     AUDIT_REGIONS=${REGIONS.join(',')} API_BUDGET_TPS=${API_BUDGET_TPS} ` +
      `(stays under the ${Math.min(q.rates.ListRooms ?? 5, q.rates.GetRoom ?? 5)} TPS quota)`,
  );
}

/** The handler's environment and clients, as the stack would give them, pointed at the emulator. */
function handlerDeps(aws: LocalAws, dynamo: LocalDynamo, topicArn: string): HandlerDeps {
  const logger = new Logger({ serviceName: 'ivschat-auditor', logLevel: 'WARN' });
  const env = {
    AUDIT_REGIONS: REGIONS.join(','),
    ALERT_TOPIC_ARN: topicArn,
    API_BUDGET_TPS: String(API_BUDGET_TPS),
    POLICIES_DIR: join(ROOT, 'policies'),
    POWERTOOLS_METRICS_DISABLED: 'true',
    STATE_TABLE_NAME: dynamo.tableName,
    SECURITY_HUB: 'true',
    EVENT_BUS: 'default',
    // The stack sets it to the function role's name: changes made by it are the auditor's own.
    FUNCTION_ROLE_NAME: 'ivschat-auditor-function',
  };
  return {
    env,
    connection: { endpoint: aws.endpoint },
    // The production path: STATE_TABLE_NAME gives both the finding state and the room cache.
    dynamoClient: dynamo.client,
    logger,
    // Metrics are disabled above; its logger only warns about a failed run's empty metrics.
    metrics: new Metrics({ namespace: 'IvsChatAuditorDemo', serviceName: 'ivschat-auditor', logger }),
  };
}

/** Someone fixes ROOM_TO_FIX through the IVS Chat API, as a person would, between runs 2 and 3. */
async function fixRoom(aws: LocalAws): Promise<void> {
  const room = aws.rooms('us-east-1').find((r) => r.name === ROOM_TO_FIX);
  if (!room) throw new Error(`seed room ${ROOM_TO_FIX} not found in ${rel(SEED)}`);
  const ivschat = new IvschatClient({
    endpoint: aws.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const updated = await ivschat.send(
      new UpdateRoomCommand({ identifier: room.arn, maximumMessageLength: 200 }),
    );
    out(`UpdateRoom ${room.arn} (IvschatClient -> emulator):`);
    out(`  maximumMessageLength ${room.maximumMessageLength} -> ${updated.maximumMessageLength}`);
  } finally {
    ivschat.destroy();
  }
}

type Audit = ReturnType<typeof createScheduledAudit>;

/** What the Security Hub and EventBridge sinks delivered (SECURITY_HUB=true, EVENT_BUS=default). */
function showMachineSinks(aws: LocalAws, before: SinkCounts): void {
  heading('SECURITY HUB (BatchImportFindings, ASFF) and EVENTBRIDGE (PutEvents)');
  const findings = aws.securityHubFindings();
  const states = new Map<string, number>();
  for (const { finding } of findings) {
    const key = `${String(finding.RecordState)}/${String((finding.Compliance as { Status?: string })?.Status)}`;
    states.set(key, (states.get(key) ?? 0) + 1);
  }
  const calls = Object.values(aws.stats()).reduce((n, ops) => n + (ops.BatchImportFindings?.calls ?? 0), 0);
  out(
    `  Security Hub holds ${findings.length} findings (${[...states].map(([k, n]) => `${n} ${k}`).join(', ')}), ${plural(calls, 'import call')} this run`,
  );
  const latest = [...findings].sort((a, b) =>
    String(b.finding.UpdatedAt).localeCompare(String(a.finding.UpdatedAt)),
  )[0];
  if (latest) {
    const f = latest.finding;
    out(
      `  | Id ${String(f.Id)}  ${String(f.RecordState)}  ${String((f.Severity as { Label?: string })?.Label)}`,
    );
    out(`  | ${String(f.Title)}`);
    out(`  | ${String(f.ProductArn)}`);
  }
  const events = aws.events().slice(before.events);
  const types = new Map<string, number>();
  for (const e of events) types.set(e.detailType, (types.get(e.detailType) ?? 0) + 1);
  out(
    `  EventBridge (default bus): ${plural(events.length, 'event')} this run: ${[...types].map(([t, n]) => `${n} × ${t}`).join(', ')}`,
  );
}

async function run(
  aws: LocalAws,
  audit: Audit,
): Promise<{ summary: RunSummary; messages: PublishedMessage[]; before: SinkCounts }> {
  const before = sinkCounts(aws);
  aws.resetStats();
  const t0 = performance.now();
  // The full run (alert, messages) for this printout; the Lambda returns only `summary`.
  const { summary, outcome } = await audit();
  const ms = performance.now() - t0;
  const messages = aws.published().slice(before.sns);
  const delivered = sinksSince(aws, before);
  const stats = aws.stats();
  const report = outcome.alert.report;

  subheading('Run summary (handler result + emulator counters)');
  for (const region of REGIONS) {
    const ops = stats[region] ?? {};
    out(`  ${region.padEnd(10)} ${aws.rooms(region).length} rooms; ${callsLine(ops)}`);
  }
  const active = report.findings.filter((f) => f.status !== 'exempt');
  const counts = countBySeverity(active);
  // The findings the run found again as stored are counted, not listed (Report.unchangedOpen).
  const counted = unchangedBySeverity(report);
  for (const s of SEVERITIES) counts[s] += counted[s];
  const bySeverity = SEVERITIES.filter((s) => counts[s] > 0)
    .map((s) => `${counts[s]} ${s}`)
    .join(', ');
  out(
    `  rooms audited    ${report.roomsAudited} (${report.roomsSkipped ?? 0} skipped), audit complete: ${report.complete}`,
  );
  out(`  open findings    ${summary.findings}${bySeverity ? ` (${bySeverity})` : ''}`);
  out(
    `  this run         ${summary.newFindings} new, ${summary.resolvedFindings} resolved, ${summary.reminders} reminders, ` +
      `${summary.errors} errors`,
  );
  out(`  delivered        ${deliveredLine(delivered, summary.published)}`);
  out(
    `  handler result   ${Buffer.byteLength(JSON.stringify(summary))} bytes (counts and ids, whatever the findings)`,
  );
  out(
    `  duration         ${seconds(ms)} s (GetRoom only for new or changed rooms, at most ${API_BUDGET_TPS} calls per ` +
      'second per IVS Chat operation and region; regions in parallel)',
  );
  return { summary, messages, before };
}

const closers: (() => Promise<void>)[] = [];

async function closeAll(): Promise<void> {
  for (const close of closers.reverse()) {
    try {
      await close();
    } catch {
      // closing is best effort
    }
  }
}

const ORG = process.argv.includes('--org');
/** `npm run demo -- --selftest`: `ivschat-audit selftest` end to end (demo/selftest-demo.ts). */
const SELFTEST = process.argv.includes('--selftest');
const DOCTOR = process.argv.includes('--doctor');

(DOCTOR
  ? import('./doctor-demo.js').then((m) => m.doctorDemo(closers))
  : ORG
    ? import('./org-demo.js').then((m) => m.orgDemo(closers))
    : SELFTEST
      ? import('./selftest-demo.js').then((m) => m.selftestDemo(closers))
      : main()
).then(
  async () => {
    await closeAll();
    process.exit(0);
  },
  async (error: unknown) => {
    await closeAll();
    const e = error as Error;
    process.stderr.write(`\ndemo failed: ${e?.name ?? 'Error'}: ${e?.message ?? String(error)}\n`);
    if (e?.cause) process.stderr.write(`  cause: ${String((e.cause as Error)?.message ?? e.cause)}\n`);
    process.exit(1);
  },
);
