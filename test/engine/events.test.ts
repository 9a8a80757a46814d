import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { EventError, parseStepEvent } from '../../lambda/modes/state-machine/events.js';

const schema = JSON.parse(
  readFileSync(new URL('../../docs/schemas/audit-function.schema.json', import.meta.url), 'utf8'),
) as object;
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats.default(ajv);
const validateEvent = ajv.compile(schema);

const START = '2026-11-26T10:00:00.000Z';

describe('audit function events', () => {
  it('treats {} and an EventBridge scheduled event as the single-account run', () => {
    expect(parseStepEvent({})).toBeUndefined();
    const scheduled = { 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} };
    expect(parseStepEvent(scheduled)).toBeUndefined();
    expect(validateEvent({})).toBe(true);
    expect(validateEvent(scheduled)).toBe(true);
  });

  it('documents nothing else as the single-account run', () => {
    for (const event of [
      'x',
      null,
      [],
      { foo: 1 },
      { source: 'aws.events', 'detail-type': 'Object Created' },
    ]) {
      expect(validateEvent(event), JSON.stringify(event)).toBe(false);
    }
  });

  it('reads each step the state machine sends, as the documented schema describes it', () => {
    const events = [
      { step: 'plan', runId: 'run-1', startedAt: START },
      { step: 'audit-target', runId: 'run-1', startedAt: START, index: 3, iteration: 0 },
      { step: 'target-failed', runId: 'run-1', index: 3, error: { Error: 'States.Timeout' } },
      { step: 'aggregate', runId: 'run-1', startedAt: START },
    ];
    for (const event of events) {
      expect(validateEvent(event), JSON.stringify(validateEvent.errors)).toBe(true);
      expect(parseStepEvent(event)).toEqual(event);
    }
  });

  it('normalises the execution start time to ISO UTC', () => {
    const event = parseStepEvent({ step: 'plan', runId: 'r', startedAt: '2026-11-26T11:00:00+01:00' });
    expect(event).toMatchObject({ startedAt: START });
  });

  it.each([
    [{ step: 'audit' }, /event\.step: "audit" is not a step/],
    [{ step: 'plan', startedAt: START }, /event\.runId: must be 1-80/],
    [{ step: 'plan', runId: 'a/b', startedAt: START }, /event\.runId/],
    [{ step: 'plan', runId: 'r', startedAt: 'yesterday' }, /event\.startedAt: must be an ISO 8601 time/],
    [
      { step: 'audit-target', runId: 'r', startedAt: START, index: -1, iteration: 0 },
      /event\.index: must be a whole number/,
    ],
    [{ step: 'audit-target', runId: 'r', startedAt: START, index: 0, iteration: 1.5 }, /event\.iteration/],
  ])('refuses %j naming the field', (event, message) => {
    expect(() => parseStepEvent(event)).toThrow(EventError);
    expect(() => parseStepEvent(event)).toThrow(message);
  });

  it('keeps only the Error and Cause strings of a caught failure', () => {
    expect(
      parseStepEvent({
        step: 'target-failed',
        runId: 'r',
        index: 0,
        error: { Error: 'X', Cause: 7, extra: 1 },
      }),
    ).toEqual({ step: 'target-failed', runId: 'r', index: 0, error: { Error: 'X' } });
  });
});
