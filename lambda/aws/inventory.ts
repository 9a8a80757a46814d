/**
 * The IVS Chat calls of an inventory: ListRooms (every page) and GetRoom under bounded concurrency,
 * AWS faults turned into report errors. Each document is handed to the caller as it arrives
 * (`onRoom`), where the inventory path evaluates it.
 */
import {
  GetRoomCommand,
  type IvschatClient,
  paginateListRooms,
  ResourceNotFoundException,
  ValidationException,
} from '@aws-sdk/client-ivschat';
import { emptyInventory } from '../core/empty-inventory.js';
import type { AuditError, RegionInventory, RoomDocument } from '../core/types.js';
import { endpointOf } from './clients.js';
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
  /**
   * Receives each audited document instead of `rooms` keeping it (evaluate as rooms arrive);
   * `fetched` tells a GetRoom document (the room cache keeps it) from one `resolve` answered.
   */
  onRoom?: (doc: RoomDocument, fetched: boolean) => void;
  /** Stop starting new calls once this returns true (the run's deadline is near). */
  shouldStop?: () => boolean;
  /**
   * Aborts the run (a --timeout, Ctrl-C): no new calls start, calls in flight are abandoned, and
   * `signal.reason` (an Error; its `code` or name becomes the report error's code) says why.
   */
  signal?: AbortSignal;
  /** Told how far the region got after each ListRooms page and each GetRoom (progress display). */
  onProgress?: (progress: InventoryProgress) => void;
  /**
   * Rooms known from earlier runs (cached, or with open findings). Any of them missing from this
   * run's list is checked with GetRoom: gone (ResourceNotFound) or just missed by the list.
   */
  knownArns?: Iterable<string>;
  /**
   * The listing an earlier invocation of the same run made: its rooms are taken as the first pages
   * (and emptied out of `rooms` as they are, so they are let go once audited), and ListRooms continues
   * from `nextToken` (none: the listing was complete, ListRooms is not called). A token IVS refuses
   * (it no longer honours it) starts the listing over.
   */
  earlierListing?: EarlierListing;
  /** Told of each room summary as it is listed (earlier ones included), to keep the listing. */
  onListed?: (summary: RoomDocument) => void;
  /** Told where ListRooms would continue when the stop cut the listing short. */
  onListingStopped?: (nextToken: string) => void;
  /** Told the rooms GetRoom will be asked for, in order, before the first is. */
  onFetchOrder?: (arns: readonly string[]) => void;
}

/** A listing kept from an earlier invocation of the same run (lambda/state/run-listing.ts). */
export interface EarlierListing {
  /** Consumed: the inventory empties it. */
  rooms: RoomDocument[];
  nextToken?: string;
}

export interface InventoryProgress {
  /** Still reading ListRooms pages (so the number of rooms is not known yet). */
  listing: boolean;
  listed: number;
  audited: number;
  /**
   * Rooms not yet handed to a GetRoom worker. Those handed over may still wait on the API budget,
   * so the rooms left are `listed - audited`, not this.
   */
  toFetch: number;
}

/**
 * GetRoom calls in flight for a client-side budget: enough that calls taking up to 250 ms each keep
 * the budget busy (8 at the deployed 4 TPS; more for a raised or time-scaled budget).
 */
export function getRoomConcurrency(budgetTps: number | undefined): number {
  return budgetTps ? Math.max(8, Math.ceil(budgetTps / 4)) : 8;
}

/**
 * Lists every room of one region (all pages), then fetches each with GetRoom under bounded
 * concurrency. Never throws for AWS faults: they become report errors and `complete: false`.
 */
