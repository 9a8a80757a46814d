import { readFile } from 'node:fs/promises';
import { parseRoomArn } from '../core/arn.js';
import { InputError } from '../core/errors.js';
import type { RegionInventory, RoomDocument } from '../core/types.js';

/**
 * Reads saved room documents (a JSON array of GetRoom-shaped rooms, or `{ "rooms": [...] }`) and
 * groups them into per-region inventories by their ARN, as a live audit would have produced them.
 */
export async function readRoomsFile(path: string, regions: readonly string[]): Promise<RegionInventory[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`, {
      cause: error,
    });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${path} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const rooms = Array.isArray(data) ? data : (data as { rooms?: unknown })?.rooms;
  if (!Array.isArray(rooms)) {
    throw new InputError(`${path}: expected a JSON array of room documents (or { "rooms": [...] })`);
  }
  const byRegion = new Map<string, RegionInventory>();
  const seenArns = new Set<string>();
  rooms.forEach((room: unknown, index) => {
    if (room === null || typeof room !== 'object' || typeof (room as RoomDocument).arn !== 'string') {
      throw new InputError(`${path} /${index}: a room document must be an object with a string "arn"`);
    }
    const doc = room as RoomDocument;
    if (seenArns.has(doc.arn)) throw new InputError(`${path} /${index}: room ${doc.arn} appears twice`);
    seenArns.add(doc.arn);
    const parts = parseRoomArn(doc.arn);
    const region = parts?.region ?? 'unknown';
    if (regions.length > 0 && !regions.includes(region)) return;
    const key = `${parts?.accountId ?? ''}/${region}`;
    let inventory = byRegion.get(key);
    if (!inventory) {
      inventory = {
        accountId: parts?.accountId ?? '',
        region,
        listed: [],
        audited: [],
        rooms: [],
        deleted: [],
        notReached: [],
        errors: [],
        complete: true,
        // The file is the whole inventory: a room with findings that is no longer in it is gone.
        authoritative: true,
        calls: { listRooms: 0, getRoom: 0 },
      };
      byRegion.set(key, inventory);
    }
    inventory.listed.push(doc.arn);
    inventory.audited.push(doc.arn);
    inventory.rooms.push(doc);
  });
  return [...byRegion.values()];
}
