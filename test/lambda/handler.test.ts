/**
 * The scheduled handler with mocked AWS clients (aws-sdk-client-mock): what it publishes, when it
 * stays quiet, and how a bad configuration fails.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  GetRoomCommand,
  IvschatClient,
  ListLoggingConfigurationsCommand,
  ListRoomsCommand,
  type RoomSummary,
} from '@aws-sdk/client-ivschat';
import { PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, PolicySetError } from '../../lambda/core/errors.js';
import type { RoomDocument } from '../../lambda/core/types.js';
import { createHandler } from '../../lambda/handler.js';
import { EventError } from '../../lambda/modes/state-machine/events.js';
import type { MachineAlert } from '../../lambda/sinks/sns-message.js';
import { ACCOUNT, compliantRoom } from '../fixtures.js';

process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:ivschat-alerts`;
const ivschat = mockClient(IvschatClient);
const sns = mockClient(SNSClient);
const sts = mockClient(STSClient);

const quiet = () => new Logger({ serviceName: 'ivschat-auditor', logLevel: 'SILENT' });

function handlerWith(env: Record<string, string | undefined>) {
  return createHandler({
    env: { AUDIT_REGIONS: 'us-east-1', ALERT_TOPIC_ARN: TOPIC, API_BUDGET_TPS: '5', ...env },
    logger: quiet(),
    metrics: new Metrics({ namespace: 'Test', serviceName: 'ivschat-auditor', logger: quiet() }),
  });
}

/**
 * ListRooms answers the summaries; GetRoom answers each full document by ARN; ListLoggingConfigurations
 * answers the configurations the rooms' joined facts describe (ACTIVE in the fixture).
 */
function serveRooms(documents: RoomDocument[]) {
  const rooms = documents.map(({ loggingConfigurations: _c, ...apiFields }) => apiFields as RoomDocument);
  const configurations = new Map(
    documents.flatMap((r) => r.loggingConfigurations ?? []).map((c) => [c.arn, c]),
  );
  ivschat.on(ListLoggingConfigurationsCommand).resolves({
    loggingConfigurations: [...configurations.values()].map((c) => ({
      arn: c.arn,
      id: c.id,
      name: c.name,
      state: c.state as 'ACTIVE',
      destinationConfiguration: { s3: { bucketName: c.destination ?? 'chat-logs' } },
    })),
  });
  ivschat.on(ListRoomsCommand).resolves({
    rooms: rooms.map(({ maximumMessageLength: _l, maximumMessageRatePerSecond: _r, ...summary }) => ({
      ...summary,
      createTime: new Date(String(summary.createTime)),
      updateTime: new Date(String(summary.updateTime)),
    })) as RoomSummary[],
  });
  ivschat.on(GetRoomCommand).callsFake(async ({ identifier }: { identifier: string }) => {
    const room = rooms.find((r) => r.arn === identifier);
    if (!room) throw new Error(`unexpected GetRoom ${identifier}`);
    return {
      ...room,
      createTime: new Date(String(room.createTime)),
      updateTime: new Date(String(room.updateTime)),
    };
  });
}

function publishedInputs(): PublishCommandInput[] {
  return sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
}

beforeEach(() => {
  sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT });
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
});
afterEach(() => {
  ivschat.reset();
  sns.reset();
  sts.reset();
});

