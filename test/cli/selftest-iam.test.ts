/**
 * The README's IAM policy for `selftest` against the calls it makes: the bin runs under a session
 * limited to the policy's actions (the emulator enforces a session policy by action) and passes; the
 * state table's calls, recorded on their way to dynalite, are the policy's DynamoDB actions; and
 * without DeleteRoom the room cannot be deleted, which the run says with the command to do it by hand.
 */
import { readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { stackOutputs } from '../../demo/selftest-demo.js';
import type { ChangeQueue } from '../../local-aws/change-queue.js';
import { listen } from '../../local-aws/listen.js';
import {
  ACCOUNT_ID,
  changeQueueInto,
  credentials,
  POLICIES_DIR,
  type Stack,
  stackHandler,
  startStack,
} from '../e2e/helpers.js';
import { startBin } from './spawn.js';

const REGION = 'us-east-1';
const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The policy under "The IAM policy `selftest` needs": its statements' actions. */
function readmeActions(): string[] {
  const after = README.slice(README.indexOf('The IAM policy `selftest` needs'));
  const fence = /```json\n([\s\S]*?)```/.exec(after)?.[1];
  if (!fence) throw new Error('README.md: no selftest IAM policy');
  const policy = JSON.parse(fence) as { Statement: { Action: string | string[] }[] };
  return [...new Set(policy.Statement.flatMap((s) => [s.Action].flat()))].sort();
}

let stack: Stack;
let queue: ChangeQueue;
let proxy: Server;
let proxyEndpoint: string;
/** The DynamoDB operations the run sent to the state table (X-Amz-Target, e.g. DynamoDB_20120810.Query). */
const dynamoCalls = new Set<string>();

beforeAll(async () => {
  stack = await startStack({ quotas: { enabled: false }, onChangeEvent: (event) => queue.send(event) });
  const table = await stack.freshTable();
  stack.aws.seedDeployment({
    stacks: [{ name: 'IvsChatAuditor', region: REGION, outputs: stackOutputs(stack.topicArn, table) }],
  });
  ({ queue } = changeQueueInto(
    stackHandler(stack, {
      AUDIT_REGIONS: REGION,
      ALERT_TOPIC_ARN: stack.topicArn,
      API_BUDGET_TPS: '5',
      POLICIES_DIR,
      STATE_TABLE_NAME: table,
      FUNCTION_ROLE_NAME: 'ivschat-auditor-function',
    }),
  ));
  // Between the bin and dynalite: what it asks of the state table, passed on unchanged.
  const target = new URL(stack.dynamo.endpoint);
  proxy = createServer((req, res) => {
    dynamoCalls.add(String(req.headers['x-amz-target']));
    const forward = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 500, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(forward);
  });
  proxyEndpoint = `http://127.0.0.1:${await listen(proxy, 0, '127.0.0.1')}`;
});
afterAll(async () => {
  proxy.closeAllConnections();
  await new Promise<void>((resolve) => proxy.close(() => resolve()));
  await stack.close();
});
beforeEach(() => {
  stack.aws.clearRooms();
  dynamoCalls.clear();
});

/** Credentials of a session allowed exactly `actions` (any resource). */
async function sessionAllowing(actions: string[]) {
  const sts = new STSClient({ endpoint: stack.aws.endpoint, region: REGION, credentials });
  try {
    const { Credentials } = await sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/selftest-runner`,
        RoleSessionName: 'selftest',
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }],
        }),
      }),
    );
    return {
      AWS_ACCESS_KEY_ID: String(Credentials?.AccessKeyId),
      AWS_SECRET_ACCESS_KEY: String(Credentials?.SecretAccessKey),
      AWS_SESSION_TOKEN: String(Credentials?.SessionToken),
    };
  } finally {
    sts.destroy();
  }
}

async function selftestAs(actions: string[]) {
  const { AWS_PROFILE: _profile, ...env } = process.env;
  const run = startBin(
    ['selftest', '--region', REGION, '--endpoint', stack.aws.endpoint, '--yes', '--timeout', '60'],
    {
      env: {
        ...env,
        ...(await sessionAllowing(actions)),
        NO_COLOR: '1',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        AWS_ENDPOINT_URL_DYNAMODB: proxyEndpoint,
      },
      timeout: 90_000,
    },
  );
  const { code } = await run.closed;
  return { code, ...run.output };
}

describe("the README's IAM policy for selftest", () => {
  it('is enough: a session limited to its actions passes, and the state table is only queried', async () => {
    const actions = readmeActions();
    expect(actions).toEqual([
      'cloudformation:DescribeStacks',
      'dynamodb:Query',
      'ivschat:CreateRoom',
      'ivschat:DeleteRoom',
      // Only when CreateRoom's answer is lost: the room is looked up by its name (selftest-aws.ts).
      'ivschat:ListRooms',
      'ivschat:TagResource',
    ]);

    const run = await selftestAs(actions);

    expect(run.stdout).toMatch(/^selftest passed/);
    expect(run.code).toBe(0);
    expect(stack.aws.rooms(REGION)).toEqual([]);
    const sent = [...dynamoCalls].map((target) => `dynamodb:${target.split('.')[1]}`);
    expect(sent.filter((action) => !actions.includes(action))).toEqual([]);
    expect(sent).toEqual(['dynamodb:Query']);
  }, 120_000);

  it('without ivschat:DeleteRoom, fails and prints the command that deletes the room it could not', async () => {
    const actions = readmeActions().filter((action) => action !== 'ivschat:DeleteRoom');

    const run = await selftestAs(actions);

    const arn = stack.aws.rooms(REGION)[0]?.arn;
    expect(arn).toBeDefined();
    expect(run.stdout).toMatch(/^selftest failed: DeleteRoom AccessDeniedException: /);
    expect(run.stderr).toContain(
      `delete it with:\n  aws ivschat delete-room --region ${REGION} --identifier ${arn}\n`,
    );
    expect(run.code).toBe(3);
  }, 120_000);
});
