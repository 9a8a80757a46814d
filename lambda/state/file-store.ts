import { readFile, rename, writeFile } from 'node:fs/promises';
import { InputError } from '../core/errors.js';
import type { FindingRecord } from '../core/lifecycle.js';
import type { CachedRoom } from '../core/room-cache.js';
import type { RoomCacheStore } from './room-cache-store.js';
import type { StateStore } from './store.js';

interface StateFile {
  version: 1;
  findings: Record<string, FindingRecord>;
  /** `<account>/<region>` → room ARN → last fetched document. */
  rooms?: Record<string, Record<string, CachedRoom>>;
}

/** Lifecycle state and the room cache in a local JSON file, for `ivschat-audit audit --state FILE`. */
export class FileStateStore implements StateStore, RoomCacheStore {
  private cache: StateFile | undefined;

  constructor(private readonly path: string) {}

  async load(): Promise<Map<string, FindingRecord>> {
    const state = await this.read();
    return new Map(Object.entries(state.findings));
  }

  async save(changes: readonly FindingRecord[]): Promise<void> {
    const state = await this.read();
    for (const change of changes) state.findings[change.fingerprint] = change;
    await this.write(state);
  }

  async loadRooms(accountId: string, region: string): Promise<Map<string, CachedRoom>> {
    const state = await this.read();
    return new Map(Object.entries(state.rooms?.[`${accountId}/${region}`] ?? {}));
  }

  async saveRooms(
    accountId: string,
    region: string,
    upserts: readonly CachedRoom[],
    removals: readonly string[],
  ): Promise<void> {
    const state = await this.read();
    const key = `${accountId}/${region}`;
    state.rooms ??= {};
    const rooms = state.rooms[key] ?? {};
    state.rooms[key] = rooms;
    for (const room of upserts) rooms[room.arn] = room;
    for (const arn of removals) delete rooms[arn];
    await this.write(state);
  }

  private async write(state: StateFile): Promise<void> {
    // Write then rename: an interrupted run never leaves a half-written state file.
    const tmp = `${this.path}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`);
    await rename(tmp, this.path);
  }

  private async read(): Promise<StateFile> {
    if (this.cache) return this.cache;
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        this.cache = { version: 1, findings: {} };
        return this.cache;
      }
      throw new InputError(`cannot read state file ${this.path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    try {
      const parsed = JSON.parse(text) as StateFile;
      if (parsed?.version !== 1 || typeof parsed.findings !== 'object')
        throw new Error('not an ivschat-auditor state file');
      this.cache = parsed;
      return parsed;
    } catch (error) {
      throw new InputError(`state file ${this.path} is unusable: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}
