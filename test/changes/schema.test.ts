import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import type { ChangeBatchResult } from '../../lambda/modes/changes/batch.js';

const schema = JSON.parse(
  readFileSync(new URL('../../docs/schemas/audit-function.schema.json', import.meta.url), 'utf8'),
) as { $id: string };
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats.default(ajv);
const validateEvent = ajv.compile(schema);
const validateResult = ajv.getSchema(`${schema.$id}#/$defs/changeBatchResult`);
const validateChangeEvent = ajv.getSchema(`${schema.$id}#/$defs/changeEvent`);
const EVENTS_DIR = fileURLToPath(new URL('../../examples/events/', import.meta.url));

describe('audit function schema: the change trigger', () => {
  it("accepts the sample SQS batch as the function's event", () => {
    const batch = JSON.parse(readFileSync(`${EVENTS_DIR}sqs-batch.json`, 'utf8'));
    expect(validateEvent(batch), JSON.stringify(validateEvent.errors)).toBe(true);
  });

  it.each(readdirSync(EVENTS_DIR).filter((f) => f.endsWith('.json') && f !== 'sqs-batch.json'))(
    "accepts the sample %s as a message body, and refuses it as the function's event",
    (file) => {
      const event = JSON.parse(readFileSync(`${EVENTS_DIR}${file}`, 'utf8'));
      expect(validateChangeEvent?.(event), JSON.stringify(validateChangeEvent?.errors)).toBe(true);
      // Invoked directly, it is neither a batch nor the scheduled run: the handler refuses it.
      expect(validateEvent(event)).toBe(false);
    },
  );

  it('still tells the scheduled run apart from a change event', () => {
    expect(validateEvent({ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} })).toBe(true);
    // An aws.ivschat event without its detail is neither a change event nor the scheduled run.
    expect(validateEvent({ source: 'aws.ivschat' })).toBe(false);
  });

  it('describes the batch result, bounded', () => {
    const result: ChangeBatchResult = {
      batchItemFailures: [{ itemIdentifier: 'm1' }],
      summary: {
        events: 3,
        ignored: 1,
        ignoredReasons: { 'failed call': 1 },
        ownChanges: 0,
        failedCalls: 1,
        targets: 2,
        failedTargets: 1,
        failures: ['123456789012/us-east-1: role ivschat-auditor-member cannot be assumed'],
        rooms: 1,
        getRoomCalls: 1,
        deletedRooms: 0,
        fullAuditsDue: 0,
        fullAuditDue: [],
        newFindings: 1,
        resolvedFindings: 0,
        published: 1,
      },
    };
    expect(validateResult?.(result), JSON.stringify(validateResult?.errors)).toBe(true);
    expect(
      validateResult?.({ ...result, summary: { ...result.summary, ignoredReasons: { boredom: 1 } } }),
    ).toBe(false);
  });
});
