/**
 * The org-scale engine end to end: the state machine `cdk synth` produces, run by aws-local-stepfunctions,
 * every task answered by the real audit handler against the emulator (several accounts) and dynalite.
 */
import type { LoggingConfigurationSummary } from '@aws-sdk/client-ivschat';
import { IvschatClient, UpdateRoomCommand } from '@aws-sdk/client-ivschat';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AUDITOR_ACCOUNT, type LocalOrg, orgLoggingConfigArn, startLocalOrg } from '../../demo/local-org.js';
import type { Alert } from '../../lambda/alert/alert.js';
import { Evaluator } from '../../lambda/audit/evaluate.js';
import { buildReport } from '../../lambda/audit/report.js';
import { toLoggingConfigurationFact } from '../../lambda/aws/logging-configurations.js';
import { joinLoggingConfigurations } from '../../lambda/core/room-facts.js';
import type { LoggingConfigurationFact, RegionInventory, RoomDocument } from '../../lambda/core/types.js';
import { evaluateRooms } from '../../lambda/inventory/room-evaluation.js';
import { auditRun } from '../../lambda/pipeline/run-audit.js';
import { loadPolicyDir } from '../../lambda/policy/load-dir.js';
import { healthKey, lockKey } from '../../lambda/state/keys.js';
import { type RoomSnapshot, RoomSnapshotStore } from '../../lambda/state/room-snapshot.js';
import { RunStore, TargetLocks } from '../../lambda/state/run-store.js';
import { TargetStateStore } from '../../lambda/state/target-store.js';
import type { SeedRoom } from '../../local-aws/index.js';
import type { AuditHandler } from '../../local-aws/step-functions.js';
import { stateMachineDefinition } from '../cdk/state-machine-definition.js';
import { received } from '../e2e/helpers.js';
import { inventoryOf } from '../fixtures.js';

const PROD = '111111111111';
const STAGE = '222222222222';
const REGIONS = ['us-east-1', 'eu-west-1'];
const ACCOUNTS = [AUDITOR_ACCOUNT, PROD, STAGE];

/** `count` rooms of one account and region; every other one allows 1,000-character messages. */
function rooms(accountId: string, region: string, count: number): SeedRoom[] {
  return Array.from({ length: count }, (_, i) => ({
    accountId,
    region,
    id: `r${accountId.slice(0, 3)}${region.slice(0, 2)}${String(i).padStart(5, '0')}`,
    name: `room-${accountId.slice(0, 3)}-${region}-${i}`,
    maximumMessageLength: i % 2 === 0 ? 1000 : 200,
    maximumMessageRatePerSecond: 10,
    messageReviewHandler: {
      uri: `arn:aws:lambda:${region}:${accountId}:function:review`,
      fallbackResult: 'DENY',
    },
    loggingConfigurationIdentifiers: [orgLoggingConfigArn(accountId, region)],
    tags: { owner: 'team' },
  }));
}

const LOCAL = { accessKeyId: 'local', secretAccessKey: 'local' };

/** One room, read (fetched) in full: what the change path hands the pipeline for one changed room. */
function oneRoom(accountId: string, region: string, room: RoomDocument): RegionInventory {
  return inventoryOf([room], { accountId, region, calls: { listRooms: 0, getRoom: 1 } });
}

const fleet = (perTarget: number) => ACCOUNTS.flatMap((a) => REGIONS.flatMap((r) => rooms(a, r, perTarget)));

let org: LocalOrg | undefined;
let definition: object;
// One synth for the file: the app (both stacks, cdk-nag) takes seconds to build.
beforeAll(() => {
  definition = stateMachineDefinition({ accounts: ACCOUNTS.join(','), regions: REGIONS.join(',') });
}, 120_000);
afterEach(async () => {
  await org?.close();
  org = undefined;
});

