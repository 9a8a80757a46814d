/**
 * A real Ctrl-C: the bin as a user runs it, against the emulator (the auditor's stack served by
 * DescribeStacks, IVS Chat, STS) and dynalite, with no change path, so the self-test waits until the
 * SIGINT lands. The room it created is deleted before it exits, and it says so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackOutputs } from '../../demo/selftest-demo.js';
import { type Stack, startStack } from '../e2e/helpers.js';
import { startBin } from './spawn.js';

const REGION = 'us-east-1';
let stack: Stack;
let table: string;

beforeAll(async () => {
  stack = await startStack({ quotas: { enabled: false } });
  table = await stack.freshTable();
  stack.aws.seedDeployment({
    stacks: [{ name: 'IvsChatAuditor', region: REGION, outputs: stackOutputs(stack.topicArn, table) }],
  });
});
afterAll(async () => {
  await stack.close();
});

/** This process's environment without the user's AWS credentials: the emulator needs none. */
function offlineEnv(): NodeJS.ProcessEnv {
  const {
    AWS_PROFILE: _p,
    AWS_ACCESS_KEY_ID: _k,
    AWS_SECRET_ACCESS_KEY: _s,
    AWS_SESSION_TOKEN: _t,
    ...env
  } = process.env;
  return {
    ...env,
    NO_COLOR: '1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_ENDPOINT_URL_DYNAMODB: stack.dynamo.endpoint,
  };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600 && !condition(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!condition()) throw new Error(`gave up waiting for ${what}`);
}

describe('ivschat-audit selftest and a real SIGINT', () => {
  it('Ctrl-C while it waits for detection: the room is deleted, it says so, exit 3', async () => {
    const run = startBin(['selftest', '--region', REGION, '--endpoint', stack.aws.endpoint, '--yes'], {
      env: offlineEnv(),
      timeout: 60_000,
    });
    await until(() => run.output.stderr.includes('no finding of the room recorded yet'), 'the wait');
    expect(stack.aws.rooms(REGION)).toHaveLength(1);

    run.child.kill('SIGINT');
    const { code } = await run.closed;

    expect(run.output.stderr).toMatch(/interrupted \(Ctrl-C\): stopping/);
    expect(run.output.stderr).toMatch(
      /cleanup: room ivschat-auditor-selftest-[0-9a-f]{8} deleted; the self-test left no room/,
    );
    expect(run.output.stdout).toBe(
      'selftest interrupted: interrupted (Ctrl-C): the run was stopped; last read: no finding of the room recorded yet\n',
    );
    expect(code).toBe(3);
    expect(stack.aws.rooms(REGION)).toEqual([]);
  }, 90_000);
});

describe('ivschat-audit selftest and the other ways a terminal or CI ends it', () => {
  it('SIGHUP (the terminal closed) while it waits: the room is deleted, exit 3', async () => {
    const run = startBin(['selftest', '--region', REGION, '--endpoint', stack.aws.endpoint, '--yes'], {
      env: offlineEnv(),
      timeout: 60_000,
    });
    await until(() => run.output.stderr.includes('no finding of the room recorded yet'), 'the wait');
    expect(stack.aws.rooms(REGION)).toHaveLength(1);

    run.child.kill('SIGHUP');
    const { code } = await run.closed;

    expect(run.output.stderr).toMatch(/the terminal was closed \(SIGHUP\): stopping/);
    expect(run.output.stderr).toMatch(/cleanup: room ivschat-auditor-selftest-[0-9a-f]{8} deleted/);
    expect(code).toBe(3);
    expect(stack.aws.rooms(REGION)).toEqual([]);
  }, 90_000);

  it('its stderr closed (a log reader that went away): EPIPE stops the run, the room is deleted', async () => {
    const run = startBin(['selftest', '--region', REGION, '--endpoint', stack.aws.endpoint, '--yes'], {
      env: offlineEnv(),
      timeout: 80_000,
    });
    await until(() => run.output.stderr.includes('no finding of the room recorded yet'), 'the wait');
    expect(stack.aws.rooms(REGION)).toHaveLength(1);

    // The reader goes away: the next progress line (the 30 s heartbeat at the latest) meets EPIPE.
    run.child.stderr?.destroy();
    const { code } = await run.closed;

    expect(code).toBe(3);
    expect(run.output.stdout).toMatch(/^selftest interrupted: its output was closed \(EPIPE\)/);
    expect(stack.aws.rooms(REGION)).toEqual([]);
  }, 120_000);
});
