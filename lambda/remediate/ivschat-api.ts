import {
  GetRoomCommand,
  type IvschatClient,
  ResourceNotFoundException,
  UpdateRoomCommand,
  type UpdateRoomCommandInput,
} from '@aws-sdk/client-ivschat';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { type AwsConnection, stsClient } from '../aws/clients.js';
import { toAuditError } from '../aws/inventory.js';
import { toRoomDocument } from '../aws/room-document.js';
import { RemediationCallError, RoomGoneError } from '../core/errors.js';
import type { RoomApi } from './apply.js';

/** RoomApi over the SDK client of one account and region; SDK errors become named errors. */
export function ivschatRoomApi(client: IvschatClient, region: string, signal?: AbortSignal): RoomApi {
  const options = signal ? { abortSignal: signal } : {};
  const translate = (operation: string, error: unknown): never => {
    if (error instanceof ResourceNotFoundException) {
      throw new RoomGoneError(`${operation}: the room does not exist`, { cause: error });
    }
    const e = toAuditError(region, operation, error, signal);
    throw new RemediationCallError(`${operation} ${e.code}: ${e.message}`, { cause: error });
  };
  return {
    async getRoom(roomArn) {
      try {
        return toRoomDocument(await client.send(new GetRoomCommand({ identifier: roomArn }), options));
      } catch (error) {
        return translate('GetRoom', error);
      }
    },
    async updateRoom(input) {
      try {
        await client.send(new UpdateRoomCommand(input as UpdateRoomCommandInput), options);
      } catch (error) {
        return translate('UpdateRoom', error);
      }
    },
  };
}

/** Who is making the changes, for the trail: the caller's STS ARN. */
export async function callerArn(
  region: string,
  connection: AwsConnection,
  signal?: AbortSignal,
): Promise<string> {
  const sts = stsClient(region, connection);
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}), signal ? { abortSignal: signal } : {});
    if (!identity.Arn) throw new RemediationCallError('GetCallerIdentity: no ARN in the answer');
    return identity.Arn;
  } catch (error) {
    if (error instanceof RemediationCallError) throw error;
    const e = toAuditError(region, 'GetCallerIdentity', error, signal);
    throw new RemediationCallError(`GetCallerIdentity ${e.code}: ${e.message}`, { cause: error });
  } finally {
    sts.destroy();
  }
}
