/**
 * Fault injection: deterministic 5xx, access denied per region / account / operation, AssumeRole denied per account,
 * rooms that vanish between List and Get.
 */
import { prng } from './prng.js';

export type FaultService = 'ivschat' | 'sns' | 'sts' | 'organizations' | 'securityhub' | 'events';

export interface FaultOptions {
  /** Probability (0–1) that a request answers a 5xx (IVS Chat: InternalServerException 500). Deterministic: see `seed`. */
  serverErrorRate?: number;
  /** Seed of the PRNG behind `serverErrorRate` (default 1): the same seed gives the same sequence of failures. */
  seed?: number;
  /** Count-based: the next N matching requests answer a 5xx, then requests succeed again. */
  failNext?: number;
  /** Operations the 5xx faults apply to (default: every operation of `serverErrorServices`). */
  serverErrorOperations?: string[];
  /** Services the 5xx faults apply to (default ['ivschat']). */
  serverErrorServices?: FaultService[];
  /** Every IVS Chat call signed for one of these regions answers AccessDeniedException 403. */
  accessDeniedRegions?: string[];
  /**
   * Every IVS Chat call signed by one of these accounts (`111111111111`), or by it in one region
   * (`111111111111/eu-west-1`), answers AccessDeniedException 403: a member role without IVS Chat rights.
   */
  accessDeniedAccounts?: string[];
  /**
   * IVS Chat operations that answer AccessDeniedException 403 for every caller, e.g.
   * `['ListLoggingConfigurations']`: a role whose policy lacks that one permission.
   */
  accessDeniedOperations?: string[];
  /** STS AssumeRole into one of these accounts answers AccessDenied 403 (as for an unknown account). */
  assumeRoleDeniedAccounts?: string[];
  /** Rooms (ARN, id or name) that ListRooms still lists but every other call answers ResourceNotFoundException. */
  vanishingRooms?: string[];
  /** Rooms (ARN, id or name) really deleted right after a ListRooms page has listed them. */
  deleteAfterListing?: string[];
  /**
   * Count-based: the next N findings Security Hub `BatchImportFindings` is sent fail on their own
   * (`FailedFindings`, InternalException) while the rest of the call is accepted.
   */
  securityHubFailFindings?: number;
  /** Accounts where Security Hub is not enabled: every import answers InvalidAccessException 401. */
  securityHubDisabledAccounts?: string[];
  /** Count-based: the next N EventBridge `PutEvents` entries fail on their own (InternalFailure). */
  eventsFailEntries?: number;
}

export class Faults {
  private options: FaultOptions = {};
  private random: () => number = prng(1);
  private remainingFailures = 0;
  private remainingFindingFailures = 0;
  private remainingEntryFailures = 0;

  constructor(options: FaultOptions = {}) {
    this.set(options);
  }

  /** Replaces every fault setting (pass {} to turn all faults off). */
  set(options: FaultOptions): void {
    const rate = options.serverErrorRate ?? 0;
    if (rate < 0 || rate > 1) throw new Error(`serverErrorRate must be within 0..1, got ${rate}`);
    this.options = structuredClone(options);
    this.random = prng(options.seed ?? 1);
    this.remainingFailures = options.failNext ?? 0;
    this.remainingFindingFailures = options.securityHubFailFindings ?? 0;
    this.remainingEntryFailures = options.eventsFailEntries ?? 0;
  }

  get current(): FaultOptions {
    return {
      ...structuredClone(this.options),
      failNext: this.remainingFailures,
      securityHubFailFindings: this.remainingFindingFailures,
      eventsFailEntries: this.remainingEntryFailures,
    };
  }

  /** Decides (and consumes) whether one imported finding fails on its own. */
  failFinding(): boolean {
    if (this.remainingFindingFailures <= 0) return false;
    this.remainingFindingFailures--;
    return true;
  }

  /** Decides (and consumes) whether one PutEvents entry fails on its own. */
  failEntry(): boolean {
    if (this.remainingEntryFailures <= 0) return false;
    this.remainingEntryFailures--;
    return true;
  }

  securityHubDisabled(accountId: string): boolean {
    return this.options.securityHubDisabledAccounts?.includes(accountId) ?? false;
  }

  /** Decides (and consumes) whether this request answers a 5xx. */
  serverError(service: FaultService, operation: string): boolean {
    const services = this.options.serverErrorServices ?? ['ivschat'];
    if (!services.includes(service)) return false;
    const ops = this.options.serverErrorOperations;
    if (ops && !ops.includes(operation)) return false;
    if (this.remainingFailures > 0) {
      this.remainingFailures--;
      return true;
    }
    const rate = this.options.serverErrorRate ?? 0;
    return rate > 0 && this.random() < rate;
  }

  accessDenied(region: string, accountId: string, operation: string): boolean {
    const accounts = this.options.accessDeniedAccounts ?? [];
    return (
      (this.options.accessDeniedRegions?.includes(region) ?? false) ||
      (this.options.accessDeniedOperations?.includes(operation) ?? false) ||
      accounts.includes(accountId) ||
      accounts.includes(`${accountId}/${region}`)
    );
  }

  assumeRoleDenied(accountId: string): boolean {
    return this.options.assumeRoleDeniedAccounts?.includes(accountId) ?? false;
  }

  isVanishing(room: RoomRef): boolean {
    return matches(this.options.vanishingRooms, room);
  }

  deleteAfterListing(room: RoomRef): boolean {
    return matches(this.options.deleteAfterListing, room);
  }
}

export interface RoomRef {
  arn: string;
  id: string;
  name: string;
}

function matches(list: string[] | undefined, room: RoomRef): boolean {
  if (!list) return false;
  return list.includes(room.arn) || list.includes(room.id) || (room.name !== '' && list.includes(room.name));
}
