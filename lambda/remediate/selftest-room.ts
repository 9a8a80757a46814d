/**
 * The room `ivschat-audit selftest` creates: how it is tagged, and the one rule remediation keeps
 * about it. The self-test proves that a violation is detected, alerted and resolved; an auditor that
 * fixed the room would break the proof and write to a room that is about to be deleted, so
 * remediation (deployed or from the CLI) never plans or writes a change to a room carrying the tag.
 */
import type { RoomDocument } from '../core/types.js';

/** The tag key of a self-test room; its value is the self-test's id. */
export const SELFTEST_TAG_KEY = 'ivschat-auditor:selftest';

/** Why a self-test room is left alone, as the plan, the trail and the alert say it. */
export const SELFTEST_ROOM_SKIPPED = `a self-test room (tag ${SELFTEST_TAG_KEY}): never remediated`;

/** Whether the room carries the self-test tag, whatever its value. */
export function isSelftestRoom(doc: Pick<RoomDocument, 'tags'>): boolean {
  const tags = doc.tags as Record<string, unknown> | undefined;
  return tags !== undefined && Object.hasOwn(tags, SELFTEST_TAG_KEY);
}