describe('handler: the published alert', () => {
  it('lists every violation with room, policy, actual and required value', async () => {
    const rooms = [
      compliantRoom({ name: 'clean-room' }, 'Clean0000001'),
      compliantRoom({ name: 'long-messages', maximumMessageLength: 500 }, 'LongMsg00001'),
      compliantRoom(
        {
          name: 'open-fallback',
          maximumMessageRatePerSecond: 50,
          messageReviewHandler: {
            uri: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:review`,
            fallbackResult: 'ALLOW',
          },
        },
        'Fallback0001',
      ),
    ];
    serveRooms(rooms);

    const summary = await handlerWith({})({});

    expect(summary).toMatchObject({
      roomsAudited: 3,
      findings: 3,
      newFindings: 3,
      published: 1,
      complete: true,
    });
    const [input, ...more] = publishedInputs();
    expect(more).toEqual([]);
    expect(input?.TopicArn).toBe(TOPIC);
    expect(input?.MessageStructure).toBe('json');
    expect(input?.Subject).toBe(`[ivschat-auditor] 3 new (1 high, 2 medium) in ${ACCOUNT}`);
    const message = JSON.parse(String(input?.Message)) as Record<string, string>;
    const email = String(message.email);

    const expectations = [
      ['long-messages', 'message-length-max', 'maximumMessageLength is 500; must be ≤ 200', 500],
      ['open-fallback', 'message-rate-max', 'maximumMessageRatePerSecond is 50; must be ≤ 10', 50],
      [
        'open-fallback',
        'review-handler-fallback-deny',
        'messageReviewHandler.fallbackResult is "ALLOW"; must be "DENY"',
        'ALLOW',
      ],
    ] as const;
    for (const [room, policyId, problem] of expectations) {
      const section = email.slice(email.indexOf(`[${policyId}]`));
      expect(section, policyId).toContain(`  Room:       ${room}\n`);
      expect(section, policyId).toContain(`  Problem:    ${problem}\n`);
    }
    expect(email).not.toContain('clean-room');

    const machine = JSON.parse(String(message.sqs)) as MachineAlert;
    expect(
      machine.newFindings
        .map((f) => [f.roomName, f.policyId, f.message, f.actual])
        .sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
    ).toEqual(
      [...expectations]
        .map(([room, policyId, problem, actual]) => [room, policyId, problem, actual])
        .sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
    );
    expect(machine.accountId).toBe(ACCOUNT);
    expect(input?.MessageAttributes?.severity?.StringValue).toBe('high');
    expect(input?.MessageAttributes?.newCount?.StringValue).toBe('3');
  });

  it('returns counts and the SNS MessageId, never the findings or the messages', async () => {
    sns.on(PublishCommand).resolves({ MessageId: '5e3f1a2b-6c7d-4e8f-9a0b-1c2d3e4f5a6b' });
    serveRooms([compliantRoom({ name: 'long-messages', maximumMessageLength: 500 }, 'LongMsg00001')]);

    const summary = await handlerWith({})({});

    expect(summary).toMatchObject({
      roomsAudited: 1,
      newFindings: 1,
      published: 1,
      messageIds: ['5e3f1a2b-6c7d-4e8f-9a0b-1c2d3e4f5a6b'],
      regions: [{ region: 'us-east-1', roomsListed: 1, roomsAudited: 1, listRoomsCalls: 1, getRoomCalls: 1 }],
    });
    const serialised = JSON.stringify(summary);
    expect(serialised).not.toContain('long-messages');
    expect(serialised).not.toContain('maximumMessageLength');
  });

  it('publishes nothing when every room is compliant', async () => {
    serveRooms([
      compliantRoom({ name: 'clean-a' }, 'CleanA000001'),
      compliantRoom({ name: 'clean-b' }, 'CleanB000001'),
    ]);

    const summary = await handlerWith({})({});

    expect(summary).toMatchObject({ roomsAudited: 2, findings: 0, published: 0, complete: true });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('says once that remediation needs the state machine, when a single-account run is asked for it', async () => {
    serveRooms([compliantRoom({ name: 'long-messages', maximumMessageLength: 500 }, 'LongMsg00001')]);
    const logger = quiet();
    const warnings: string[] = [];
    logger.warn = ((message: string) => void warnings.push(message)) as Logger['warn'];
    const handler = createHandler({
      env: { AUDIT_REGIONS: 'us-east-1', ALERT_TOPIC_ARN: TOPIC, REMEDIATION: 'apply' },
      logger,
      metrics: new Metrics({ namespace: 'Test', serviceName: 'ivschat-auditor', logger: quiet() }),
    });

    await handler({});
    await handler({});

    expect(warnings.filter((w) => w.startsWith('remediation runs in the state machine only'))).toHaveLength(
      1,
    );
  });
});

describe('handler: an account it cannot identify', () => {
  it('audits the rooms but publishes nothing, leaves the state alone and returns an incomplete summary', async () => {
    sts
      .on(GetCallerIdentityCommand)
      .rejects(Object.assign(new Error('not allowed'), { name: 'AccessDenied' }));
    serveRooms([compliantRoom({ name: 'long-messages', maximumMessageLength: 500 }, 'LongMsg00001')]);
    const touched: string[] = [];
    const handler = createHandler({
      env: { AUDIT_REGIONS: 'us-east-1', ALERT_TOPIC_ARN: TOPIC, API_BUDGET_TPS: '5' },
      logger: quiet(),
      metrics: new Metrics({ namespace: 'Test', serviceName: 'ivschat-auditor', logger: quiet() }),
      stateStore: (accountId) => ({
        load: async () => {
          touched.push(`load ${accountId}`);
          return new Map();
        },
        fetch: async () => new Map(),
        save: async () => {
          touched.push(`save ${accountId}`);
        },
      }),
    });

    const summary = await handler({});

    expect(summary).toMatchObject({
      roomsAudited: 1,
      findings: 1,
      newFindings: 0,
      published: 0,
      complete: false,
      errorCodes: [{ code: 'AccessDenied', count: 1 }],
    });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    expect(touched).toEqual([]);
  });
});

describe('handler: the log', () => {
  it("logs each audit error's message (Powertools drops a `message` attribute)", async () => {
    serveRooms([compliantRoom()]);
    ivschat
      .on(GetRoomCommand)
      .rejects(Object.assign(new Error('GetRoom is not allowed here'), { name: 'AccessDenied' }));
    // Powertools writes WARN lines with console.warn, to stderr.
    const lines: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      await createHandler({
        env: { AUDIT_REGIONS: 'us-east-1', ALERT_TOPIC_ARN: TOPIC, API_BUDGET_TPS: '5' },
        logger: new Logger({ serviceName: 'ivschat-auditor', logLevel: 'WARN' }),
        metrics: new Metrics({ namespace: 'Test', serviceName: 'ivschat-auditor', logger: quiet() }),
      })({});
    } finally {
      process.stderr.write = write;
    }
    const errors = lines.flatMap((l) => l.split('\n')).filter((l) => l.includes('"audit error"'));
    expect(errors.length).toBeGreaterThan(0);
    for (const line of errors) {
      expect(JSON.parse(line)).toMatchObject({
        message: 'audit error',
        code: 'AccessDenied',
        errorMessage: expect.stringContaining('GetRoom is not allowed here'),
      });
    }
  });
});

describe('handler: the events it takes', () => {
  it.each([
    ['x', 'a string'],
    [{ foo: 1 }, 'an object with keys foo'],
    [[], 'an array of 0'],
    [null, 'null'],
    [{ Records: [] }, 'an object with keys Records'],
    [{ source: 'aws.events', 'detail-type': 'Object Created' }, 'an object with keys source, detail-type'],
  ])('refuses %j, naming only its shape, and audits nothing', async (event, shape) => {
    serveRooms([compliantRoom()]);
    const error = await handlerWith({})(event).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventError);
    expect((error as Error).message).toContain(`(${shape})`);
    expect((error as Error).message).toMatch(/nothing was audited$/);
    expect(ivschat.calls()).toHaveLength(0);
    expect(sns.calls()).toHaveLength(0);
  });

  it('never echoes the payload: keys are cut and cleaned, values left out', async () => {
    const event = {
      'secret\nkey': 'hunter2',
      ...Object.fromEntries([1, 2, 3, 4, 5, 6].map((n) => [`k${n}`, n])),
    };
    const error = (await handlerWith({})(event).catch((e: unknown) => e)) as Error;
    expect(error.message).toContain('an object with keys secret?key, k1, k2, k3, k4 and 2 more');
    expect(error.message).not.toContain('hunter2');
  });

  it('runs the audit for {} and for an EventBridge scheduled event', async () => {
    serveRooms([compliantRoom()]);
    const scheduled = { version: '0', 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} };
    for (const event of [{}, scheduled]) {
      expect(await handlerWith({})(event)).toMatchObject({ complete: true });
    }
    expect(ivschat.commandCalls(GetRoomCommand)).toHaveLength(2);
  });
});

describe('handler: configuration errors name the setting', () => {
  it('fails without ALERT_TOPIC_ARN, naming the variable, before any AWS call', async () => {
    const error = await handlerWith({ ALERT_TOPIC_ARN: undefined })({}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^ALERT_TOPIC_ARN: is not set/);
    expect(ivschat.calls()).toHaveLength(0);
    expect(sns.calls()).toHaveLength(0);
  });

  it.each(['fast', '0', '50', '-1'])(
    'fails on API_BUDGET_TPS=%s, naming the variable and the range',
    async (value) => {
      const error = await handlerWith({ API_BUDGET_TPS: value })({}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toBe(`API_BUDGET_TPS: "${value}" must be a number between 0.1 and 5`);
      expect(ivschat.calls()).toHaveLength(0);
    },
  );

  describe('a broken POLICIES_DIR', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ivschat-policies-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('names the file that is not valid JSON', async () => {
      const broken = join(dir, 'json');
      writeFileSync(join(mkdir(broken), 'message-length-max.json'), '{ "id": "message-length-max", ');
      const error = await handlerWith({ POLICIES_DIR: broken })({}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PolicySetError);
      expect((error as Error).message).toContain('message-length-max.json');
      expect(ivschat.calls()).toHaveLength(0);
    });

    it('names the file and the JSON pointer of an invalid policy', async () => {
      const invalid = join(dir, 'schema');
      writeFileSync(
        join(mkdir(invalid), 'bad-severity.json'),
        JSON.stringify({
          id: 'bad-severity',
          title: 'Bad severity',
          severity: 'urgent',
          description: 'x',
          remediation: 'y',
          rule: { type: 'object' },
          examples: { pass: [], fail: [] },
        }),
      );
      const error = await handlerWith({ POLICIES_DIR: invalid })({}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PolicySetError);
      expect((error as Error).message).toMatch(/bad-severity\.json \/severity/);
    });

    it('names the folder when it does not exist', async () => {
      const missing = join(dir, 'does-not-exist');
      const error = await handlerWith({ POLICIES_DIR: missing })({}).catch((e: unknown) => e);
      expect((error as Error).message).toContain(missing);
      expect((error as Error).message).toContain('cannot read policy folder: no such folder (ENOENT)');
    });
  });
});

function mkdir(path: string): string {
  mkdirSync(path, { recursive: true });
  return path;
}
