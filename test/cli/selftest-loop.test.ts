/**
 * The self-test loop on the emulator, against the real change path (the emulator's CloudTrail event →
 * the local SQS queue → the real Lambda handler, state in dynalite): it creates, detects, deletes and
 * resolves, and whatever stops it (the time limit, an interrupt, a failed call) it leaves no room.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FindingRecord } from '../../lambda/audit/lifecycle.js';
import { ivschatClient } from '../../lambda/aws/clients.js';
import { RunStoppedError } from '../../lambda/cli/run-bound.js';
import {
  BROKEN_POLICY,
  deleteCommand,
  detection,
  resolution,
  runSelftest,
  type SelftestApi,
  type SelftestOptions,
} from '../../lambda/cli/selftest.js';
import { selftestAws } from '../../lambda/cli/selftest-aws.js';
import { SELFTEST_TAG_KEY } from '../../lambda/remediate/selftest-room.js';
import type { ChangeQueue } from '../../local-aws/change-queue.js';
import type { IvschatChangeEvent } from '../../local-aws/index.js';
import {
  ACCOUNT_ID,
  changeQueueInto,
  POLICIES_DIR,
  publishedSince,
  type Stack,
  stackHandler,
  startStack,
} from '../e2e/helpers.js';

const REGION = 'us-east-1';

let stack: Stack;
let forward: ((event: IvschatChangeEvent) => void) | undefined;
let table: string;
let queue: ChangeQueue;

beforeAll(async () => {
  stack = await startStack({ quotas: { enabled: false }, onChangeEvent: (event) => forward?.(event) });
});
afterAll(async () => {
  forward = undefined;
  await stack.close();
});
beforeEach(async () => {
  forward = undefined;
  stack.aws.clearRooms();
  table = await stack.freshTable();
  const handler = stackHandler(stack, {
    AUDIT_REGIONS: REGION,
    ALERT_TOPIC_ARN: stack.topicArn,
    API_BUDGET_TPS: '5',
    POLICIES_DIR,
    STATE_TABLE_NAME: table,
    FUNCTION_ROLE_NAME: 'ivschat-auditor-function',
  });
  ({ queue } = changeQueueInto(handler));
});

/** The change path connected: every IVS Chat write reaches the handler through the queue. */
function connectChangePath(): void {
  forward = (event) => queue.send(event);
}

function awsApi(): { api: SelftestApi; close: () => void } {
  const ivschat = ivschatClient(REGION, { endpoint: stack.aws.endpoint });
  const api = selftestAws({
    ivschat,
    dynamo: stack.dynamo.client,
    tableName: table,
    target: { accountId: ACCOUNT_ID, region: REGION },
  });
  return { api, close: () => ivschat.destroy() };
}

function options(api: SelftestApi, signal: AbortSignal, over: Partial<SelftestOptions> = {}) {
  const lines: string[] = [];
  const o: SelftestOptions = {
    api,
    id: 'test0001',
    region: REGION,
    signal,
    pollMs: 20,
    heartbeatMs: 60_000,
    clock: () => performance.now(),
    sleep: (ms, s) => delay(ms, undefined, { signal: s }),
    progress: (line) => lines.push(line),
    ...over,
  };
  return { o, lines };
}