async function start(options: { perTarget?: number; denyAssumeRole?: string[]; quotas?: object } = {}) {
  org = await startLocalOrg(definition, {
    accounts: ACCOUNTS,
    regions: REGIONS,
    rooms: fleet(options.perTarget ?? 4),
    denyAssumeRole: options.denyAssumeRole ?? [STAGE],
    ...(options.quotas ? { quotas: options.quotas } : {}),
  });
  return org;
}

/** What a complete export of the target would hold: the emulator's rooms with the joined facts, by ARN. */
function expectedDocuments(o: LocalOrg, accountId: string, region: string): RoomDocument[] {
  const facts = new Map<string, LoggingConfigurationFact>();
  for (const { accountId: _a, region: _r, ...config } of o.aws.loggingConfigurations(region, accountId)) {
    // The emulator's document is the API's summary as JSON (times as strings; the fact reads neither).
    const fact = toLoggingConfigurationFact(config as unknown as LoggingConfigurationSummary);
    if (fact) facts.set(fact.arn, fact);
  }
  return o.aws
    .rooms(region, accountId)
    .map(({ accountId: _a, region: _r, ...room }) => joinLoggingConfigurations(room, facts))
    .sort((a, b) => a.arn.localeCompare(b.arn));
}

async function snapshots(o: LocalOrg) {
  const found = new Map<string, RoomDocument[]>();
  for await (const s of new RoomSnapshotStore(o.dynamo.client, o.table).list()) {
    found.set(
      `${s.accountId}/${s.region}`,
      [...s.rooms].sort((a, b) => a.arn.localeCompare(b.arn)),
    );
  }
  return found;
}

