import { randomBytes } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { FindingRecord, StoredState } from '../audit/lifecycle.js';
import { InputError } from '../core/errors.js';
import { fileProblem } from '../core/file-problem.js';
import type { CachedRoom } from '../core/room-cache.js';
import { createPolicyFileAjv } from '../policy/ajv.js';
import { EMPTY_SOURCE, type JsonPath, JsonSyntaxError, jsonPointer, walkJsonFile } from './json-stream.js';
import { RecordReader, storedFinding } from './record.js';
import type { RoomCacheStore } from './room-cache-store.js';
import { soleWriter } from './sole-writer.js';
import { STATE_FILE_SCHEMA, STATE_FILE_SCHEMA_ID } from './state-file-schema.js';
import type { SharedWrites, StateStore } from './store.js';
import { type ChunkedWriter, writeFileInChunks } from './text-writer.js';

interface StateFile {
  findings: Map<string, FindingRecord>;
  /** `<account>/<region>` → room ARN → last fetched document. */
  rooms: Map<string, Map<string, CachedRoom>>;
}

interface Validators {
  file: ValidateFunction;
  record: ValidateFunction;
  cachedRoom: ValidateFunction;
}

let validators: Validators | undefined;

/** Compiled once per process, on first use (the Lambda never loads this module's schema). */
function stateValidators(): Validators {
  if (validators) return validators;
  const ajv = createPolicyFileAjv();
  ajv.addSchema(STATE_FILE_SCHEMA);
  const get = (ref: string) => {
    const validate = ajv.getSchema(`${STATE_FILE_SCHEMA_ID}${ref}`);
    if (!validate) throw new Error(`state file schema has no ${ref}`);
    return validate;
  };
  validators = { file: get(''), record: get('#/$defs/record'), cachedRoom: get('#/$defs/cachedRoom') };
  return validators;
}

/**
 * Lifecycle state and the room cache in a local JSON file, for `ivschat-audit audit --state FILE`.
 * The file is read and written as a stream (one record per line): a state of 500,000 findings is
 * never one string in memory. Writes of one store are serialised, each to its own temporary file
 * renamed into place, so regions saving at the same moment neither collide nor lose each other's rooms.
 */
export class FileStateStore implements StateStore, RoomCacheStore {
  private state: Promise<StateFile> | undefined;
  private writes: Promise<void> = Promise.resolve();

  constructor(private readonly path: string) {}

  /** One process owns the file: claims are staged and written, as settled, in one save. */
  readonly shared: SharedWrites = soleWriter(this);

  /** The records whole: the file's records are in memory already (the file is read once). */
  async load(): Promise<Map<string, StoredState>> {
    return new Map((await this.read()).findings);
  }

  async fetch(states: readonly StoredState[]): Promise<Map<string, FindingRecord>> {
    const { findings } = await this.read();
    const records = new Map<string, FindingRecord>();
    for (const { fingerprint } of states) {
      const record = findings.get(fingerprint);
      if (record) records.set(fingerprint, record);
    }
    return records;
  }

  async save(changes: readonly FindingRecord[]): Promise<void> {
    const state = await this.read();
    for (const change of changes) state.findings.set(change.fingerprint, change);
    await this.persist();
  }

  async loadRooms(accountId: string, region: string): Promise<Map<string, CachedRoom>> {
    return new Map((await this.read()).rooms.get(`${accountId}/${region}`));
  }

  async saveRooms(
    accountId: string,
    region: string,
    upserts: readonly CachedRoom[],
    removals: readonly string[],
  ): Promise<void> {
    const state = await this.read();
    const key = `${accountId}/${region}`;
    let rooms = state.rooms.get(key);
    if (!rooms) {
      rooms = new Map();
      state.rooms.set(key, rooms);
    }
    for (const room of upserts) rooms.set(room.arn, room);
    for (const arn of removals) rooms.delete(arn);
    await this.persist();
  }

  /** Queues a write of the whole state after any write already under way. */
  private persist(): Promise<void> {
    const next = this.writes.catch(() => {}).then(() => this.write());
    this.writes = next;
    return next;
  }