describe('runSelftest on the emulator', () => {
  it('creates a tagged room, sees it recorded and alerted, deletes it, sees it resolved, and leaves 0 rooms', async () => {
    connectChangePath();
    const before = stack.aws.published().length;
    const { api, close } = awsApi();
    const { o, lines } = options(api, new AbortController().signal);
    try {
      const result = await runSelftest(o);

      expect(result.outcome).toBe('passed');
      expect(result.fate).toEqual({ state: 'deleted', by: 'selftest' });
      expect(result.room?.name).toBe('ivschat-auditor-selftest-test0001');
      expect(result.policies).toContain(BROKEN_POLICY.id);
      expect(result.detectedAfterMs).toBeGreaterThan(0);
      expect(result.resolvedAfterMs).toBeGreaterThan(0);
      expect(stack.aws.rooms(REGION)).toEqual([]);
      // The alerts the on-call person got: the new finding, then its resolution.
      const alerts = publishedSince(stack.aws, before);
      expect(
        alerts.flatMap((a) => a.machine.newFindings.map((f) => `${f.roomName}/${f.policyId}`)),
      ).toContain(`ivschat-auditor-selftest-test0001/${BROKEN_POLICY.id}`);
      expect(alerts.flatMap((a) => a.machine.resolvedFindings.map((f) => f.policyId))).toContain(
        BROKEN_POLICY.id,
      );
      expect(lines.join('\n')).toMatch(/recorded and alerted: .*message-length-max/);
      expect(lines.join('\n')).toMatch(/resolved and alerted \(room deleted\)/);
    } finally {
      close();
    }
  });

  it('tags the room it creates with ivschat-auditor:selftest=<id>', async () => {
    const created: Record<string, string>[] = [];
    const { api, close } = awsApi();
    const spy: SelftestApi = {
      ...api,
      createRoom: async (input) => {
        created.push(input.tags);
        return api.createRoom(input);
      },
    };
    const controller = new AbortController();
    const { o } = options(spy, controller.signal, {
      progress: (line) => {
        if (line.startsWith('created room')) {
          expect(stack.aws.rooms(REGION)[0]?.tags).toEqual({ [SELFTEST_TAG_KEY]: 'test0001' });
          controller.abort(new RunStoppedError('Interrupted', 'interrupted (Ctrl-C): the run was stopped'));
        }
      },
    });
    try {
      await runSelftest(o);
      expect(created).toEqual([{ [SELFTEST_TAG_KEY]: 'test0001' }]);
    } finally {
      close();
    }
  });

  it('interrupted while it waits for detection, deletes the room and says it was interrupted', async () => {
    // No change path: nothing will ever record the room, so it waits until the interrupt.
    const { api, close } = awsApi();
    const controller = new AbortController();
    const { o, lines } = options(api, controller.signal, {
      progress: (line) => {
        lines.push(line);
        if (line.includes('no finding of the room recorded yet')) {
          controller.abort(new RunStoppedError('Interrupted', 'interrupted (Ctrl-C): the run was stopped'));
        }
      },
    });
    try {
      const result = await runSelftest(o);

      expect(result.outcome).toBe('interrupted');
      expect(result.reason).toBe(
        'interrupted (Ctrl-C): the run was stopped; last read: no finding of the room recorded yet',
      );
      expect(result.fate).toEqual({ state: 'deleted', by: 'cleanup' });
      expect(stack.aws.rooms(REGION)).toEqual([]);
      expect(lines.at(-1)).toBe('cleaning up: deleting room ivschat-auditor-selftest-test0001');
    } finally {
      close();
    }
  });

  it('at its time limit while waiting for detection, deletes the room and says it was not detected', async () => {
    const { api, close } = awsApi();
    const controller = new AbortController();
    let polls = 0;
    // The third wait between reads is where the time runs out (no real time passes).
    const sleep = async (_ms: number, signal: AbortSignal) => {
      if (++polls === 3)
        controller.abort(new RunStoppedError('Timeout', 'the run did not finish within --timeout 60 s'));
      if (signal.aborted) throw signal.reason;
    };
    const { o } = options(api, controller.signal, { sleep });
    try {
      const result = await runSelftest(o);

      expect(result.outcome).toBe('not-detected');
      expect(result.reason).toBe(
        'the run did not finish within --timeout 60 s; last read: no finding of the room recorded yet',
      );
      expect(result.fate).toEqual({ state: 'deleted', by: 'cleanup' });
      expect(stack.aws.rooms(REGION)).toEqual([]);
    } finally {
      close();
    }
  });

  it('when the state table cannot be read, fails, names the call, and still deletes the room', async () => {
    const { api, close } = awsApi();
    const broken = selftestAws({
      ivschat: ivschatClient(REGION, { endpoint: stack.aws.endpoint }),
      dynamo: stack.dynamo.client,
      tableName: 'no-such-table',
      target: { accountId: ACCOUNT_ID, region: REGION },
    });
    const { o } = options({ ...api, roomFindings: broken.roomFindings }, new AbortController().signal);
    try {
      const result = await runSelftest(o);

      expect(result.outcome).toBe('failed');
      expect(result.reason).toMatch(/^reading the state table failed: .*no-such-table/);
      expect(result.fate).toEqual({ state: 'deleted', by: 'cleanup' });
      expect(stack.aws.rooms(REGION)).toEqual([]);
    } finally {
      close();
    }
  });

  it('when the cleanup cannot delete the room, says so with the exact command that deletes it', async () => {
    const { api, close } = awsApi();
    const controller = new AbortController();
    const failing: SelftestApi = {
      ...api,
      deleteRoom: async () => {
        throw new Error('DeleteRoom AccessDeniedException: not authorized');
      },
    };
    const { o } = options(failing, controller.signal, {
      progress: (line) => {
        if (line.startsWith('created room'))
          controller.abort(new RunStoppedError('Interrupted', 'interrupted (Ctrl-C): the run was stopped'));
      },
    });
    try {
      const result = await runSelftest(o);

      const arn = stack.aws.rooms(REGION)[0]?.arn;
      expect(result.fate).toEqual({
        state: 'left',
        error: 'DeleteRoom AccessDeniedException: not authorized',
        command: `aws ivschat delete-room --region ${REGION} --identifier ${arn}`,
      });
    } finally {
      stack.aws.clearRooms();
      close();
    }
  });

  it('when CreateRoom is refused, fails with what IVS Chat said and has no room to clean up', async () => {
    const { api, close } = awsApi();
    const { o } = options(
      {
        ...api,
        createRoom: (input) => api.createRoom({ ...input, maximumMessageLength: 100_000 }),
      },
      new AbortController().signal,
    );
    try {
      const result = await runSelftest(o);

      expect(result.outcome).toBe('failed');
      expect(result.reason).toMatch(/^CreateRoom ValidationException: /);
      expect(result.fate).toEqual({ state: 'never-created' });
      expect(stack.aws.rooms(REGION)).toEqual([]);
    } finally {
      close();
    }
  });
});

