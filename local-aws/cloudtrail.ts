/**
 * AWS CloudTrail's read calls (JSON 1.1, `X-Amz-Target: CloudTrail_20131101.<Operation>`):
 * DescribeTrails, GetTrailStatus and GetEventSelectors, over trails seeded per account. A trail lives
 * in its home region; a multi-region trail also shows in every other region as a shadow trail
 * (DescribeTrails lists it unless `includeShadowTrails` is false, and it is named there by its ARN).
 * A trail has basic event selectors or advanced ones, never both, as in CloudTrail.
 */

import type { LocalResponse } from './http.js';
import { ACCOUNT_ID } from './http.js';
import { type JsonVersion, jsonAnswer, jsonBody, jsonError, text, textList } from './json-protocol.js';

export const CLOUDTRAIL_TARGET_PREFIXES = [
  'CloudTrail_20131101.',
  'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.',
] as const;
const V: JsonVersion = '1.1';

/** A basic event selector, as GetEventSelectors returns it. */
export interface EventSelector {
  ReadWriteType?: 'ReadOnly' | 'WriteOnly' | 'All';
  IncludeManagementEvents?: boolean;
  DataResources?: { Type?: string; Values?: string[] }[];
  ExcludeManagementEventSources?: string[];
}

/** An advanced event selector: field selectors that must all match. */
export interface AdvancedEventSelector {
  Name?: string;
  FieldSelectors: {
    Field: string;
    Equals?: string[];
    StartsWith?: string[];
    EndsWith?: string[];
    NotEquals?: string[];
    NotStartsWith?: string[];
    NotEndsWith?: string[];
  }[];
}

export interface SeedTrail {
  name: string;
  homeRegion: string;
  /** Default 000000000000. */
  accountId?: string;
  /** Default false. */
  multiRegion?: boolean;
  /** Default false. */
  organization?: boolean;
  /** Whether the trail is logging (StartLogging); default true. */
  logging?: boolean;
  /** Default: one selector logging all management events, read and write. */
  eventSelectors?: EventSelector[];
  /** When given, replaces the basic selectors (a trail has one kind or the other). */
  advancedEventSelectors?: AdvancedEventSelector[];
}

interface TrailRecord extends Required<Omit<SeedTrail, 'eventSelectors' | 'advancedEventSelectors'>> {
  arn: string;
  /** Whether the selectors were set (PutEventSelectors), not the trail's default. */
  customSelectors: boolean;
  eventSelectors?: EventSelector[];
  advancedEventSelectors?: AdvancedEventSelector[];
}

const DEFAULT_SELECTORS: EventSelector[] = [
  {
    ReadWriteType: 'All',
    IncludeManagementEvents: true,
    DataResources: [],
    ExcludeManagementEventSources: [],
  },
];
const TRAIL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{1,126}[A-Za-z0-9]$/;

export class CloudTrailService {
  private trails = new Map<string, TrailRecord>();

  seed(trails: SeedTrail[]): void {
    for (const seed of trails) {
      if (!TRAIL_NAME.test(seed.name)) throw new Error(`trail name "${seed.name}" is not valid`);
      const accountId = seed.accountId ?? ACCOUNT_ID;
      const arn = `arn:aws:cloudtrail:${seed.homeRegion}:${accountId}:trail/${seed.name}`;
      const record: TrailRecord = {
        name: seed.name,
        homeRegion: seed.homeRegion,
        accountId,
        multiRegion: seed.multiRegion ?? false,
        organization: seed.organization ?? false,
        logging: seed.logging ?? true,
        arn,
        customSelectors: seed.eventSelectors !== undefined || seed.advancedEventSelectors !== undefined,
      };
      if (seed.advancedEventSelectors)
        record.advancedEventSelectors = structuredClone(seed.advancedEventSelectors);
      else record.eventSelectors = structuredClone(seed.eventSelectors ?? DEFAULT_SELECTORS);
      this.trails.set(arn, record);
    }
  }

  /** Deletes trails: every one of `accountId` whose home region is `region`, or one by name there. */
  remove(accountId: string, region: string, name?: string): number {
    let removed = 0;
    for (const [arn, trail] of this.trails)
      if (trail.accountId === accountId && trail.homeRegion === region && (!name || trail.name === name)) {
        this.trails.delete(arn);
        removed += 1;
      }
    return removed;
  }

  clear(): void {
    this.trails.clear();
  }

  handle(operation: string, accountId: string, region: string, body: string): LocalResponse {
    const input = jsonBody(body);
    if (!input) return jsonError(V, 400, 'SerializationException', 'Request body is not a JSON object');
    switch (operation) {
      case 'DescribeTrails':
        return this.describeTrails(accountId, region, input);
      case 'GetTrailStatus':
        return this.trailAnswer(accountId, region, text(input, 'Name'), 'Name', (trail) => ({
          IsLogging: trail.logging,
        }));
      case 'GetEventSelectors':
        return this.trailAnswer(accountId, region, text(input, 'TrailName'), 'TrailName', (trail) => ({
          TrailARN: trail.arn,
          ...(trail.advancedEventSelectors
            ? { AdvancedEventSelectors: trail.advancedEventSelectors }
            : { EventSelectors: trail.eventSelectors ?? [] }),
        }));
      default:
        return jsonError(
          V,
          400,
          'UnknownOperationException',
          `CloudTrail has no operation ${operation} here`,
        );
    }
  }

  /** Trails that apply in `region`: those homed there, and every multi-region trail of the account. */
  private visible(accountId: string, region: string): TrailRecord[] {
    return [...this.trails.values()].filter(
      (t) => t.accountId === accountId && (t.homeRegion === region || t.multiRegion),
    );
  }

  private describeTrails(accountId: string, region: string, input: Record<string, unknown>): LocalResponse {
    const names = textList(input, 'trailNameList');
    if (names === false)
      return jsonError(V, 400, 'InvalidParameterException', 'trailNameList must be a list of strings');
    const shadows = input.includeShadowTrails !== false;
    const trails = this.visible(accountId, region).filter(
      (t) =>
        (shadows || t.homeRegion === region) &&
        (!names || names.length === 0 || names.includes(t.name) || names.includes(t.arn)),
    );
    return jsonAnswer(V, { trailList: trails.map(describe) });
  }

  private trailAnswer(
    accountId: string,
    region: string,
    name: string | undefined,
    member: string,
    answer: (trail: TrailRecord) => Record<string, unknown>,
  ): LocalResponse {
    if (!name) return jsonError(V, 400, 'InvalidTrailNameException', `${member} is required`);
    // A shadow trail is named by its ARN outside its home region; by name only at home.
    const trail = this.visible(accountId, region).find(
      (t) => t.arn === name || (t.name === name && t.homeRegion === region),
    );
    if (!trail)
      return jsonError(V, 400, 'TrailNotFoundException', `Unknown trail: ${name} for the user: ${accountId}`);
    return jsonAnswer(V, answer(trail));
  }
}

function describe(trail: TrailRecord): Record<string, unknown> {
  return {
    Name: trail.name,
    S3BucketName: `aws-cloudtrail-logs-${trail.accountId}`,
    IncludeGlobalServiceEvents: true,
    IsMultiRegionTrail: trail.multiRegion,
    HomeRegion: trail.homeRegion,
    TrailARN: trail.arn,
    LogFileValidationEnabled: true,
    HasCustomEventSelectors: trail.customSelectors,
    HasInsightSelectors: false,
    IsOrganizationTrail: trail.organization,
  };
}
