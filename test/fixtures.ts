import type { FindingRecord } from '../lambda/audit/lifecycle.js';
import type { Finding, RegionInventory, RoomDocument } from '../lambda/core/types.js';

export const ACCOUNT = '123456789012';

/** A room that satisfies every starter policy; override fields to break one. */
export function compliantRoom(
  overrides: Partial<RoomDocument> = {},
  id = 'AbCdEf123456',
  region = 'us-east-1',
): RoomDocument {
  return {
    arn: `arn:aws:ivschat:${region}:${ACCOUNT}:room/${id}`,
    id,
    name: `room-${id.toLowerCase()}`,
    createTime: '2026-01-01T00:00:00.000Z',
    updateTime: '2026-01-02T00:00:00.000Z',
    maximumMessageLength: 200,
    maximumMessageRatePerSecond: 10,
    messageReviewHandler: {
      uri: `arn:aws:lambda:${region}:${ACCOUNT}:function:review`,
      fallbackResult: 'DENY',
    },
    loggingConfigurationIdentifiers: [`arn:aws:ivschat:${region}:${ACCOUNT}:logging-configuration/Lc0001`],
    // Joined as a live audit and export-rooms join it (an ACTIVE configuration).
    loggingConfigurations: [
      {
        arn: `arn:aws:ivschat:${region}:${ACCOUNT}:logging-configuration/Lc0001`,
        id: 'Lc0001',
        name: 'chat-archive',
        state: 'ACTIVE',
        destinationType: 's3',
        destination: 'example-chat-logs',
      },
    ],
    tags: { owner: 'team-chat' },
    ...overrides,
  };
}

/**
 * A complete inventory of `rooms`, each listed and read in full (one ListRooms page, a GetRoom per
 * room), in ACCOUNT's us-east-1; override any field.
 */
export function inventoryOf(
  rooms: RoomDocument[],
  overrides: Partial<RegionInventory> = {},
): RegionInventory {
  return {
    accountId: ACCOUNT,
    region: 'us-east-1',
    listed: rooms.map((r) => r.arn),
    audited: rooms.map((r) => r.arn),
    rooms,
    deleted: [],
    notReached: [],
    errors: [],
    complete: true,
    calls: { listRooms: 1, getRoom: rooms.length },
    ...overrides,
  };
}

/** The record of a finding told and recorded at `now`, open: what a first audit writes. */
export function openRecord(finding: Finding, now: string): FindingRecord {
  return {
    fingerprint: finding.fingerprint,
    status: 'open',
    firstSeen: now,
    lastSeen: now,
    lastNotified: now,
    finding,
  };
}
