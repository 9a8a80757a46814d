import {
  GetRoomCommand,
  type IvschatClient,
  paginateListRooms,
  ResourceNotFoundException,
} from '@aws-sdk/client-ivschat';
import type { AuditError, RegionInventory, RoomDocument } from '../core/types.js';
import { toRoomDocument } from './room-document.js';

export interface InventoryOptions {
  region: string;
  accountId: string;
  client: IvschatClient;
  /** Parallel GetRoom calls in flight (the client's API budget decides the rate). */
  concurrency?: number;
  /**
   * Decides, per listed room, whether GetRoom is needed. Returning a document uses it as is
   * (e.g. a cached one for an unchanged room). Default: always call GetRoom.
   */
  resolve?: (summary: RoomDocument) => RoomDocument | undefined;
  /** Order of GetRoom calls, lower first (so a run cut short by its deadline did the most urgent ones). */
  priority?: (summary: RoomDocument) => number;
  /** Stop starting new GetRoom calls once this returns true (the run's deadline is near). */
  shouldStop?: () => boolean;
}

/**
 * Lists every room of one region (all pages), then fetches each with GetRoom under bounded
 * concurrency. Never throws for AWS faults: they become report errors and `complete: false`.
 */
export async function inventoryRegion(options: InventoryOptions): Promise<RegionInventory> {
  const { region, client } = options;
  const result: RegionInventory = {
    region,
    accountId: options.accountId,
    listed: [],
    rooms: [],
    deleted: [],
    notReached: [],
    fetched: [],
    errors: [],
    complete: true,
    calls: { listRooms: 0, getRoom: 0 },
  };
  try {
    for await (const page of paginateListRooms({ client, pageSize: 50 }, {})) {
      result.calls.listRooms++;
      for (const summary of page.rooms ?? []) result.listed.push(toRoomDocument(summary));
    }
  } catch (error) {
    result.errors.push(toAuditError(region, 'ListRooms', error));
    result.complete = false;
    return result;
  }

  const toFetch: RoomDocument[] = [];
  for (const summary of result.listed) {
    const known = options.resolve?.(summary);
    if (known) result.rooms.push(known);
    else toFetch.push(summary);
  }
  if (options.priority) {
    const rank = new Map(toFetch.map((s) => [s.arn, options.priority?.(s) ?? 0]));
    toFetch.sort((a, b) => (rank.get(a.arn) ?? 0) - (rank.get(b.arn) ?? 0));
  }
  await fetchRooms(options, toFetch, result);
  return result;
}

async function fetchRooms(options: InventoryOptions, toFetch: RoomDocument[], result: RegionInventory) {
  const { client, region } = options;
  let next = 0;
  const worker = async () => {
    while (next < toFetch.length) {
      const summary = toFetch[next++] as RoomDocument;
      if (options.shouldStop?.()) {
        result.notReached.push(summary.arn);
        result.complete = false;
        continue;
      }
      result.calls.getRoom++;
      try {
        const doc = toRoomDocument(await client.send(new GetRoomCommand({ identifier: summary.arn })));
        result.rooms.push(doc);
        result.fetched?.push(doc);
      } catch (error) {
        if (error instanceof ResourceNotFoundException) {
          result.deleted.push(summary.arn);
        } else {
          result.errors.push({ ...toAuditError(region, 'GetRoom', error), roomArn: summary.arn });
          result.complete = false;
        }
      }
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? 8, toFetch.length));
  await Promise.all(Array.from({ length: workers }, worker));
}

/** SDK exception → report error. Network failures carry a code instead of an exception name. */
export function toAuditError(region: string, operation: string, error: unknown): AuditError {
  const e = error as { name?: string; code?: string; message?: string };
  const code = e?.name && e.name !== 'Error' ? e.name : (e?.code ?? 'UnknownError');
  return { region, operation, code, message: e?.message || String(error) };
}
