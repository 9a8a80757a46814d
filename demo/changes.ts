/**
 * The demo's last two acts: a change caught by the change path (the emulator's CloudTrail event →
 * the local SQS queue → the real Lambda handler), and the remediation plan of what the auditor now
 * knows, made without a single IVS Chat call.
 */

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IvschatClient, UpdateRoomCommand } from '@aws-sdk/client-ivschat';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { isUnresolved } from '../lambda/audit/finding-state.js';
import { guardProblems, planRemediation, type RemediationPlan } from '../lambda/audit/remediation-plan.js';
import { DEFAULT_GUARDS } from '../lambda/cli/remediate.js';
import type { Finding, RoomDocument } from '../lambda/core/types.js';
import type { ChangeBatchResult } from '../lambda/modes/changes/batch.js';
import type { CompiledPolicy } from '../lambda/policy/compile.js';
import { renderPlanText } from '../lambda/render/remediation-plan.js';
import { StateTable } from '../lambda/state/table.js';
import { ChangeQueue, type SqsEvent } from '../local-aws/change-queue.js';
import { ACCOUNT_ID, type IvschatChangeEvent, type LocalAws } from '../local-aws/index.js';
import {
  boxed,
  deliveredLine,
  out,
  seconds,
  showAlerts,
  sinkCounts,
  sinksSince,
  subheading,
} from './output.js';

/** Whoever changes the room: a deploy role of the application, not the auditor. */
const DEPLOY_ROLE = 'chat-app-deployer';

export interface ChangeDemoOptions {
  aws: LocalAws;
  region: string;
  roomName: string;
  /** The real Lambda handler (createHandler), which the change function runs. */
  handler: (event: unknown) => Promise<unknown>;
  batchWindowMs: number;
  /** Connects the emulator's change events to a listener (undefined: disconnect). */
  listen: (listener: ((event: IvschatChangeEvent) => void) | undefined) => void;
}

export interface ChangeDemoResult {
  getRoomCalls: number;
  writeToAlertMs: number;
  published: number;
}

/** Someone updates a room; the change path alerts within the batch window with one GetRoom. */
export async function changeDemo(options: ChangeDemoOptions): Promise<ChangeDemoResult> {
  const { aws, region, roomName } = options;
  const room = aws.rooms(region).find((r) => r.name === roomName);
  if (!room) throw new Error(`seed room ${roomName} not found in ${region}`);
  const results: ChangeBatchResult[] = [];
  const queue = new ChangeQueue({
    batchWindowMs: options.batchWindowMs,
    maxBatchSize: 10_000,
    region,
    consumer: async (event: SqsEvent) => {
      const result = (await options.handler(event)) as ChangeBatchResult;
      results.push(result);
      return result;
    },
  });
  // The emulator records each write's event before it answers; they are queued together after the
  // last write, so the two land in one batch however slowly a loaded machine runs the two calls.
  const events: IvschatChangeEvent[] = [];
  options.listen((event) => {
    events.push(event);
  });
  const before = sinkCounts(aws);
  out(
    `Change path: emulator CloudTrail event -> EventBridge rule -> SQS queue (local-aws/change-queue.ts, batching window ` +
      `${seconds(options.batchWindowMs)} s here, 20 s by default) -> the same Lambda handler (createHandler) with the SQS batch`,
  );

  const someone = await deployer(aws, region);
  try {
    subheading(`someone (role ${DEPLOY_ROLE}) changes "${roomName}" through the IVS Chat API`);
    try {
      await someone.send(new UpdateRoomCommand({ identifier: room.arn, maximumMessageLength: 1000 }));
      throw new Error('IVS Chat accepted maximumMessageLength 1000; it must refuse it (1 to 500)');
    } catch (err) {
      if (!(err instanceof Error) || err.name !== 'ValidationException') throw err;
      out(
        `  UpdateRoom maximumMessageLength 1000  -> refused (ValidationException); CloudTrail records it with errorCode`,
      );
    }
    const updated = await someone.send(
      new UpdateRoomCommand({ identifier: room.arn, maximumMessageLength: 500 }),
    );
    const writtenAt = Date.now();
    for (const event of events) queue.send(event);
    out(
      `  UpdateRoom maximumMessageLength 500   -> accepted (${room.maximumMessageLength} -> ${updated.maximumMessageLength})`,
    );
    out(`  events on the queue: ${events.map(eventLine).join('; ')}`);
    // From here on the counters are the change path's alone (its batch waits out the window).
    aws.resetStats();

    await queue.idle();
    const messages = aws.published().slice(before.sns);
    const result = results.at(-1);
    if (!result) throw new Error('the change path received no batch');
    const s = result.summary;
    const getRoomCalls = Object.values(aws.stats()).reduce((n, ops) => n + (ops.GetRoom?.calls ?? 0), 0);
    const alertAt = messages[0] ? Date.parse(messages[0].timestamp) : Number.NaN;
    const writeToAlertMs = alertAt - writtenAt;

    subheading('Change batch (handler result + emulator counters)');
    out(
      `  batches          ${queue.deliveries.length} (${queue.deliveries.map((d) => d.messageIds.length).join(', ')} events), ` +
        `${queue.deadLetters.length} dead letters, retried ${result.batchItemFailures.length}`,
    );
    out(
      `  events           ${s.events}: ${s.ignored} ignored (${formatReasons(s.ignoredReasons)}), ${s.rooms} room audited`,
    );
    const calls = Object.values(aws.stats())
      .flatMap((ops) => Object.entries(ops))
      .map(([op, stat]) => `${op} ${stat.calls}`)
      .join(', ');
    out(`  API calls        ${calls} (emulator counters; no ListRooms: only the changed room is fetched)`);
    out(`  GetRoom calls    ${getRoomCalls} (the handler counted ${s.getRoomCalls})`);
    out(`  this batch       ${s.newFindings} new, ${s.resolvedFindings} resolved`);
    out(`  delivered        ${deliveredLine(sinksSince(aws, before), s.published)}`);
    out(
      `  write -> alert   ${seconds(writeToAlertMs)} s (batching window ${seconds(options.batchWindowMs)} s + one GetRoom + delivery); ` +
        'a scheduled run might have taken up to its interval',
    );
    if (getRoomCalls !== 1 || s.newFindings < 1 || messages.length === 0) {
      throw new Error(
        `the change path did not alert as expected: ${getRoomCalls} GetRoom, ${s.newFindings} new, ${messages.length} messages`,
      );
    }
    showAlerts('change', messages);
    return { getRoomCalls, writeToAlertMs, published: messages.length };
  } finally {
    options.listen(undefined);
    someone.destroy();
    await queue.stop();
  }
}