describe('a CreateRoom whose answer is lost', () => {
  /** A client with one attempt that answers 500 to CreateRoom, after IVS Chat has (or has not) made the room. */
  function lossyCreate(carriedOut: boolean) {
    const client = ivschatClient(REGION, { endpoint: stack.aws.endpoint, maxAttempts: 1 });
    const lost = () =>
      Object.assign(new Error('We encountered an internal error.'), {
        name: 'InternalServerException',
        $fault: 'server',
        $metadata: { httpStatusCode: 500 },
      });
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'CreateRoomCommand') return next(args);
        if (carriedOut) await next(args);
        throw lost();
      },
      { step: 'initialize', name: 'loseTheAnswer' },
    );
    return client;
  }

  it('made the room after all: found by its name, the self-test goes on and leaves 0 rooms', async () => {
    connectChangePath();
    const { api: base, close } = awsApi();
    const createClient = lossyCreate(true);
    const ivschat = ivschatClient(REGION, { endpoint: stack.aws.endpoint });
    const api = {
      ...base,
      createRoom: selftestAws({
        ivschat,
        createClient,
        dynamo: stack.dynamo.client,
        tableName: table,
        target: { accountId: ACCOUNT_ID, region: REGION },
      }).createRoom,
    };
    const { o } = options(api, AbortSignal.timeout(30_000));
    try {
      const result = await runSelftest(o);

      expect(result.outcome).toBe('passed');
      expect(result.room?.name).toBe('ivschat-auditor-selftest-test0001');
      expect(stack.aws.rooms(REGION)).toEqual([]);
    } finally {
      close();
      createClient.destroy();
      ivschat.destroy();
    }
  });

  it('no room found by its name: says one may exist and how to look, never "no room was created"', async () => {
    const createClient = lossyCreate(false);
    const ivschat = ivschatClient(REGION, { endpoint: stack.aws.endpoint });
    const api = selftestAws({
      ivschat,
      createClient,
      dynamo: stack.dynamo.client,
      tableName: table,
      target: { accountId: ACCOUNT_ID, region: REGION },
    });
    const { o } = options(api, new AbortController().signal);
    try {
      const result = await runSelftest(o);

      expect(result.outcome).toBe('failed');
      expect(result.fate).toEqual({
        state: 'unknown',
        name: 'ivschat-auditor-selftest-test0001',
        command: 'aws ivschat list-rooms --region us-east-1 --name ivschat-auditor-selftest-test0001',
      });
    } finally {
      createClient.destroy();
      ivschat.destroy();
    }
  });
});

