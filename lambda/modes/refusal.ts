/**
 * The events no mode takes. The function's one bundle serves change batches, state-machine steps and
 * the scheduled run; anything else is refused before any AWS call, with an error that names the
 * event's type and keys only (the payload itself is never echoed into logs or the caller's error).
 */
import { isDirectChangeEvent } from './changes/events.js';
import { EventError } from './state-machine/events.js';

const DIRECT_CHANGE_REFUSED =
  'an IVS Chat change event invoked directly is refused: change events enter through the change queue (an SQS batch) only; nothing was audited';

/** The error for an event no mode takes, and the log message it goes out under. */
export function refusal(event: unknown): { error: EventError; logMessage: string } {
  if (isDirectChangeEvent(event)) {
    return { error: new EventError(DIRECT_CHANGE_REFUSED), logMessage: 'change event refused' };
  }
  return {
    error: new EventError(
      `the event is not one this function takes (${eventShape(event)}): send {} or an EventBridge scheduled event for the scheduled run, a state-machine step or an SQS batch; nothing was audited`,
    ),
    logMessage: 'event refused',
  };
}

function eventShape(event: unknown): string {
  if (event === null) return 'null';
  if (Array.isArray(event)) return `an array of ${event.length}`;
  if (typeof event !== 'object') return `a ${typeof event}`;
  const keys = Object.keys(event);
  if (keys.length === 0) return 'an object without keys';
  const named = keys.slice(0, 5).map((key) => key.replace(/[^\w.-]/g, '?').slice(0, 32));
  return `an object with keys ${named.join(', ')}${keys.length > 5 ? ` and ${keys.length - 5} more` : ''}`;
}
