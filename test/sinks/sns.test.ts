import { describe, expect, it } from 'vitest';
import { PublishError } from '../../lambda/core/errors.js';
import { type Publisher, snsSink } from '../../lambda/sinks/sns.js';
import type { PublishInput } from '../../lambda/sinks/sns-message.js';
import { makeAlert, makeFinding, makeReport } from '../render/fixtures.js';

/** Sixty findings with long room names: more than one 16 KiB message. */
const largeAlert = () =>
  makeAlert({
    newFindings: Array.from({ length: 60 }, (_, i) =>
      makeFinding({ roomName: `room-${i}-${'x'.repeat(100)}` }),
    ),
  });

function publisher(failAt?: number): Publisher & { sent: PublishInput[] } {
  const sent: PublishInput[] = [];
  return {
    sent,
    async publish(message) {
      if (sent.length === failAt) throw new PublishError('SNS publish failed: injected');
      sent.push(message);
      return { messageId: `m-${sent.length}` };
    },
  };
}

describe('Function: snsSink', () => {
  it('publishes an alert too large for one message as numbered parts, each with its MessageId', async () => {
    const sns = publisher();
    const receipt = await snsSink(sns, { maxBytes: 16_384 }).deliver(largeAlert());

    expect(sns.sent.length).toBeGreaterThan(1);
    expect(receipt).toEqual({
      sink: 'sns',
      delivered: sns.sent.length,
      messageIds: sns.sent.map((_, i) => `m-${i + 1}`),
    });
    expect(sns.sent.every((m) => Buffer.byteLength(m.Message) <= 16_384)).toBe(true);
  });

  it('stops at the first refused part and fails the delivery', async () => {
    const sns = publisher(1);
    await expect(snsSink(sns, { maxBytes: 16_384 }).deliver(largeAlert())).rejects.toBeInstanceOf(
      PublishError,
    );
    expect(sns.sent).toHaveLength(1);
  });

  it('counts the findings a run counted but did not list (Report.unchangedOpen) in openCount and findingCount', async () => {
    const sns = publisher();
    const fresh = makeFinding({ status: 'new' });
    const unchangedOpen = [
      { count: 7, bySeverity: { critical: 0, high: 7, medium: 0, low: 0, info: 0 } },
      { routes: ['payments'], count: 5, bySeverity: { critical: 0, high: 0, medium: 5, low: 0, info: 0 } },
    ];
    const alert = makeAlert({
      newFindings: [fresh],
      report: makeReport({ findings: [fresh], unchangedOpen }),
    });
    await snsSink(sns).deliver(alert);

    const [message] = sns.sent;
    expect(message?.MessageAttributes.openCount?.StringValue).toBe('13');
    // The machine-readable alert is what SQS and Lambda subscribers get.
    const machine = JSON.parse(JSON.parse(message?.Message ?? '{}').sqs);
    expect(machine.report).toMatchObject({ findingCount: 13, openCount: 13 });
  });
});
