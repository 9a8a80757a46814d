/**
 * The finding lifecycle end to end, with state in DynamoDB (dynalite): new → nothing on an
 * unchanged run → resolved when the room is fixed through the IVS Chat API; a room that could not
 * be read is not resolved; a failed publish leaves the state as it was and the next run sends the
 * same findings again (at-least-once).
 */
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PublishError } from '../../lambda/core/errors.js';
import type { Publisher } from '../../lambda/sinks/sns.js';
import type { PublishInput } from '../../lambda/sinks/sns-message.js';
import { ACCOUNT_ID, type SeedRoom } from '../../local-aws/index.js';
import {
  key,
  loadSmallFleet,
  publishedSince,
  REGIONS,
  type Received,
  received,
  type Stack,
  stackAudit,
  startStack,
  stateOf,
  updateRoom,
} from './helpers.js';

let stack: Stack;
let seed: SeedRoom[];

beforeAll(async () => {
  seed = await loadSmallFleet();
  stack = await startStack({ quotas: { enabled: true, scale: 1 } });
});
afterAll(() => stack?.close());
beforeEach(() => {
  stack.aws.clearRooms();
  stack.aws.seedRooms(undefined, seed);
  stack.aws.setFaults({});
});

async function itemCount(table: string, pk: string): Promise<number> {
  const out = await stack.dynamo.client.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: pk } },
      Select: 'COUNT',
    }),
  );
  return out.Count ?? 0;
}

/** Runs `run` and returns what it published to the emulator's SNS. */
async function published(run: () => Promise<unknown>): Promise<Received[]> {
  const before = stack.aws.published().length;
  await run();
  return publishedSince(stack.aws, before);
}

const fingerprints = (alert: Received | undefined) =>
  (alert?.machine.newFindings ?? []).map((f) => f.fingerprint).sort();

/** A publisher that records what it was asked to send and then fails like SNS would. */
function failingPublisher(): Publisher & { attempts: PublishInput[] } {
  const attempts: PublishInput[] = [];
  return {
    attempts,
    async publish(message) {
      attempts.push(message);
      throw new PublishError('SNS publish failed: InternalError: injected by the test');
    },
  };
}

