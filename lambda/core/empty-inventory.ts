import type { RegionInventory } from './types.js';

/** A region's inventory before anything was listed: no rooms, no calls, complete until shown otherwise. */
export function emptyInventory(accountId: string, region: string): RegionInventory {
  return {
    accountId,
    region,
    listed: [],
    audited: [],
    rooms: [],
    deleted: [],
    notReached: [],
    errors: [],
    complete: true,
    calls: { listRooms: 0, getRoom: 0 },
  };
}
