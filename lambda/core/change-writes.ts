/**
 * The IVS Chat write calls the change path acts on: the change function parses their events
 * (`lambda/modes/changes/events.ts`) and the stack's rule matches exactly these names
 * (`lib/auditor/changes.ts`), so both read them from here.
 */

/** The `source` of IVS Chat's events on EventBridge. */
export const CHANGE_SOURCE = 'aws.ivschat';

/** What a write call names in its event: a room, a created room, a tagged resource, a logging configuration. */
export type WriteTarget = 'room' | 'room-created' | 'tagged' | 'logging' | 'logging-created';

/** The eight write calls the rule forwards, and where each names what it wrote. */
export const CHANGE_WRITES: Readonly<Record<string, WriteTarget>> = {
  CreateRoom: 'room-created',
  UpdateRoom: 'room',
  // Read again like any write: a DeleteRoom event cannot tell a deleted room from a forged message.
  DeleteRoom: 'room',
  TagResource: 'tagged',
  UntagResource: 'tagged',
  CreateLoggingConfiguration: 'logging-created',
  UpdateLoggingConfiguration: 'logging',
  DeleteLoggingConfiguration: 'logging',
};

/** The write calls the change path acts on (the stack's rule matches exactly these). */
export const CHANGE_EVENT_NAMES: readonly string[] = Object.keys(CHANGE_WRITES);