describe('finding lifecycle against DynamoDB (dynalite)', () => {
  it('new → unchanged run sends nothing → fixed room is sent as resolved', async () => {
    const table = await stack.freshTable();
    const audit = stackAudit(stack, { table });

    const [first, ...more] = await published(() => audit());
    expect(more).toEqual([]);
    const n = first?.machine.newFindings.length ?? 0;
    expect(n).toBeGreaterThan(0);
    expect(first?.attributes.newCount).toBe(String(n));
    const afterFirst = await stateOf(stack, table);
    expect(afterFirst.size).toBe(n);
    expect([...afterFirst.values()].every((r) => r.status === 'open')).toBe(true);
    // One partition per account × region, so the org-scale engine records each target on its own.
    for (const region of REGIONS) {
      const inRegion = [...afterFirst.values()].filter((r) => r.finding.region === region).length;
      expect(await itemCount(table, `FINDING#${ACCOUNT_ID}#${region}`)).toBe(inRegion);
    }
    expect(await itemCount(table, `FINDING#${ACCOUNT_ID}`)).toBe(0);

    // Run 2: nothing changed, nothing sent, nothing rewritten.
    expect(await published(() => audit())).toEqual([]);
    expect(await stateOf(stack, table)).toEqual(afterFirst);

    // Someone fixes marketing-launch's message length through the IVS Chat API.
    await updateRoom(stack.aws, 'us-east-1', { name: 'marketing-launch', maximumMessageLength: 200 });
    const [third, ...rest] = await published(() => audit());
    expect(rest).toEqual([]);
    expect(third?.machine.newFindings).toEqual([]);
    expect(third?.machine.resolvedFindings.map(key)).toEqual(['marketing-launch/message-length-max']);
    expect(third?.subject).toMatch(/^\[ivschat-auditor\] 1 resolved \(1 medium\) in 000000000000$/);
    expect(third?.email).toContain('Was:        maximumMessageLength is 500; must be ≤ 200');
    expect(third?.attributes).toMatchObject({ resolvedCount: '1', newCount: '0', openCount: String(n - 1) });
    const resolved = [...(await stateOf(stack, table)).values()].filter((r) => r.status === 'resolved');
    expect(resolved.map((r) => key(r.finding))).toEqual(['marketing-launch/message-length-max']);

    // And it stays quiet afterwards.
    expect(await published(() => audit())).toEqual([]);
  });

  it('a room whose GetRoom failed is not resolved, even though it was fixed', async () => {
    const table = await stack.freshTable();
    const audit = stackAudit(stack, { table, maxAttempts: 2 });
    await audit();
    const before = await stateOf(stack, table);

    await updateRoom(stack.aws, 'us-east-1', { name: 'marketing-launch', maximumMessageLength: 200 });
    stack.aws.setFaults({ serverErrorRate: 1, serverErrorOperations: ['GetRoom'] });
    const sent = await published(async () => {
      const run = await audit();
      expect(run.summary).toMatchObject({ complete: false, resolvedFindings: 0, newFindings: 0 });
      expect(run.outcome.alert.report.errors.every((e) => e.operation === 'GetRoom')).toBe(true);
    });
    expect(sent).toEqual([]);
    expect(await stateOf(stack, table)).toEqual(before);

    // Once GetRoom works again the fix is announced.
    stack.aws.setFaults({});
    const [alert] = await published(() => audit());
    expect(alert?.machine.resolvedFindings.map(key)).toEqual(['marketing-launch/message-length-max']);
  });

  it('a failed publish leaves the state unchanged and the next run sends the same findings again', async () => {
    const table = await stack.freshTable();
    const failing = failingPublisher();

    await expect(stackAudit(stack, { table, publisher: failing })()).rejects.toBeInstanceOf(PublishError);
    expect(failing.attempts).toHaveLength(1);
    expect((await stateOf(stack, table)).size).toBe(0);

    const [again] = await published(() => stackAudit(stack, { table })());
    const attempted = received({
      region: 'us-east-1',
      topicArn: stack.topicArn,
      messageId: 'attempt',
      message: failing.attempts[0]?.Message ?? '',
      messages: JSON.parse(failing.attempts[0]?.Message ?? '{}'),
      subject: failing.attempts[0]?.Subject ?? '',
      messageAttributes: {},
      timestamp: '',
    });
    expect(fingerprints(again)).toEqual(fingerprints(attempted));
    expect(fingerprints(again).length).toBeGreaterThan(0);
  });

  it('a failed resolution publish is sent again on the next run', async () => {
    const table = await stack.freshTable();
    await stackAudit(stack, { table })();
    const before = await stateOf(stack, table);

    await updateRoom(stack.aws, 'us-east-1', { name: 'marketing-launch', maximumMessageLength: 200 });
    await expect(stackAudit(stack, { table, publisher: failingPublisher() })()).rejects.toThrow(PublishError);
    expect(await stateOf(stack, table)).toEqual(before);

    const [alert] = await published(() => stackAudit(stack, { table })());
    expect(alert?.machine.resolvedFindings.map(key)).toEqual(['marketing-launch/message-length-max']);
  });

  it('publishing to a topic that does not exist fails the run with a PublishError; state unchanged', async () => {
    const table = await stack.freshTable();
    const missing = 'arn:aws:sns:us-east-1:000000000000:no-such-topic';
    const error = await stackAudit(stack, { table, topicArn: missing })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PublishError);
    expect((error as Error).message).toContain(missing);
    expect((await stateOf(stack, table)).size).toBe(0);

    const [alert] = await published(() => stackAudit(stack, { table })());
    expect(alert?.machine.newFindings.length).toBeGreaterThan(0);
  });

  it('SNS answering 5xx past the retries fails the run with a PublishError; state unchanged', async () => {
    const table = await stack.freshTable();
    stack.aws.setFaults({ serverErrorRate: 1, serverErrorServices: ['sns'] });
    await expect(stackAudit(stack, { table, maxAttempts: 2 })()).rejects.toBeInstanceOf(PublishError);
    expect((await stateOf(stack, table)).size).toBe(0);
  });
});
