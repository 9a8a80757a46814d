/**
 * How a room document splits between the two read APIs. A ListRooms summary carries
 * `LIST_SUMMARY_FIELDS`; GetRoom adds the rest, today `GET_ROOM_ONLY_FIELDS`. Policies that read
 * only summary fields need no GetRoom (policy/fields.ts); the room cache keeps only what the
 * summary lacks (core/room-cache.ts).
 */
export const LIST_SUMMARY_FIELDS: ReadonlySet<string> = new Set([
  'arn',
  'id',
  'name',
  'createTime',
  'updateTime',
  'tags',
  'messageReviewHandler',
  'loggingConfigurationIdentifiers',
]);

export const GET_ROOM_ONLY_FIELDS = ['maximumMessageLength', 'maximumMessageRatePerSecond'] as const;
