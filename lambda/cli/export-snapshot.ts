import type { RoomSnapshotStore } from '../state/room-snapshot.js';
import { openRoomsFile } from './export-rooms.js';

export interface SnapshotExportOptions {
  store: RoomSnapshotStore;
  /** Only these accounts / regions (all the table holds when empty). */
  accounts: readonly string[];
  regions: readonly string[];
  /** The rooms file to write, in the format `export-rooms` writes. */
  output: string;
}

export interface SnapshotExportResult {
  /** `output`, or `output.partial` when a requested account × region has no snapshot. */
  path: string;
  rooms: number;
  complete: boolean;
  /** The regions the file vouches for (its `"regions"`). */
  regions: string[];
  snapshots: { accountId: string; region: string; takenAt: string; rooms: number }[];
  /** `account/region` pairs asked for (or implied) that have no snapshot. */
  missing: string[];
}

/**
 * Writes the rooms of the auditor's snapshots (state table, no IVS Chat call) as an export-rooms
 * file, so `policies diff --from-snapshot` and `audit --input` read them. One snapshot's documents
 * are held at a time.
 *
 * The file's `"regions"` vouches that it holds every room of those regions: only the regions where
 * every exported account has a snapshot qualify. With `--account`/`--region` each pair asked for must
 * have one, else the export is incomplete (`.partial`); without them an account missing a region
 * (e.g. one the auditor could not enter) only narrows `"regions"`.
 */
export async function exportSnapshot(options: SnapshotExportOptions): Promise<SnapshotExportResult> {
  const wantAccount = (a: string) => options.accounts.length === 0 || options.accounts.includes(a);
  const wantRegion = (r: string) => options.regions.length === 0 || options.regions.includes(r);
  const out = openRoomsFile(options.output);
  const { file } = out;
  const snapshots: SnapshotExportResult['snapshots'] = [];
  let rooms = 0;
  try {
    for await (const snapshot of options.store.list()) {
      if (!wantAccount(snapshot.accountId) || !wantRegion(snapshot.region)) continue;
      for (const room of snapshot.rooms) {
        file.write(`${rooms === 0 ? '' : ',\n'}    ${JSON.stringify(room)}`);
        rooms++;
      }
      const { accountId, region, takenAt } = snapshot;
      snapshots.push({ accountId, region, takenAt, rooms: snapshot.rooms.length });
    }
  } catch (error) {
    await out.discard();
    throw error;
  }
  const have = new Set(snapshots.map((s) => `${s.accountId}/${s.region}`));
  const accounts =
    options.accounts.length > 0 ? options.accounts : [...new Set(snapshots.map((s) => s.accountId))];
  const regions = options.regions.length > 0 ? options.regions : [...new Set(snapshots.map((s) => s.region))];
  const missing = accounts.flatMap((a) => regions.map((r) => `${a}/${r}`)).filter((pair) => !have.has(pair));
  const covered = [...new Set(regions)].filter((r) => accounts.every((a) => have.has(`${a}/${r}`))).sort();
  const filtered = options.accounts.length > 0 || options.regions.length > 0;
  const complete = covered.length > 0 && (!filtered || missing.length === 0);
  const path = await out.finish(rooms, complete ? covered : undefined);
  return { path, rooms, complete, regions: complete ? covered : [], snapshots, missing };
}