describe('progress while nothing changes', () => {
  it('repeats the waiting line every heartbeat, not on every read', async () => {
    let now = 0;
    const lines: string[] = [];
    const controller = new AbortController();
    const api: SelftestApi = {
      createRoom: async ({ name }) => ({
        arn: 'arn:aws:ivschat:us-east-1:000000000000:room/Fake00000001',
        name,
      }),
      deleteRoom: async () => {},
      roomFindings: async () => [],
    };
    // 2 s between reads on a clock that only the waits move; the time limit after 20 reads.
    const sleep = async (ms: number, signal: AbortSignal) => {
      now += ms;
      if (now >= 40_000)
        controller.abort(new RunStoppedError('Timeout', 'the run did not finish within --timeout 40 s'));
      if (signal.aborted) throw signal.reason;
    };
    const result = await runSelftest({
      api,
      id: 'beat0001',
      region: REGION,
      signal: controller.signal,
      pollMs: 2000,
      heartbeatMs: 10_000,
      clock: () => now,
      sleep,
      progress: (line) => lines.push(line),
    });

    expect(result.outcome).toBe('not-detected');
    expect(lines.filter((line) => line.endsWith('no finding of the room recorded yet'))).toEqual([
      '  0.0 s after CreateRoom: no finding of the room recorded yet',
      '  10 s after CreateRoom: no finding of the room recorded yet',
      '  20 s after CreateRoom: no finding of the room recorded yet',
      '  30 s after CreateRoom: no finding of the room recorded yet',
    ]);
  });
});

describe('what the self-test waits for', () => {
  const record = (over: Partial<FindingRecord>, policyId: string = BROKEN_POLICY.id): FindingRecord =>
    ({
      fingerprint: `fp-${policyId}`,
      status: 'open',
      firstSeen: '2026-12-06T20:00:00.000Z',
      lastSeen: '2026-12-06T20:00:00.000Z',
      finding: { policyId } as FindingRecord['finding'],
      ...over,
    }) as FindingRecord;

  it('is not detected while the alert is still owed to a sink, and names the sink', () => {
    const owed = record({ lastNotified: '2026-12-06T20:00:00.000Z', pendingSinks: ['sns'] });
    expect(detection([owed])).toEqual({
      done: false,
      line: 'recorded (message-length-max), alert not delivered yet (owed to sns)',
    });
    expect(detection([record({ lastNotified: '2026-12-06T20:00:00.000Z' })]).done).toBe(true);
    expect(detection([record({})]).done).toBe(false);
    expect(detection([]).line).toBe('no finding of the room recorded yet');
  });

  it('is resolved only when every finding of the room is, and no sink owes the resolution', () => {
    const resolved = record({ status: 'resolved' });
    expect(resolution([resolved, record({}, 'logging-required')]).done).toBe(false);
    expect(resolution([{ ...resolved, pendingSinks: ['securityhub'] }]).line).toBe(
      'resolved, alert not delivered yet (owed to securityhub)',
    );
    expect(resolution([]).done).toBe(false);
    expect(resolution([resolved]).done).toBe(true);
  });
});

describe('deleteCommand', () => {
  it('prints an ARN as it is, and quotes for the shell an answer that is not an ARN', () => {
    const arn = 'arn:aws:ivschat:us-east-1:000000000000:room/AbCd1234';
    expect(deleteCommand({ arn, name: 'x' }, 'us-east-1')).toBe(
      `aws ivschat delete-room --region us-east-1 --identifier ${arn}`,
    );
    expect(deleteCommand({ arn: "room/x; rm -rf ~ 'y'", name: 'x' }, 'us-east-1')).toBe(
      `aws ivschat delete-room --region us-east-1 --identifier 'room/x; rm -rf ~ '\\''y'\\'''`,
    );
  });
});
