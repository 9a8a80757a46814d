/**
 * Conformance: EventBridge `PutEvents` (awsJson1_1, `X-Amz-Target: AWSEvents.PutEvents`) answered to
 * the real @aws-sdk/client-eventbridge: the per-entry results, the request's epoch-second `Time`, and
 * errors the SDK reads by `__type` (InternalException and ThrottlingException as the events model
 * names them); the entry rules (DetailType ≤ 128 characters) and the model's bus-name pattern.
 */
import {
  InternalException,
  PutEventsCommand,
  type PutEventsRequestEntry,
  ThrottlingException,
} from '@aws-sdk/client-eventbridge';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_DETAIL_TYPES, findingEvent, PUT_EVENTS_MAX_BYTES } from '../../lambda/render/finding-event.js';
import { EVENTS_MAX_REQUEST_BYTES } from '../../local-aws/eventbridge.js';
import { type LocalAws, startLocalAws } from '../../local-aws/index.js';
import { makeFinding } from '../render/fixtures.js';
import { eventBridge, rejection } from './helpers.js';

let aws: LocalAws;
beforeAll(async () => {
  aws = await startLocalAws();
});
afterAll(() => aws.close());
afterEach(() => {
  aws.clearEvents();
  aws.setFaults({});
  // Quota settings merge, so a test's PutEvents rate outlives it; put back a rate in PutEvents'
  // real range (thousands a second), which no test here reaches.
  aws.setQuotas({ rates: { PutEvents: 10_000 } });
});

const putEvents = (Entries: PutEventsRequestEntry[], maxAttempts = 1) =>
  eventBridge(aws, { maxAttempts }).send(new PutEventsCommand({ Entries }));
const entry = (detail = '{}'): PutEventsRequestEntry => ({
  Source: 's',
  DetailType: 'd',
  Detail: detail,
  Resources: ['arn:x'],
});

describe('EventBridge PutEvents through the SDK client', () => {
  it('refuses more than 10 entries, and entries of 1 MB or more in one call, with ValidationException', async () => {
    const many = await rejection(putEvents(Array.from({ length: 11 }, () => entry())));
    expect(many).toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
    // The model: "the total entry size must be less than 1MB". Each entry() here counts
    // Source 1 + DetailType 1 + Resources 5 bytes, and {"v":"…"} is 8 bytes around the value.
    const detailOf = (total: number) => JSON.stringify({ v: 'x'.repeat(total - 7 - 8) });
    const large = await rejection(putEvents([entry(detailOf(EVENTS_MAX_REQUEST_BYTES))]));
    expect(large).toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/must be less than 1048576 bytes/),
    });
    const under = await putEvents([entry(detailOf(EVENTS_MAX_REQUEST_BYTES - 1))]);
    expect(under.FailedEntryCount).toBe(0);
  });

  it('takes a 300 KB call, which AWS takes (the limit was 256 KB before 1 MB)', async () => {
    const half = JSON.stringify({ v: 'x'.repeat(150_000) });
    const answer = await putEvents([entry(half), entry(half)]);
    expect(answer.FailedEntryCount).toBe(0);
    expect(aws.events()).toHaveLength(2);
  });

  it("our EventBridge sink's own limit per call stays within the service's", () => {
    expect(PUT_EVENTS_MAX_BYTES).toBeLessThan(EVENTS_MAX_REQUEST_BYTES);
  });

  it('refuses a malformed entry on its own, by position, and accepts the others', async () => {
    const answer = await putEvents([entry('not json'), entry('{"a":1}')]);
    expect(answer.FailedEntryCount).toBe(1);
    expect(answer.Entries).toEqual([
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { EventId: expect.any(String) },
    ]);
    expect(aws.events().map((e) => e.detail)).toEqual([{ a: 1 }]);
  });

  it('reads the entry Time the SDK sends as epoch seconds, and the bus by name', async () => {
    const at = new Date('2025-01-02T03:04:05.000Z');
    await putEvents([{ ...entry(), Time: at, EventBusName: 'security' }]);
    expect(aws.events()).toEqual([
      expect.objectContaining({ time: at.toISOString(), eventBusName: 'security', resources: ['arn:x'] }),
    ]);
  });

  it('answers an injected server fault with InternalException 500, which the SDK retries', async () => {
    aws.setFaults({ failNext: 1, serverErrorServices: ['events'] });
    const error = await rejection(putEvents([entry()]));
    expect(error).toBeInstanceOf(InternalException);
    expect(error).toMatchObject({ $fault: 'server', $metadata: { httpStatusCode: 500 } });

    aws.setFaults({ failNext: 1, serverErrorServices: ['events'] });
    const answer = await putEvents([entry()], 2);
    expect(answer).toMatchObject({ FailedEntryCount: 0, $metadata: { attempts: 2 } });
  });

  it('throttles with ThrottlingException when a rate is set', async () => {
    aws.setQuotas({ rates: { PutEvents: 1 } });
    const answers = await Promise.allSettled([putEvents([entry()]), putEvents([entry()])]);
    const refused = answers.filter((a) => a.status === 'rejected');
    expect(refused.map((a) => (a as PromiseRejectedResult).reason)).toEqual([
      expect.any(ThrottlingException),
    ]);
  });

  it('answers an unknown JSON 1.1 target with UnknownOperationException, not as another service', async () => {
    const response = await fetch(aws.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.Nope' },
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });
});

