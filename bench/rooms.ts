/** Deterministic synthetic room documents for the benchmark: varied, some compliant, most not. */
import type { RoomDocument } from '../lambda/core/types.js';
import type { SeedLoggingConfiguration, SeedRoom } from '../local-aws/index.js';
import { prng } from '../local-aws/prng.js';

export const BENCH_ACCOUNT = '000000000000';
/** The logging configurations the rooms point at (`LgBench00000` … `LgBench00006`). */
export const BENCH_LOGGING_CONFIGS = 7;

/** The logging configurations to seed beside `benchRooms`: one listing per run joins them into every room. */
export function benchLoggingConfigurations(): SeedLoggingConfiguration[] {
  return Array.from({ length: BENCH_LOGGING_CONFIGS }, (_, i) => ({
    id: `LgBench0000${i}`,
    name: `bench-logs-${i}`,
    state: 'ACTIVE',
    destinationConfiguration: { cloudWatchLogs: { logGroupName: `/ivs/chat/bench-${i}` } },
  }));
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const TEAMS = ['team-chat', 'team-video', 'team-growth', 'team-ops', ''];
const ENVS = ['prod', 'staging', 'dev'];

function roomId(prefix: string, i: number): string {
  // 12 alphanumerics: 2-letter prefix + base-62 index, zero-padded.
  let n = i;
  let s = '';
  for (let k = 0; k < 10; k++) {
    s = ALNUM[n % 62] + s;
    n = Math.floor(n / 62);
  }
  return `${prefix.slice(0, 2).padEnd(2, 'x')}${s}`;
}

/**
 * `count` rooms for `region`. About a quarter comply with every starter policy; the rest drift in
 * one or more ways (length 500, rate 20–100, fallback ALLOW or no handler, no logging, no/empty owner).
 */
export function benchRooms(region: string, count: number, prefix = 'bm', seed = 42): SeedRoom[] {
  const rand = prng(seed);
  const base = Date.UTC(2025, 0, 1);
  const rooms: SeedRoom[] = [];
  for (let i = 0; i < count; i++) {
    const id = roomId(prefix, i);
    const compliant = rand() < 0.25;
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)] as T;
    const env = pick(ENVS);
    const tags: Record<string, string> = { env };
    const owner = compliant ? 'team-chat' : pick(TEAMS);
    if (compliant || rand() < 0.8) tags.owner = owner;
    if (rand() < 0.5) tags['cost-center'] = `cc-${Math.floor(rand() * 100)}`;
    const room: SeedRoom = {
      region,
      arn: `arn:aws:ivschat:${region}:${BENCH_ACCOUNT}:room/${id}`,
      id,
      name: rand() < 0.1 ? `Legacy_Room_${i}` : `${env}-room-${i}`,
      createTime: new Date(base + i * 1000).toISOString(),
      updateTime: new Date(base + i * 60_000).toISOString(),
      maximumMessageLength: compliant ? pick([100, 140, 200]) : pick([200, 300, 500, 500]),
      maximumMessageRatePerSecond: compliant ? pick([1, 5, 10]) : pick([10, 20, 50, 100]),
      loggingConfigurationIdentifiers:
        compliant || rand() < 0.5
          ? [
              `arn:aws:ivschat:${region}:${BENCH_ACCOUNT}:logging-configuration/LgBench0000${i % BENCH_LOGGING_CONFIGS}`,
            ]
          : [],
      tags,
    };
    if (compliant || rand() < 0.6) {
      room.messageReviewHandler = {
        uri: `arn:aws:lambda:${region}:${BENCH_ACCOUNT}:function:review`,
        fallbackResult: compliant || rand() < 0.5 ? 'DENY' : 'ALLOW',
      };
    }
    rooms.push(room);
  }
  return rooms;
}

/** The same rooms as GetRoom documents (what evaluateRoom sees). */
export function benchRoomDocuments(region: string, count: number, prefix = 'bm', seed = 42): RoomDocument[] {
  return benchRooms(region, count, prefix, seed).map(({ region: _region, ...doc }) => doc as RoomDocument);
}