/** An IVS Chat client acting as the application's deploy role (an assumed-role session). */
async function deployer(aws: LocalAws, region: string): Promise<IvschatClient> {
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const sts = new STSClient({ endpoint: aws.endpoint, region, credentials });
  try {
    const { Credentials } = await sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/${DEPLOY_ROLE}`,
        RoleSessionName: 'release-2026-11-26',
      }),
    );
    if (!Credentials?.AccessKeyId || !Credentials.SecretAccessKey)
      throw new Error('AssumeRole gave no credentials');
    return new IvschatClient({
      endpoint: aws.endpoint,
      region,
      credentials: {
        accessKeyId: Credentials.AccessKeyId,
        secretAccessKey: Credentials.SecretAccessKey,
        ...(Credentials.SessionToken ? { sessionToken: Credentials.SessionToken } : {}),
      },
    });
  } finally {
    sts.destroy();
  }
}

function eventLine(e: IvschatChangeEvent): string {
  const d = e.detail;
  const who =
    d.userIdentity.type === 'AssumedRole'
      ? d.userIdentity.sessionContext.sessionIssuer.userName
      : d.userIdentity.arn;
  return `${d.eventName}${d.errorCode ? ` (errorCode ${d.errorCode})` : ''} by ${who}`;
}

function formatReasons(reasons: Record<string, number | undefined>): string {
  const parts = Object.entries(reasons).map(([reason, n]) => `${n} ${reason}`);
  return parts.length > 0 ? parts.join(', ') : 'none';
}

export interface PlanDemoOptions {
  aws: LocalAws;
  dynamo: DynamoDBClient;
  tableName: string;
  regions: readonly string[];
  policies: readonly CompiledPolicy[];
}

/**
 * The plan of the last audit: the open findings in the state table and the room documents in the
 * room cache, as `remediate` would plan them. Reads DynamoDB only: no IVS Chat call, no write.
 */
export async function planDemo(options: PlanDemoOptions): Promise<RemediationPlan> {
  const { aws } = options;
  aws.resetStats();
  const findings: Finding[] = [];
  const rooms = new Map<string, RoomDocument>();
  const table = new StateTable(options.dynamo, options.tableName);
  const cache = table.roomCache();
  for (const region of options.regions) {
    const state = table.targetState({ accountId: ACCOUNT_ID, region });
    // The plan needs whole findings; load() reads only what reconcile needs.
    const records = await state.fetch([...(await state.load()).values()]);
    for (const record of records.values()) {
      if (isUnresolved(record)) findings.push({ ...record.finding, status: record.status });
    }
    for (const cached of (await cache.loadRooms(ACCOUNT_ID, region)).values())
      rooms.set(cached.arn, cached.doc);
  }
  const plan = planRemediation({
    findings,
    rooms,
    roomsAudited: rooms.size,
    policies: options.policies,
    now: new Date().toISOString(),
  });
  out(
    `From the state table: ${findings.length} unresolved findings and ${rooms.size} cached room documents ` +
      '(lambda/audit/remediation-plan.ts planRemediation, the planner `ivschat-audit remediate` uses)',
  );
  out();
  boxed(renderPlanText(plan));
  const ivschatCalls = Object.values(aws.stats()).reduce(
    (n, ops) => n + Object.values(ops).reduce((m, s) => m + s.calls, 0),
    0,
  );
  const updateRoomCalls = Object.values(aws.stats()).reduce((n, ops) => n + (ops.UpdateRoom?.calls ?? 0), 0);
  out();
  out(
    `  UpdateRoom calls while planning: ${updateRoomCalls} (AWS calls of any kind: ${ivschatCalls}); a plan changes nothing`,
  );
  if (updateRoomCalls !== 0) throw new Error(`planning made ${updateRoomCalls} UpdateRoom call(s)`);
  const problems = guardProblems(plan, DEFAULT_GUARDS, {
    maxChanges: '--max-changes',
    maxPercent: '--max-percent',
  });
  if (problems.length > 0) {
    out(`  --apply with the default guards would stop before the first write: ${problems.join('; ')}.`);
  }
  // The policy with the fewest changes: the smallest useful first step.
  const perPolicy = new Map<string, number>();
  for (const c of plan.changes) perPolicy.set(c.policyId, (perPolicy.get(c.policyId) ?? 0) + 1);
  const first = [...perPolicy].sort((a, b) => a[1] - b[1])[0];
  if (first) {
    out(
      `  Review, then one policy at a time: npx ivschat-audit remediate ${options.regions.map((r) => `--region ${r}`).join(' ')} ` +
        `--policy ${first[0]}`,
    );
    out(
      '    (plans again from a fresh audit; --apply writes within --max-changes/--max-percent, re-reading each room first; ' +
        '--undo CHANGE-ID restores one)',
    );
  }
  return plan;
}