describe('EventBridge PutEvents refuses what AWS refuses', () => {
  it('fails an entry whose DetailType is over 128 characters on its own, and takes 128', async () => {
    const answer = await putEvents([
      { ...entry(), DetailType: 'd'.repeat(129) },
      { ...entry(), DetailType: '😀'.repeat(128) },
    ]);
    expect(answer.FailedEntryCount).toBe(1);
    expect(answer.Entries).toEqual([
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: expect.stringMatching(/^Parameter DetailType is not valid/),
      },
      { EventId: expect.any(String) },
    ]);
    expect(aws.events().map((e) => e.detailType)).toEqual(['😀'.repeat(128)]);
  });

  it.each([
    ['a name with a space', 'my bus'],
    ['an ARN of another service', 'arn:aws:sns:us-east-1:000000000000:event-bus/x'],
    ['an empty name', ''],
  ])(
    'refuses the whole call naming %s with ValidationException, as a modelled pattern',
    async (_case, bus) => {
      const error = await rejection(putEvents([entry(), { ...entry(), EventBusName: bus }]));
      expect(error).toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
      expect(error.message).toMatch(/at 'entries\.2\.member\.eventBusName' failed to satisfy constraint/);
      expect(aws.events()).toEqual([]);
    },
  );

  it('takes a bus by name or by its ARN', async () => {
    await putEvents([
      { ...entry(), EventBusName: 'audit.bus-1_x' },
      { ...entry(), EventBusName: 'arn:aws:events:eu-west-1:000000000000:event-bus/audit' },
    ]);
    expect(aws.events()).toHaveLength(2);
  });

  it('fails the whole request when no entry has Source, DetailType and Detail, as the model says', async () => {
    const lone = await rejection(putEvents([{ DetailType: 'd', Detail: '{}' }]));
    expect(lone).toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
    const none = await rejection(
      putEvents([
        { Source: 's', Detail: '{}' },
        { Source: 's', DetailType: 'd', Detail: '' },
      ]),
    );
    expect(none).toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(/None of the entries/),
    });
    expect(aws.events()).toEqual([]);
  });

  it('answers 200 listing every failure when one entry has the three members, though none is accepted', async () => {
    const answer = await putEvents([{ DetailType: 'd', Detail: '{}' }, entry('[1]')]);
    expect(answer).toMatchObject({ FailedEntryCount: 2, $metadata: { httpStatusCode: 200 } });
    expect(answer.Entries).toEqual([
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.',
      },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
    ]);
    expect(aws.events()).toEqual([]);
  });
});

describe('our finding events against the stricter PutEvents', () => {
  it('every transition, on the default bus and on a bus ARN, with hostile room data, is accepted', async () => {
    const hostile = makeFinding({
      roomName: '😀'.repeat(600),
      title: 'T'.repeat(3000),
      actual: 'a'.repeat(300_000),
    });
    const kinds = Object.keys(EVENT_DETAIL_TYPES) as (keyof typeof EVENT_DETAIL_TYPES)[];
    for (const bus of ['default', 'arn:aws:events:us-east-1:000000000000:event-bus/audit-events']) {
      const entries = kinds.map((kind) =>
        findingEvent({ kind, finding: hostile }, '2025-01-03T00:00:00.000Z', bus),
      );
      const answer = await putEvents(entries);
      expect(answer.FailedEntryCount, bus).toBe(0);
    }
    expect(aws.events()).toHaveLength(2 * kinds.length);
  });
});
