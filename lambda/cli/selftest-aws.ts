/**
 * The self-test's calls (`SelftestApi`) on AWS: CreateRoom and DeleteRoom through the IVS Chat client
 * of one account and region, and the room's findings read from the deployed auditor's state table.
 * These are the calls the README's IAM policy for `selftest` grants.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateRoomCommand,
  DeleteRoomCommand,
  type IvschatClient,
  paginateListRooms,
  ResourceNotFoundException,
} from '@aws-sdk/client-ivschat';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { FindingRecord } from '../audit/lifecycle.js';
import { toAuditError } from '../aws/inventory.js';
import { roomPart } from '../core/fingerprint.js';
import type { Target } from '../core/types.js';
import { findingKeys } from '../state/keys.js';
import { RecordReader } from '../state/record.js';
import { TableClient } from '../state/table-client.js';
import { RoomMayExistError, type SelftestApi, SelftestCallError } from './selftest.js';

export interface SelftestAwsOptions {
  /** IVS Chat of the account and region the room is created in. */
  ivschat: IvschatClient;
  /**
   * The same with `maxAttempts: 1`, for CreateRoom alone: a CreateRoom the SDK retried after a
   * timed-out attempt that IVS Chat did carry out makes a second room. @default ivschat
   */
  createClient?: IvschatClient;
  /** The state table's client (the table lives in the stack's region). */
  dynamo: DynamoDBClient;
  tableName: string;
  /** The account and region of the room: its findings' partition. */
  target: Target;
}

export function selftestAws(o: SelftestAwsOptions): SelftestApi {
  const table = new TableClient(o.dynamo, o.tableName);
  const failed = (operation: string, error: unknown, signal?: AbortSignal): never => {
    const e = toAuditError(o.target.region, operation, error, signal);
    throw new SelftestCallError(`${operation} ${e.code}: ${e.message}`, { cause: error });
  };
  return {
    async createRoom({ name, maximumMessageLength, tags }) {
      try {
        const out = await (o.createClient ?? o.ivschat).send(
          new CreateRoomCommand({ name, maximumMessageLength, tags }),
        );
        if (!out.arn) throw new SelftestCallError('CreateRoom answered without the room ARN');
        return { arn: out.arn, name: out.name ?? name };
      } catch (error) {
        if (error instanceof SelftestCallError) throw error;
        // A refusal (4xx) made no room. Anything else (5xx, a timeout, a dropped connection) may
        // have: IVS Chat can carry out a request whose answer never arrived.
        if (refused(error)) return failed('CreateRoom', error);
        const found = await roomNamed(o.ivschat, name).catch(() => undefined);
        if (found) return found;
        const e = toAuditError(o.target.region, 'CreateRoom', error);
        throw new RoomMayExistError(`CreateRoom ${e.code}: ${e.message}`, name, { cause: error });
      }
    },
    async deleteRoom(arn, signal) {
      try {
        await o.ivschat.send(new DeleteRoomCommand({ identifier: arn }), { abortSignal: signal });
      } catch (error) {
        if (error instanceof ResourceNotFoundException) return;
        failed('DeleteRoom', error, signal);
      }
    },
    roomFindings: (arn, signal) => roomFindings(table, o.target, arn, signal),
  };
}

/** A 4xx answer that is not throttling: IVS Chat refused the request, so it made nothing. */
function refused(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const name = error instanceof Error ? error.name : '';
  return status !== undefined && status >= 400 && status < 500 && !/Throttl|TooManyRequests/i.test(name);
}

/** The room of that (unique, random) name, when ListRooms shows it. */
async function roomNamed(ivschat: IvschatClient, name: string) {
  for await (const page of paginateListRooms({ client: ivschat }, { name }))
    for (const room of page.rooms ?? []) if (room.name === name && room.arn) return { arn: room.arn, name };
  return undefined;
}

/**
 * Every finding record of one room. A fingerprint begins with the half made from the room's ARN
 * (core/fingerprint.ts), so one Query on the target's partition with that prefix reads exactly the
 * room's records, whatever the policies, without reading the rest of the partition.
 */
async function roomFindings(
  table: TableClient,
  target: Target,
  arn: string,
  signal: AbortSignal,
): Promise<FindingRecord[]> {
  const reader = new RecordReader();
  const records: FindingRecord[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await table.reading(() =>
      table.doc.send(
        new QueryCommand({
          TableName: table.name,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :room)',
          ExpressionAttributeValues: { ':pk': findingKeys.pk(target), ':room': roomPart(arn) },
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
        { abortSignal: signal },
      ),
    );
    for (const item of page.Items ?? []) {
      const record = reader.read(item);
      // 64 bits of the ARN's hash could be shared by another room: only this room's records count.
      if (record.finding.roomArn === arn) records.push(record);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return records;
}
