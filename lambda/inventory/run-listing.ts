/**
 * A target's listing across the invocations of one run, as the inventory uses it: read back before
 * the region is inventoried (the rooms an earlier invocation listed, and where ListRooms stopped), and
 * kept when this invocation stops short (every room listed so far, where ListRooms would continue, and
 * the rooms left to fetch in order), so no later invocation of the run lists the rooms again.
 */
import type { InventoryOptions } from '../aws/inventory.js';
import type { RegionInventory, RoomDocument } from '../core/types.js';
import { GzipJsonArray } from '../state/chunks.js';
import type { ListingProgress, RunListingStore } from '../state/run-listing.js';

type ListingHooks = Pick<
  InventoryOptions,
  'earlierListing' | 'onListed' | 'onListingStopped' | 'onFetchOrder'
>;

export class KeptListing {
  /** Every room listed by this invocation (the earlier ones included), held gzip'd. */
  private readonly rooms = new GzipJsonArray();
  private nextToken: string | undefined;
  private order: readonly string[] = [];

  private constructor(
    private readonly store: RunListingStore,
    private readonly progress: ListingProgress | undefined,
    /** Handed to the inventory, which empties it as it audits them. */
    private readonly earlier: RoomDocument[] | undefined,
  ) {}

  /** The listing as an earlier invocation of the run left it (none yet: this invocation lists). */
  static async load(store: RunListingStore): Promise<KeptListing> {
    const progress = await store.progress();
    const earlier = progress ? await store.rooms(progress) : undefined;
    return new KeptListing(store, progress, earlier);
  }

  /** What the region's inventory reads and tells (aws/inventory.ts). */
  hooks(): ListingHooks {
    return {
      ...(this.earlier
        ? {
            earlierListing: {
              rooms: this.earlier,
              ...(this.progress?.nextToken !== undefined ? { nextToken: this.progress.nextToken } : {}),
            },
          }
        : {}),
      onListed: (summary) => this.rooms.push(summary),
      onListingStopped: (nextToken) => {
        this.nextToken = nextToken;
      },
      onFetchOrder: (arns) => {
        this.order = arns;
      },
    };
  }

  /**
   * Keeps the listing when the inventory stopped short (listing cut, or rooms not reached): the rooms
   * before the first one not reached were fetched (the room cache holds them), so the queue starts
   * there. A complete inventory keeps nothing: the run's TTL removes what an earlier invocation kept.
   */
  async keepIfShort(inventory: RegionInventory): Promise<void> {
    if (this.nextToken === undefined && inventory.notReached.length === 0) return;
    const pending = new Set(inventory.notReached);
    const from = this.order.findIndex((arn) => pending.has(arn));
    const queue = from < 0 ? [] : this.order.slice(from);
    await this.store.save(
      { rooms: this.rooms, ...(this.nextToken !== undefined ? { nextToken: this.nextToken } : {}), queue },
      this.progress,
    );
  }
}