describe('org run on the local state machine', { timeout: 90_000 }, () => {
  it('audits 3 accounts × 2 regions in one run and sends one alert naming the account it could not enter', async () => {
    const o = await start();
    const result = await o.run('run-1');
    expect(result.error).toBeUndefined();
    expect(result.output).toMatchObject({
      targets: 6,
      targetsAudited: 4,
      targetsNotAudited: 2,
      accounts: 2,
      roomsAudited: 16,
      newFindings: 8,
      complete: false,
    });
    expect(result.invocations).toEqual({ plan: 1, 'audit-target': 6, aggregate: 1 });
    const messages = o.aws.published().map(received);
    expect(messages).toHaveLength(1);
    const [alert] = messages as [ReturnType<typeof received>];
    expect(alert.email).toMatch(/not audited/i);
    expect(alert.email).toContain(STAGE);
    expect(alert.email).toMatch(/AccessDenied|may not|cannot assume/i);
    expect(alert.email).toContain(PROD);
    expect(alert.email).toContain(AUDITOR_ACCOUNT);
    const accountsInFindings = new Set(alert.machine.newFindings.map((f) => f.accountId));
    expect([...accountsInFindings].sort()).toEqual([AUDITOR_ACCOUNT, PROD]);
  });

  it('stays quiet on a second run with nothing changed, while the unreachable account keeps failing', async () => {
    const o = await start();
    await o.run('run-1');
    const second = await o.run('run-2');
    expect(second.output).toMatchObject({ targetsNotAudited: 2, newFindings: 0, published: 0 });
    expect(o.aws.published()).toHaveLength(1);
  });

  it('resolves the findings of a fixed account and keeps the others open', async () => {
    const o = await start({ denyAssumeRole: [] });
    await o.run('run-1');
    for (const room of o.aws.rooms(undefined, PROD)) o.aws.removeRoom(room.arn);
    const second = await o.run('run-2');
    expect(second.output).toMatchObject({ resolvedFindings: 4, newFindings: 0, targetsNotAudited: 0 });
    const [, alert] = o.aws.published().map(received);
    expect(alert?.machine.resolvedFindings.every((f) => f.accountId === PROD)).toBe(true);
  });

  it('continues a target across invocations until every room is audited, then alerts once', async () => {
    // 40 rooms a target at 5 GetRoom/s is ~8 s; each invocation may run ~1.5 s past the deadline margin.
    const o = await start({ perTarget: 40, denyAssumeRole: [] });
    const result = await o.run('run-long', { invocationMs: 90_000 + 1_500 });
    expect(result.error).toBeUndefined();
    expect(result.invocations['audit-target']).toBeGreaterThan(6);
    expect(result.output).toMatchObject({
      targetsAudited: 6,
      roomsAudited: 240,
      newFindings: 120,
      complete: true,
    });
    // One alert (SNS splits 120 findings into numbered parts of that one alert).
    const parts = o.aws.published().map(received);
    expect(parts.every((p) => (p.machine.part?.count ?? 1) === parts.length)).toBe(true);
    // No room was fetched twice: the room cache is the resume cursor.
    let getRoom = 0;
    for (const ops of Object.values(o.aws.stats())) getRoom += ops.GetRoom?.calls ?? 0;
    expect(getRoom).toBe(240);
  }, 120_000);

  it('leaves a snapshot of each audited target equal to its rooms with joined facts, none of a target it could not enter', async () => {
    const o = await start();
    const [logs] = o.aws.seedLoggingConfigurations('us-east-1', [
      {
        accountId: PROD,
        id: 'LgChatLogs01',
        name: 'chat-logs',
        destinationConfiguration: { s3: { bucketName: 'chat-logs-bucket' } },
      },
    ]);
    const [logged] = rooms(PROD, 'us-east-1', 5).slice(4);
    o.aws.seedRooms(undefined, [
      { ...logged, loggingConfigurationIdentifiers: [String(logs?.arn)] } as SeedRoom,
    ]);
    await o.run('run-1');

    const stored = await snapshots(o);
    expect([...stored.keys()].sort()).toEqual(
      [AUDITOR_ACCOUNT, PROD].flatMap((a) => REGIONS.map((r) => `${a}/${r}`)).sort(),
    );
    for (const account of [AUDITOR_ACCOUNT, PROD]) {
      for (const region of REGIONS) {
        expect(stored.get(`${account}/${region}`)).toEqual(expectedDocuments(o, account, region));
      }
    }
    const prod = stored.get(`${PROD}/us-east-1`) ?? [];
    expect(prod).toHaveLength(5);
    expect(prod.find((r) => r.name === logged?.name)?.loggingConfigurations).toEqual([
      expect.objectContaining({ state: 'ACTIVE', destinationType: 's3', destination: 'chat-logs-bucket' }),
    ]);
    expect(prod.map((r) => r.maximumMessageLength)).toContain(1000);
  });

  it('writes no snapshot of a target cut short by its deadline until the invocation that completes it', async () => {
    const o = await start({ perTarget: 40, denyAssumeRole: [] });
    const real = o.handler();
    const unfinished: (RoomSnapshot | undefined)[] = [];
    const watching: AuditHandler = async (event, context) => {
      const output = (await real(event, context)) as { done?: boolean };
      const e = event as { step?: string; runId?: string; index?: number };
      if (e.step === 'audit-target' && output.done === false) {
        const t = await new RunStore(o.dynamo.client, o.table, String(e.runId)).getTarget(Number(e.index));
        unfinished.push(await new RoomSnapshotStore(o.dynamo.client, o.table).get(t.accountId, t.region));
      }
      return output;
    };
    const result = await o.run('run-long', { handler: watching, invocationMs: 90_000 + 1_500 });

    expect(result.output).toMatchObject({ targetsAudited: 6, complete: true });
    expect(unfinished.length).toBeGreaterThan(0);
    expect(unfinished.every((s) => s === undefined)).toBe(true);
    const stored = await snapshots(o);
    expect(stored.size).toBe(6);
    for (const account of ACCOUNTS) {
      for (const region of REGIONS) {
        expect(stored.get(`${account}/${region}`)).toHaveLength(40);
      }
    }
  }, 120_000);

  it('does not audit a target another run still holds, and leaves that run its lock', async () => {
    const o = await start({ denyAssumeRole: [] });
    const locks = new TargetLocks(o.dynamo.client, o.table);
    const held = { accountId: PROD, region: 'eu-west-1' };
    const now = new Date();
    await locks.acquire(held, 'earlier-run', new Date(now.getTime() + 3_600_000), now);
    const result = await o.run('run-overlap');
    expect(result.output).toMatchObject({ targetsAudited: 5, targetsSkipped: 1 });
    const again = await locks.acquire(held, 'third-run', new Date(now.getTime() + 3_600_000), new Date());
    expect(again).toMatchObject({ ok: false, heldBy: 'earlier-run' });
    // The run's own targets were released: the next run takes them.
    const free = await locks.acquire(
      { accountId: PROD, region: 'us-east-1' },
      'third-run',
      new Date(now.getTime() + 60_000),
      new Date(),
    );
    expect(free).toEqual({ ok: true });
  });

  it('counts the failed runs of each target it cannot enter, in plan order, and releases every lock', async () => {
    const o = await start();
    await o.run('run-1');
    const second = await o.run('run-2');
    const summary = second.output as { notAudited: { accountId: string; region: string }[] };
    expect(summary.notAudited).toEqual([
      expect.objectContaining({ accountId: STAGE, region: REGIONS[0] }),
      expect.objectContaining({ accountId: STAGE, region: REGIONS[1] }),
    ]);
    const doc = DynamoDBDocumentClient.from(o.dynamo.client);
    for (const accountId of ACCOUNTS) {
      for (const region of REGIONS) {
        const target = { accountId, region };
        const { Item: health } = await doc.send(
          new GetCommand({ TableName: o.table, Key: healthKey(target) }),
        );
        expect(health?.consecutiveFailures).toBe(accountId === STAGE ? 2 : 0);
        const { Item: lock } = await doc.send(new GetCommand({ TableName: o.table, Key: lockKey(target) }));
        expect(lock).toBeUndefined();
      }
    }
  });

  it("records a run's 6 targets with the aggregate step's writes per finding and a few batches, not a write per target", async () => {
    const o = await start({ denyAssumeRole: [] });
    const sent: Record<string, number> = {};
    let aggregating = false;
    o.dynamo.client.middlewareStack.add(
      (next, context) => (args) => {
        const name = String(context.commandName).replace(/Command$/, '');
        if (aggregating) sent[name] = (sent[name] ?? 0) + 1;
        return next(args);
      },
      { step: 'initialize', name: 'testCountAggregate' },
    );
    const real = o.handler();
    const counted: AuditHandler = async (event, context) => {
      // The aggregate step runs alone, after every target's step has ended.
      aggregating = (event as { step?: string }).step === 'aggregate';
      try {
        return await real(event, context);
      } finally {
        aggregating = false;
      }
    };

    const result = await o.run('run-count', { handler: counted });

    expect(result.output).toMatchObject({ targetsAudited: 6, newFindings: 12 });
    expect(sent).toEqual({
      // The run's plan; its targets and their outcomes.
      GetItem: 1,
      // ...and whether each of the 3 accounts keeps findings under the pre-region key (none).
      Query: 2 + 3,
      // Each new finding claimed before the alert, and settled after it.
      PutItem: 12,
      // The settles, and the plan's own health (the organization's account list).
      UpdateItem: 12 + 1,
      // The targets' health (successes) and their locks: read, then written, in one batch each.
      BatchGetItem: 2,
      BatchWriteItem: 2,
    });
  });

  it('names a target whose audit step crashed, and still delivers the others', async () => {
    const o = await start({ denyAssumeRole: [] });
    const real = o.handler();
    const crashing: AuditHandler = async (event, context) => {
      const e = event as { step?: string; index?: number };
      if (e.step === 'audit-target' && e.index === 1) throw new Error('out of memory (simulated)');
      return real(event, context);
    };
    const result = await o.run('run-crash', { handler: crashing });
    expect(result.error).toBeUndefined();
    expect(result.output).toMatchObject({ targetsAudited: 5, targetsNotAudited: 1 });
    const [alert] = o.aws.published().map(received);
    expect(alert?.email).toContain('out of memory (simulated)');
  });

  it('records nothing when the alert cannot be delivered, and the next run sends it again', async () => {
    const o = await start({ denyAssumeRole: [] });
    const failing = o.handler({
      publisher: { publish: async () => Promise.reject(new Error('SNS is down (simulated)')) },
    });
    const failed = await o.run('run-down', { handler: failing });
    expect(failed.error?.message).toMatch(/SNS is down/);
    expect(o.aws.published()).toHaveLength(0);
    const next = await o.run('run-up');
    expect(next.output).toMatchObject({ newFindings: 12, targetsAudited: 6, targetsSkipped: 0 });
    expect(o.aws.published()).toHaveLength(1);
  });

  it('does not announce a resolution the change path recorded while the run was going', async () => {
    const o = await start({ denyAssumeRole: [] });
    await o.run('run-1');
    const region = 'us-east-1';
    const room = o.aws.rooms(region, AUDITOR_ACCOUNT).find((r) => r.maximumMessageLength === 1000);
    if (!room) throw new Error('the fleet must have a room breaking message-length-max');
    const client = new IvschatClient({ endpoint: o.aws.endpoint, region, credentials: LOCAL });
    await client.send(new UpdateRoomCommand({ identifier: room.arn, maximumMessageLength: 200 }));
    client.destroy();
    const fixed = expectedDocuments(o, AUDITOR_ACCOUNT, region).find(
      (d) => d.arn === room.arn,
    ) as RoomDocument;

    // The change path saw the fix after this run's target step read it, and recorded it first.
    const changeAlerts: Alert[] = [];
    const real = o.handler();
    const changePathFirst: AuditHandler = async (event, context) => {
      if ((event as { step?: string }).step === 'aggregate') {
        const change = await auditRun({
          inventory: {
            audit: async ({ startedAt }) => {
              const inventories = [oneRoom(AUDITOR_ACCOUNT, region, fixed)];
              const policies = loadPolicyDir().policies;
              evaluateRooms(inventories[0] as RegionInventory, [fixed], {
                evaluator: new Evaluator(policies),
                now: startedAt,
              });
              const report = buildReport({
                startedAt,
                finishedAt: startedAt,
                inventories,
                policies,
              });
              return { report, inventories };
            },
          },
          state: () => new TargetStateStore(o.dynamo.client, o.table, AUDITOR_ACCOUNT, region),
          sinks: [
            {
              name: 'sns',
              deliver: async (alert) => {
                changeAlerts.push(alert);
                return { sink: 'sns', delivered: 1, messageIds: [] };
              },
            },
          ],
          clock: () => new Date(),
          renotifyAfterHours: 24,
        });
        await change.deliver();
      }
      return real(event, context);
    };
    const before = o.aws.published().length;
    const result = await o.run('run-2', { handler: changePathFirst });

    expect(result.error).toBeUndefined();
    expect(changeAlerts.flatMap((a) => a.resolvedFindings.map((f) => f.roomArn))).toEqual([room.arn]);
    expect(result.output).toMatchObject({ resolvedFindings: 0, newFindings: 0 });
    const told = o.aws.published().slice(before).map(received);
    expect(told.flatMap((m) => m.machine.resolvedFindings)).toEqual([]);
    const stored = await new TargetStateStore(o.dynamo.client, o.table, AUDITOR_ACCOUNT, region).load();
    expect([...stored.values()].filter((r) => r.finding.roomArn === room.arn).map((r) => r.status)).toEqual([
      'resolved',
    ]);
  });

  it('keeps every step result small whatever the run found', async () => {
    const o = await start({ perTarget: 30, denyAssumeRole: [] });
    const result = await o.run('run-size');
    const sizes = result.events
      .filter((e) => e.type === 'StateExited')
      .map((e) =>
        Buffer.byteLength(JSON.stringify((e as { state: { output?: unknown } }).state.output ?? null)),
      );
    expect(Math.max(...sizes)).toBeLessThan(16 * 1024);
  });
});