  private async write(): Promise<void> {
    const state = await this.read();
    // Write then rename: an interrupted run never leaves a half-written state file.
    const tmp = `${this.path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFileInChunks(tmp, (out) => writeState(state, out));
      await rename(tmp, this.path);
    } catch (error) {
      await rm(tmp, { force: true });
      throw new InputError(
        `cannot write state file ${this.path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        { cause: error },
      );
    }
  }

  /** Reads the file once; concurrent first callers share the one read. */
  private read(): Promise<StateFile> {
    this.state ??= readState(this.path);
    return this.state;
  }
}

async function writeState(state: StateFile, out: ChunkedWriter): Promise<void> {
  await out.write('{"version":1,"findings":{');
  let first = true;
  for (const [fingerprint, record] of state.findings) {
    const stored = { ...record, finding: storedFinding(record.finding) };
    await out.write(`${first ? '' : ','}\n${JSON.stringify(fingerprint)}:${JSON.stringify(stored)}`);
    first = false;
  }
  await out.write('\n},"rooms":{');
  let firstRegion = true;
  for (const [key, rooms] of state.rooms) {
    await out.write(`${firstRegion ? '' : ','}\n${JSON.stringify(key)}:{`);
    firstRegion = false;
    let firstRoom = true;
    for (const [arn, room] of rooms) {
      await out.write(`${firstRoom ? '' : ','}\n${JSON.stringify(arn)}:${JSON.stringify(room)}`);
      firstRoom = false;
    }
    await out.write('}');
  }
  await out.write('\n}}\n');
}

/** A missing file is an empty state; anything else must match STATE_FILE_SCHEMA. */
async function readState(path: string): Promise<StateFile> {
  const check = stateValidators();
  const state: StateFile = { findings: new Map(), rooms: new Map() };
  const reader = new RecordReader();
  // The top level as read, with `findings` and `rooms` standing in as {} when they were streamed.
  let top: unknown;
  const fail = (at: JsonPath, errors: ErrorObject[] | null | undefined): never => {
    const error = errors?.[0];
    const pointer = jsonPointer(at) + (error?.instancePath ?? '');
    throw new InputError(`${path} ${pointer || '/'}: ${describe(error)}`);
  };
  try {
    await walkJsonFile(path, {
      visit(at, kind) {
        if (at.length === 0) {
          if (kind === 'object') top = {};
          return kind === 'object' ? 'descend' : 'assemble';
        }
        // Walked down to one finding record, or to one cached room (rooms → region → room).
        const depth = at[0] === 'findings' ? 1 : at[0] === 'rooms' ? 2 : 0;
        if (kind !== 'object' || at.length > depth) return 'assemble';
        if (at.length === 1) (top as Record<string, unknown>)[at[0] as string] = {};
        return 'descend';
      },
      onValue(at, value) {
        if (at.length === 0) top = value;
        else if (at.length === 1) (top as Record<string, unknown>)[at[0] as string] = value;
        else if (at[0] === 'findings') {
          if (!check.record(value)) fail(at, check.record.errors);
          state.findings.set(String(at[1]), reader.read(value as Record<string, unknown>));
        } else {
          if (!check.cachedRoom(value)) fail(at, check.cachedRoom.errors);
          const key = String(at[1]);
          let rooms = state.rooms.get(key);
          if (!rooms) {
            rooms = new Map();
            state.rooms.set(key, rooms);
          }
          rooms.set(String(at[2]), value as CachedRoom);
        }
      },
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return state;
    if (error instanceof InputError) throw error;
    if (error instanceof JsonSyntaxError) {
      const detail =
        error.message === EMPTY_SOURCE
          ? `${EMPTY_SOURCE}; not a state file this tool wrote (delete it to start afresh)`
          : error.message;
      throw new InputError(`${path} ${error.pointer || '/'}: ${detail}`, { cause: error });
    }
    throw new InputError(`cannot read state file ${path}: ${fileProblem(error)}`, { cause: error });
  }
  if (!check.file(top)) fail([], check.file.errors);
  return state;
}

function describe(error: ErrorObject | undefined): string {
  if (!error) return 'not an ivschat-audit state file';
  const allowed = (error.params as { allowedValues?: unknown[]; allowedValue?: unknown }) ?? {};
  if (error.keyword === 'enum') return `${error.message}: ${JSON.stringify(allowed.allowedValues)}`;
  if (error.keyword === 'const') return `${error.message}: ${JSON.stringify(allowed.allowedValue)}`;
  return error.message ?? error.keyword;
}