export async function inventoryRegion(options: InventoryOptions): Promise<RegionInventory> {
  const { region } = options;
  const result: RegionInventory = { ...emptyInventory(options.accountId, region), fetched: [] };
  const seen = new Set<string>();
  // Rooms the cache can answer are audited as their page arrives; of the others only the ARN and
  // rank wait for GetRoom, so a run never holds every list summary (tags and all) at once.
  const waiting: { arn: string; rank: number }[] = [];
  const stopped = () => options.signal?.aborted === true || options.shouldStop?.() === true;
  const sendOptions = options.signal ? { abortSignal: options.signal } : {};
  try {
    for await (const page of listingPages(options, result, sendOptions)) {
      for (const doc of page.rooms) {
        // A room updated between pages can show up twice; audit it once.
        if (seen.has(doc.arn)) continue;
        seen.add(doc.arn);
        result.listed.push(doc.arn);
        options.onListed?.(doc);
        const known = options.resolve?.(doc);
        if (known) audit(options, result, known, false);
        else waiting.push({ arn: doc.arn, rank: options.priority?.(doc) ?? 0 });
      }
      options.onProgress?.({
        listing: true,
        listed: result.listed.length,
        audited: result.audited.length,
        toFetch: waiting.length,
      });
      if (page.nextToken && stopped()) {
        const why = stopReason(options.signal);
        result.errors.push({
          region,
          operation: 'ListRooms',
          code: why?.code ?? 'DeadlineReached',
          message: `stopped listing after ${result.listed.length} rooms: ${why?.message ?? "the run's deadline is near"}`,
        });
        result.complete = false;
        options.onListingStopped?.(page.nextToken);
        break;
      }
    }
  } catch (error) {
    result.errors.push(toAuditError(region, 'ListRooms', error, options.signal));
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
  options.onFetchOrder?.(toFetch);
  await fetchRooms(options, toFetch, result);
  return result;
}

/**
 * The pages of a region's listing: the rooms an earlier invocation listed, then ListRooms
 * (50 a page, the API's most) from where that listing stopped, each call counted in `result`.
 */
async function* listingPages(
  options: InventoryOptions,
  result: RegionInventory,
  sendOptions: { abortSignal?: AbortSignal },
): AsyncGenerator<{ rooms: readonly RoomDocument[]; nextToken?: string | undefined }> {
  const earlier = options.earlierListing;
  let token: string | undefined;
  if (earlier) {
    // Pages of 50 taken off the end of the reversed list: 50,000 summaries are not all held until the
    // last is audited. Only the last page carries the token: a stop within them would lose rooms.
    const { rooms } = earlier;
    rooms.reverse();
    while (rooms.length > 0) {
      const page = rooms.splice(Math.max(0, rooms.length - 50)).reverse();
      yield { rooms: page, nextToken: rooms.length === 0 ? earlier.nextToken : undefined };
    }
    if (earlier.nextToken === undefined) return;
    token = earlier.nextToken;
  }
  for (;;) {
    const pages = paginateListRooms(
      { client: options.client, pageSize: 50, ...(token ? { startingToken: token } : {}) },
      {},
      sendOptions,
    );
    let first = true;
    try {
      for await (const page of pages) {
        first = false;
        result.calls.listRooms++;
        const rooms = (page.rooms ?? []).flatMap((summary) => (summary.arn ? [toRoomDocument(summary)] : []));
        yield { rooms, nextToken: page.nextToken };
      }
      return;
    } catch (error) {
      if (!(token && first && error instanceof ValidationException)) throw error;
      // IVS no longer honours the token (it expired): list again from the start. The rooms listed
      // before are known already; the new listing's copies of them are skipped as seen.
      result.calls.listRooms++;
      token = undefined;
    }
  }
}

async function fetchRooms(options: InventoryOptions, toFetch: string[], result: RegionInventory) {
  const { signal } = options;
  let started = 0;
  const progress = () =>
    options.onProgress?.({
      listing: false,
      listed: result.listed.length,
      audited: result.audited.length,
      toFetch: toFetch.length - started,
    });
  progress();
  await getRooms({
    client: options.client,
    arns: toFetch,
    inventory: result,
    concurrency: options.concurrency ?? 8,
    ...(signal ? { signal } : {}),
    shouldStop: () => Boolean(signal?.aborted || options.shouldStop?.()),
    onRoom: (doc, arn) => {
      result.fetched?.push(arn);
      audit(options, result, doc, true);
    },
    afterCall: (count) => {
      started = count;
      progress();
    },
  });
  // A deadline stop is reported through `progress` alone (the next scheduled run continues); a
  // --timeout or Ctrl-C is the user's to know about, so it is an error too.
  const why = stopReason(signal);
  if (why && result.notReached.length > 0) {
    result.errors.push({
      region: options.region,
      operation: 'GetRoom',
      code: why.code,
      message: `${result.notReached.length} of ${toFetch.length} rooms not fetched: ${why.message}`,
    });
  }
}

/**
 * GetRoom for each ARN, `concurrency` at a time, into `inventory`: a room gone in the meantime is
 * `deleted`, another failure an error; once `shouldStop` says so (or `signal` aborts a call in
 * flight) the ARNs left are `notReached` and the inventory incomplete. The scheduled audit and the
 * change path both fetch through it.
 */
export async function getRooms(o: {
  client: IvschatClient;
  arns: readonly string[];
  inventory: RegionInventory;
  concurrency: number;
  signal?: AbortSignal;
  shouldStop: () => boolean;
  onRoom: (doc: RoomDocument, arn: string) => void;
  /** After each GetRoom (not for rooms the stop left), with how many have been started. */
  afterCall?: (started: number) => void;
}): Promise<void> {
  const { inventory, signal } = o;
  const sendOptions = signal ? { abortSignal: signal } : {};
  let next = 0;
  const worker = async () => {
    while (next < o.arns.length) {
      const arn = o.arns[next++] as string;
      if (o.shouldStop()) {
        inventory.notReached.push(arn);
        inventory.complete = false;
        continue;
      }
      inventory.calls.getRoom++;
      try {
        const doc = toRoomDocument(await o.client.send(new GetRoomCommand({ identifier: arn }), sendOptions));
        // The requested ARN string, not the response's equal copy: 50,000 rooms keep one copy each.
        if (doc.arn === arn) doc.arn = arn;
        o.onRoom(doc, arn);
      } catch (error) {
        if (error instanceof ResourceNotFoundException) {
          inventory.deleted.push(arn);
        } else if (signal?.aborted) {
          // Abandoned in flight by the run's stop: not reached, like the rooms after it.
          inventory.notReached.push(arn);
          inventory.complete = false;
        } else {
          inventory.errors.push({ ...toAuditError(inventory.region, 'GetRoom', error), roomArn: arn });
          inventory.complete = false;
        }
      }
      o.afterCall?.(next);
    }
  };
  const workers = Math.max(1, Math.min(o.concurrency, o.arns.length));
  await Promise.all(Array.from({ length: workers }, worker));
}

function audit(
  options: InventoryOptions,
  result: RegionInventory,
  doc: RoomDocument,
  fetched: boolean,
): void {
  result.audited.push(doc.arn);
  if (options.onRoom) options.onRoom(doc, fetched);
  else result.rooms.push(doc);
}

/** Why the run was stopped, when `signal` stopped it: the code and message for the report. */
export function stopReason(signal: AbortSignal | undefined): { code: string; message: string } | undefined {
  if (!signal?.aborted) return undefined;
  const reason = signal.reason as { code?: unknown; name?: string; message?: string } | undefined;
  return {
    code: typeof reason?.code === 'string' ? reason.code : (reason?.name ?? 'Aborted'),
    message: reason?.message || 'the run was stopped',
  };
}

// What the SDK says when a response carries no AWS error it recognises (e.g. a 404 with an empty body).
const UNINFORMATIVE = new Set(['', 'Error', 'Unknown', 'UnknownError']);

/**
 * SDK exception → report error, naming the endpoint and HTTP status when known: "Unknown
 * UnknownError" from a wrong --endpoint must read as "HTTP 404 from http://…". Network failures
 * carry a code instead of an exception name. A call abandoned because `signal` stopped the run
 * reports why the run stopped.
 */
export function toAuditError(
  region: string,
  operation: string,
  error: unknown,
  signal?: AbortSignal,
): AuditError {
  const e = error as {
    name?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const endpoint = endpointOf(error);
  const why = e?.name === 'AbortError' ? stopReason(signal) : undefined;
  if (why) {
    const waiting = endpoint ? ` while calling ${endpoint}` : '';
    return { region, operation, code: why.code, message: `${why.message}${waiting}` };
  }
  const status = e?.$metadata?.httpStatusCode;
  const named = e?.name && !UNINFORMATIVE.has(e.name) ? e.name : undefined;
  const code = named ?? (typeof e?.code === 'string' ? e.code : status ? `Http${status}` : 'UnknownError');
  const text = e?.message && !UNINFORMATIVE.has(e.message) && e.message !== e.name ? e.message : '';
  const where = endpoint
    ? `${status ? `HTTP ${status} from` : 'calling'} ${endpoint}`
    : status
      ? `HTTP ${status}`
      : '';
  const message =
    text && where
      ? `${text} (${where})`
      : text || (where ? `${where}, with no AWS error in the response` : String(error));
  return { region, operation, code, message };
}
