import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventBridgeClient } from '../../lambda/aws/clients.js';
import type { Finding } from '../../lambda/core/types.js';
import { EVENT_DETAIL_TYPES, PUT_EVENTS_MAX_BYTES } from '../../lambda/render/finding-event.js';
import {
  type EventPutter,
  eventBridgePutter,
  eventBridgeSink,
  eventBusRegion,
} from '../../lambda/sinks/eventbridge.js';
import { type LocalAws, startLocalAws } from '../../local-aws/index.js';
import { credentials } from '../local-aws/helpers.js';
import { makeAlert, makeFinding } from '../render/fixtures.js';

const schema = JSON.parse(
  readFileSync(new URL('../../docs/schemas/finding-event.v1.schema.json', import.meta.url), 'utf8'),
) as object;
const ajv = new Ajv2020({ allErrors: true, strict: true });
ajvFormats.default(ajv);
const validDetail = ajv.compile(schema);

let aws: LocalAws;
let putter: EventPutter;
beforeAll(async () => {
  aws = await startLocalAws();
  putter = eventBridgePutter(
    eventBridgeClient('us-east-1', { endpoint: aws.endpoint, credentials, maxAttempts: 1 }),
  );
});
afterAll(() => aws.close());
afterEach(() => {
  aws.clearEvents();
  aws.setFaults({});
  aws.resetStats();
});

const putCalls = () => aws.stats()['us-east-1']?.PutEvents?.calls ?? 0;

describe('eventBridgeSink', () => {
  it('sends one event per transition, named by DetailType, with the room as resource and a valid detail', async () => {
    const fresh = makeFinding();
    const back = makeFinding({ exemption: { reason: 'old', expires: '2024-01-01', expired: true } });
    const fixed = makeFinding({ status: 'resolved' });
    const exempt = makeFinding({ status: 'exempt', exemption: { reason: 'partner', expired: false } });
    const reminder = makeFinding({ status: 'open' });
    const sink = eventBridgeSink({ putter, eventBus: 'default' });

    const receipt = await sink.deliver(
      makeAlert({
        newFindings: [fresh, back],
        resolvedFindings: [fixed],
        exemptedFindings: [exempt],
        reminders: [reminder],
      }),
    );

    expect(receipt).toEqual({ sink: 'eventbridge', delivered: 4, messageIds: [] });
    const events = aws.events();
    expect(events.map((e) => [e.detailType, e.resources])).toEqual([
      [EVENT_DETAIL_TYPES.new, [fresh.roomArn]],
      [EVENT_DETAIL_TYPES['exemption-expired'], [back.roomArn]],
      [EVENT_DETAIL_TYPES.resolved, [fixed.roomArn]],
      [EVENT_DETAIL_TYPES.exempted, [exempt.roomArn]],
    ]);
    for (const event of events) {
      expect(event.source).toBe('ivschat-auditor');
      expect(validDetail(event.detail), JSON.stringify(validDetail.errors)).toBe(true);
    }
    expect(events[0]?.detail).toMatchObject({ schemaVersion: '1', transition: 'new' });
    expect(events[0]?.detail.finding).toMatchObject({ remediation: expect.stringContaining(fresh.roomArn) });
  });

  it('puts 25 events in 3 calls of at most 10', async () => {
    const newFindings = Array.from({ length: 25 }, () => makeFinding());

    await eventBridgeSink({ putter, eventBus: 'default' }).deliver(makeAlert({ newFindings }));

    expect(putCalls()).toBe(3);
    expect(aws.events()).toHaveLength(25);
  });

  it('keeps each call under 256 KB, leaving out a value too large for one event', async () => {
    const big = (n: number): Finding => makeFinding({ actual: 'x'.repeat(n) });
    const newFindings = [big(100_000), big(100_000), big(100_000), big(300_000)];

    const receipt = await eventBridgeSink({ putter, eventBus: 'default' }).deliver(
      makeAlert({ newFindings }),
    );

    expect(receipt.delivered).toBe(4);
    expect(putCalls()).toBe(2);
    const last = aws.events()[3]?.detail;
    expect(last?.actualOmitted).toBe(true);
    expect(JSON.stringify(last).length).toBeLessThan(PUT_EVENTS_MAX_BYTES);
  });

  it('resends only the entries EventBridge refused', async () => {
    aws.setFaults({ eventsFailEntries: 2 });
    const newFindings = Array.from({ length: 5 }, () => makeFinding());

    const receipt = await eventBridgeSink({ putter, eventBus: 'default' }).deliver(
      makeAlert({ newFindings }),
    );

    expect(receipt.delivered).toBe(5);
    expect(putCalls()).toBe(2);
    const sent = aws.events().map((e) => (e.detail.finding as Finding).fingerprint);
    expect(sent.sort()).toEqual(newFindings.map((f) => f.fingerprint).sort());
  });

  it("leaves a whole call that failed with a server error to the SDK client's retries", async () => {
    aws.setFaults({ failNext: 1, serverErrorServices: ['events'] });
    const retrying = eventBridgePutter(
      eventBridgeClient('us-east-1', { endpoint: aws.endpoint, credentials, maxAttempts: 2 }),
    );

    const receipt = await eventBridgeSink({ putter: retrying, eventBus: 'default' }).deliver(
      makeAlert({ newFindings: [makeFinding()] }),
    );

    expect(receipt).toEqual({ sink: 'eventbridge', delivered: 1, messageIds: [] });
    expect(putCalls()).toBe(2); // the 500, then the SDK's retry
  });

  it('reports what the bus never took as undelivered', async () => {
    const failing: EventPutter = {
      put: async () => {
        throw new Error('events PutEvents failed: AccessDeniedException: not authorized');
      },
    };
    const newFindings = [makeFinding(), makeFinding()];

    const receipt = await eventBridgeSink({ putter: failing, eventBus: 'default' }).deliver(
      makeAlert({ newFindings }),
    );

    expect(receipt.delivered).toBe(0);
    expect(receipt.undelivered).toEqual(newFindings.map((f) => f.fingerprint));
    expect(receipt.error).toMatch(/AccessDeniedException/);
  });

  it('puts events in the region of a bus ARN', () => {
    expect(eventBusRegion('arn:aws:events:eu-west-1:123456789012:event-bus/security', 'us-east-1')).toBe(
      'eu-west-1',
    );
    expect(eventBusRegion('default', 'us-east-1')).toBe('us-east-1');
  });
});
