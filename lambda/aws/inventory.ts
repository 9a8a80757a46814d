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
  /** Receives each audited document instead of `rooms` keeping it (evaluate as rooms arrive). */
  onRoom?: (doc: RoomDocument) => void;
  /** Receives each document fetched with GetRoom (for the room cache), after `onRoom`. */
  onFetched?: (doc: RoomDocument) => void;
  /** Stop starting new calls once this returns true (the run's deadline is near). */
  shouldStop?: () => boolean;
  /**
   * Rooms known from earlier runs (cached, or with open findings). Any of them missing from this
   * run's list is checked with GetRoom: gone (ResourceNotFound) or just missed by the list.
   */
  knownArns?: Iterable<string>;
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
    audited: [],
    rooms: [],
    deleted: [],
    notReached: [],
    fetched: [],
    errors: [],
    complete: true,
    calls: { listRooms: 0, getRoom: 0 },
  };
  const seen = new Set<string>();
  // Rooms the cache can answer are audited as their page arrives; of the others only the ARN and
  // rank wait for GetRoom, so a run never holds every list summary (tags and all) at once.
  const waiting: { arn: string; rank: number }[] = [];
  try {
    for await (const page of paginateListRooms({ client, pageSize: 50 }, {})) {
      result.calls.listRooms++;
      for (const summary of page.rooms ?? []) {
        // A room updated between pages can show up twice; audit it once.
        if (!summary.arn || seen.has(summary.arn)) continue;
        seen.add(summary.arn);
        result.listed.push(summary.arn);
        const doc = toRoomDocument(summary);
        const known = options.resolve?.(doc);
        if (known) audit(options, result, known);
        else waiting.push({ arn: doc.arn, rank: options.priority?.(doc) ?? 0 });
      }
      if (page.nextToken && options.shouldStop?.()) {
        result.errors.push({
          region,
          operation: 'ListRooms',
          code: 'DeadlineReached',
          message: `stopped listing after ${result.listed.length} rooms: the run's deadline is near`,
        });
        result.complete = false;
        break;
      }
    }
  } catch (error) {
    result.errors.push(toAuditError(region, 'ListRooms', error));
    result.complete = false;
    return result;
  }

  const toFetch: string[] = [];
  // Known rooms the list did not show go first: each is either deleted or was missed by the list.
  if (result.complete) {
    for (const arn of options.knownArns ?? []) {
      if (!seen.has(arn)) {
        seen.add(arn);
        toFetch.push(arn);
      }
    }
  }
  if (options.priority) waiting.sort((a, b) => a.rank - b.rank); // stable: list order within a rank
  for (const { arn } of waiting) toFetch.push(arn);
  waiting.length = 0;
  await fetchRooms(options, toFetch, result);
  return result;
}

async function fetchRooms(options: InventoryOptions, toFetch: string[], result: RegionInventory) {
  const { client, region } = options;
  let next = 0;
  const worker = async () => {
    while (next < toFetch.length) {
      const arn = toFetch[next++] as string;
      if (options.shouldStop?.()) {
        result.notReached.push(arn);
        result.complete = false;
        continue;
      }
      result.calls.getRoom++;
      try {
        const doc = toRoomDocument(await client.send(new GetRoomCommand({ identifier: arn })));
        // The listed ARN string, not the response's equal copy: 50,000 rooms keep one copy each.
        if (doc.arn === arn) doc.arn = arn;
        audit(options, result, doc);
        result.fetched?.push(arn);
        options.onFetched?.(doc);
      } catch (error) {
        if (error instanceof ResourceNotFoundException) {
          result.deleted.push(arn);
        } else {
          result.errors.push({ ...toAuditError(region, 'GetRoom', error), roomArn: arn });
          result.complete = false;
        }
      }
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? 8, toFetch.length));
  await Promise.all(Array.from({ length: workers }, worker));
}

function audit(options: InventoryOptions, result: RegionInventory, doc: RoomDocument): void {
  result.audited.push(doc.arn);
  if (options.onRoom) options.onRoom(doc);
  else result.rooms.push(doc);
}

/** SDK exception → report error. Network failures carry a code instead of an exception name. */
export function toAuditError(region: string, operation: string, error: unknown): AuditError {
  const e = error as { name?: string; code?: string; message?: string };
  const code = e?.name && e.name !== 'Error' ? e.name : (e?.code ?? 'UnknownError');
  return { region, operation, code, message: e?.message || String(error) };
}
