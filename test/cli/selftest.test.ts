/**
 * `ivschat-audit selftest` as a person runs it: the stack read with DescribeStacks (mocked: the
 * outputs of a deployment whose state table is in dynalite), IVS Chat and STS on the emulator, the
 * real change path behind it. It refuses to run unattended without --yes, asks on a terminal, and
 * leaves no room however it ends.
 */
import { Readable } from 'node:stream';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../../lambda/cli/main.js';
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
import { cliWith } from './run.js';

const REGION = 'us-east-1';
const cfn = mockClient(CloudFormationClient);

let stack: Stack;
let forward: ((event: IvschatChangeEvent) => void) | undefined;
let table: string;
let queue: ChangeQueue;

beforeAll(async () => {
  stack = await startStack({ quotas: { enabled: false }, onChangeEvent: (event) => forward?.(event) });
});
afterAll(async () => {
  cfn.restore();
  await stack.close();
});
afterEach(() => {
  forward = undefined;
});
beforeEach(async () => {
  stack.aws.clearRooms();
  stack.aws.resetStats();
  table = await stack.freshTable();
  deployedStack({ StateTableName: table });
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

/** DescribeStacks answers the auditor's stack in us-east-1, its outputs overridden by `outputs`, `without` left out. */
function deployedStack(outputs: Record<string, string>, without: string[] = []): void {
  const all: Record<string, string> = {
    AlertsTopicArn: stack.topicArn,
    StateTableName: table,
    StateMachineArn: `arn:aws:states:${REGION}:${ACCOUNT_ID}:stateMachine:engine`,
    FunctionName: 'ivschat-auditor-function',
    DashboardName: 'ivschat-auditor',
    DeadLetterQueueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT_ID}/dlq`,
    ScheduleRuleName: 'schedule',
    AuditSchedule: 'rate(1 hour)',
    AuditIntervalSeconds: '3600',
    AlarmNames: 'errors',
    AuditedRegions: REGION,
    AuditedAccounts: ACCOUNT_ID,
    MemberRoleName: 'ivschat-auditor-member',
    AlertSinks: 'email',
    AlertEmailCount: '1',
    ChangeRuleName: 'changes',
    ChangeQueueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT_ID}/changes`,
    ChangeDeadLetterQueueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT_ID}/changes-dlq`,
    ...outputs,
  };
  cfn.reset();
  cfn.on(DescribeStacksCommand).resolves({
    Stacks: [
      {
        StackName: 'IvsChatAuditor',
        StackId: `arn:aws:cloudformation:${REGION}:${ACCOUNT_ID}:stack/IvsChatAuditor/1`,
        StackStatus: 'UPDATE_COMPLETE',
        CreationTime: new Date(),
        Outputs: Object.entries(all)
          .filter(([OutputKey]) => !without.includes(OutputKey))
          .map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
      },
    ],
  });
}

/** A stdin that is a terminal, on which the person types `answer`. */
function terminal(answer: string): Readable {
  return Object.assign(Readable.from([answer]), { isTTY: true });
}

/** The command against the emulator (IVS Chat, STS) and dynalite (the state table). */
function selftest(args: string[], io: Partial<CliIo> = {}) {
  return cliWith(['selftest', '--region', REGION, '--endpoint', stack.aws.endpoint, ...args], {
    env: { NO_COLOR: '1', AWS_ENDPOINT_URL_DYNAMODB: stack.dynamo.endpoint },
    ...io,
  });
}

describe('ivschat-audit selftest', () => {
  it('passes end to end with --yes: creates, detects, deletes, resolves, and leaves 0 rooms', async () => {
    forward = (event) => queue.send(event);
    const before = stack.aws.published().length;

    const run = await selftest(['--yes', '--timeout', '60']);

    expect(run.stderr).toMatch(
      /selftest of stack IvsChatAuditor \(us-east-1\): account 000000000000, room in us-east-1/,
    );
    expect(run.stderr).toMatch(
      /created room ivschat-auditor-selftest-[0-9a-f]{8} \(arn:aws:ivschat:us-east-1:/,
    );
    expect(run.stderr).toMatch(/after CreateRoom: recorded and alerted: .*message-length-max/);
    expect(run.stderr).toMatch(/after DeleteRoom: resolved and alerted \(room deleted\)/);
    expect(run.stderr).toMatch(
      /cleanup: room ivschat-auditor-selftest-[0-9a-f]{8} deleted; the self-test left no room/,
    );
    expect(run.stdout).toMatch(
      /^selftest passed: detected within \d+\.\d s of CreateRoom \(polled every 2 s; finding recorded and alerted\), resolved within \d+\.\d s of DeleteRoom \(.*message-length-max.*\)\n$/,
    );
    expect(run.code).toBe(0);
    expect(stack.aws.rooms(REGION)).toEqual([]);
    expect(publishedSince(stack.aws, before).length).toBeGreaterThanOrEqual(2);
  });

  it('on a stack with no alert sink, says "recorded; no alert sink configured", never "alerted"', async () => {
    deployedStack({ AlertSinks: 'none', AlertEmailCount: '0' });
    forward = (event) => queue.send(event);

    const run = await selftest(['--yes', '--timeout', '60']);

    expect(run.code).toBe(0);
    expect(`${run.stderr}${run.stdout}`).not.toMatch(/alerted/);
    expect(run.stderr).toMatch(/after CreateRoom: recorded; no alert sink configured: .*message-length-max/);
    expect(run.stdout).toMatch(/finding recorded; no alert sink configured\)/);
    expect(stack.aws.rooms(REGION)).toEqual([]);
  });

  it('refuses to run without --yes when stdin is not a terminal: exit 2, the reason, nothing called', async () => {
    const run = await cliWith(['selftest', '--region', REGION], { stdin: Readable.from([]) });

    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'error: --yes: selftest creates and deletes a room in your account, and stdin is not a terminal to ask on: pass --yes to run it unattended\n',
    );
    expect(cfn.calls()).toHaveLength(0);
  });

  it('asks on a terminal, and creates nothing when the answer is not yes', async () => {
    const run = await selftest([], { stdin: terminal('n\n') });

    expect(run.stderr).toMatch(
      /Create room ivschat-auditor-selftest-[0-9a-f]{8} in account 000000000000 \(us-east-1\), wait for the auditor to alert on it, then delete it\? \[y\/N\] /,
    );
    expect(run.stderr).toMatch(/not confirmed: nothing was created\n$/);
    expect(run.code).toBe(2);
    expect(stack.aws.stats()[REGION]?.CreateRoom).toBeUndefined();
  });

  it('runs when the person answers yes on the terminal', async () => {
    forward = (event) => queue.send(event);
    const run = await selftest(['--timeout', '60'], { stdin: terminal('YES\n') });

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^selftest passed/);
    expect(stack.aws.rooms(REGION)).toEqual([]);
  });

  it('interrupted (Ctrl-C) while waiting for detection: deletes the room, says so, exit 3', async () => {
    // No change path: the room is never recorded, so the run waits until the interrupt.
    const interrupt = new AbortController();
    const run = await selftest(['--yes'], {
      interrupt: interrupt.signal,
      stderr: (text) => {
        if (text.includes('no finding of the room recorded yet')) interrupt.abort('SIGINT');
      },
    });

    expect(run.stdout).toBe(
      'selftest interrupted: interrupted (Ctrl-C): the run was stopped; last read: no finding of the room recorded yet\n',
    );
    expect(run.stderr).toMatch(/cleaning up: deleting room ivschat-auditor-selftest-[0-9a-f]{8}\n/);
    expect(run.stderr).toMatch(
      /cleanup: room ivschat-auditor-selftest-[0-9a-f]{8} deleted; the self-test left no room/,
    );
    expect(run.code).toBe(3);
    expect(stack.aws.rooms(REGION)).toEqual([]);
  });

  it('at --timeout before detection: deletes the room, says it was not detected and what to check, exit 1', async () => {
    const run = await selftest(['--yes', '--timeout', '0.5']);

    expect(run.stdout).toBe(
      'selftest not-detected: the run did not finish within --timeout 0.5 s; last read: no finding of the room recorded yet\n' +
        `  check the change path (rule changes, queue https://sqs.${REGION}.amazonaws.com/${ACCOUNT_ID}/changes) and the trail with: ivschat-audit doctor --stack IvsChatAuditor --region ${REGION}\n`,
    );
    expect(run.stderr).toMatch(/cleanup: room ivschat-auditor-selftest-[0-9a-f]{8} deleted/);
    expect(run.code).toBe(1);
    expect(stack.aws.rooms(REGION)).toEqual([]);
  });

  it('without a change path, says the schedule finds the room, and what to check when it did not in time', async () => {
    deployedStack({}, ['ChangeRuleName', 'ChangeQueueUrl', 'ChangeDeadLetterQueueUrl']);

    const run = await selftest(['--yes', '--timeout', '0.5']);

    expect(run.stderr).toContain(
      'note: this deployment has no change path (changeEvents=false): the room is found by the next scheduled run, up to 3600 s away; --timeout 0.5 s may not cover it\n',
    );
    expect(run.stdout).toContain(
      `  check the schedule (rule schedule) with: ivschat-audit doctor --stack IvsChatAuditor --region ${REGION}\n`,
    );
    expect(run.code).toBe(1);
    expect(stack.aws.rooms(REGION)).toEqual([]);
  });

  it('refuses credentials of an account the auditor does not audit, before creating anything', async () => {
    deployedStack({ AuditedAccounts: '111111111111' });

    const run = await selftest(['--yes']);

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^error: your credentials are for account 000000000000, which stack IvsChatAuditor does not audit \(111111111111\)/m,
    );
    expect(stack.aws.stats()[REGION]?.CreateRoom).toBeUndefined();
  });

  it("says when the stack is not the auditor's, exit 3 (could not check, as doctor)", async () => {
    cfn.reset();
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: 'Other', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(), Outputs: [] }],
    });

    const run = await selftest(['--yes', '--stack', 'Other']);

    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /^error: stack Other in us-east-1 has no output .*is this the auditor's stack\?/m,
    );
  });

  it('says in one line when the stack cannot be read, and creates nothing: exit 3', async () => {
    cfn.reset();
    cfn.on(DescribeStacksCommand).rejects(
      Object.assign(new Error('User is not authorized to perform: cloudformation:DescribeStacks'), {
        name: 'AccessDenied',
      }),
    );

    const run = await selftest(['--yes']);

    expect(run.code).toBe(3);
    expect(run.stderr).toBe(
      'error: could not read stack IvsChatAuditor in us-east-1: AccessDenied: User is not authorized to perform: cloudformation:DescribeStacks\n',
    );
    expect(stack.aws.stats()[REGION]?.CreateRoom).toBeUndefined();
  });

  it('rejects bad flags with one line: two regions, a region typo, a bad timeout', async () => {
    const two = await cliWith(['selftest', '--yes', '--region', REGION, '--region', 'eu-west-1']);
    expect(two).toMatchObject({ code: 2, stderr: 'error: --region: give one: the region of the stack\n' });
    const typo = await cliWith(['selftest', '--yes', '--region', 'us-east1']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/^error: --region: "us-east1" is not a region name/);
    const stackName = await cliWith(['selftest', '--yes', '--region', REGION, '--stack', 'my stack;rm']);
    expect(stackName).toMatchObject({
      code: 2,
      stderr: 'error: --stack: "my stack;rm" is not a CloudFormation stack name\n',
    });
    const timeout = await cliWith(['selftest', '--yes', '--region', REGION, '--timeout', 'soon']);
    expect(timeout.code).toBe(2);
    expect(timeout.stderr).toMatch(/--timeout.*expected a positive number, got "soon"/);
  });
});
