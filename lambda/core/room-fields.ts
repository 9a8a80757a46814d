/**
 * The one table of room document fields a policy can read, and where each comes from:
 *
 * - `list`: the ListRooms summary carries it (every run's list brings it fresh);
 * - `getRoom`: only GetRoom returns it (the room cache keeps it for unchanged rooms);
 * - `joined`: joined in from another listing of the same target on every run (never cached);
 * - `derived`: computed from other fields when the room is evaluated (never stored).
 *
 * Readers: which policies need GetRoom or a join (policy/fields.ts), what the room cache keeps
 * (core/room-cache.ts), derivation and joins (core/room-facts.ts), and policies/README.md, whose field
 * table a test keeps equal to this one.
 */
export type FieldSource = 'list' | 'getRoom' | 'joined' | 'derived';

export interface RoomField {
  /** Dotted path: `messageReviewHandler.functionRegion` is a field inside `messageReviewHandler`. */
  path: string;
  source: FieldSource;
  doc: string;
}

export const ROOM_FIELDS: readonly RoomField[] = [
  { path: 'arn', source: 'list', doc: 'room ARN' },
  { path: 'id', source: 'list', doc: 'room id (the last part of the ARN)' },
  { path: 'name', source: 'list', doc: 'room name' },
  { path: 'createTime', source: 'list', doc: 'when the room was created (ISO 8601)' },
  { path: 'updateTime', source: 'list', doc: 'when the room was last changed (ISO 8601)' },
  { path: 'tags', source: 'list', doc: 'tag key → value, up to 50 tags' },
  {
    path: 'messageReviewHandler',
    source: 'list',
    doc: '`{ uri, fallbackResult }`; absent when no handler is attached (a handler with an empty `uri` is none, as the API reads it)',
  },
  { path: 'loggingConfigurationIdentifiers', source: 'list', doc: 'logging configuration ARNs, at most 3' },
  { path: 'maximumMessageLength', source: 'getRoom', doc: '1–500 (default 500)' },
  { path: 'maximumMessageRatePerSecond', source: 'getRoom', doc: '1–100 (default 10)' },
  {
    path: 'loggingConfigurations',
    source: 'joined',
    doc: 'one entry per identifier, in the same order: `{ arn, id, name, state, destinationType, destination }`; `state` is the API\'s (`ACTIVE`, `CREATING`, `CREATE_FAILED`, `UPDATING`, `UPDATE_FAILED`, `DELETING`, `DELETE_FAILED`), `destinationType` is `s3`, `cloudWatchLogs` or `firehose` and `destination` the bucket, log group or delivery stream name; `{ arn, state: "NOT_FOUND" }` when the configuration does not exist',
  },
  { path: 'accountId', source: 'derived', doc: 'the account in the room ARN' },
  { path: 'region', source: 'derived', doc: 'the region in the room ARN' },
  {
    path: 'messageReviewHandler.functionAccountId',
    source: 'derived',
    doc: 'the account in the handler URI, when it is a Lambda function ARN',
  },
  {
    path: 'messageReviewHandler.functionRegion',
    source: 'derived',
    doc: 'the region in the handler URI, when it is a Lambda function ARN',
  },
];

/** Top-level fields from one source (a nested derived field belongs to its parent's source). */
export function topLevelFields(source: FieldSource): ReadonlySet<string> {
  return new Set(ROOM_FIELDS.filter((f) => f.source === source && !f.path.includes('.')).map((f) => f.path));
}

/** Fields a ListRooms summary carries. */
export const LIST_SUMMARY_FIELDS = topLevelFields('list');
/** Fields only GetRoom returns. */
export const GET_ROOM_ONLY_FIELDS: readonly string[] = [...topLevelFields('getRoom')];
/** Fields joined from another listing of the target; absent from a document nobody joined. */
export const JOINED_FIELDS: readonly string[] = [...topLevelFields('joined')];
/** Top-level fields computed at evaluation. */
export const DERIVED_FIELDS = topLevelFields('derived');

/** The source of a top-level field; a field the table does not know is taken as GetRoom's (a new API field). */
export function sourceOf(field: string): FieldSource {
  return ROOM_FIELDS.find((f) => f.path === field)?.source ?? 'getRoom';
}
