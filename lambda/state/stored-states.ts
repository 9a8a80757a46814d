/**
 * The stored findings of a run as reconcile reads them (lambda/audit/lifecycle.ts `StoredState`), held
 * column-wise: a row per record in typed arrays, every repeated string once in a table, fingerprints as
 * bytes (fingerprint-index.ts). A steady state of 50,000 rooms loads 145,823 records and keeps them
 * for the whole run: one object per record in a Map was ~20 MB of that run's heap (the object, the
 * fingerprint string, the map entry), the columns and the index are ~60 bytes a record. `get` and
 * iteration hand out a short-lived view per call, which is what the lifecycle reads and lets go.
 */
import type { FindingKey, FindingRecord, StoredState } from '../audit/lifecycle.js';
import { FingerprintIndex } from './fingerprint-index.js';

const STATUSES: readonly FindingRecord['status'][] = ['open', 'resolved', 'exempt'];
const STATUS_CODE = new Map(STATUSES.map((s, i) => [s, i]));
/** The status code of a row whose status is none of STATUSES (Columns.otherStatus holds it). */
const OTHER_STATUS = 255;
/** A row without `lastNotified`. */
const NONE = -1;
const INITIAL_ROWS = 1024;

/** One record's values, as a store reads them from an item. */
export interface StoredStateRow {
  fingerprint: string;
  status: FindingRecord['status'];
  firstSeen: string;
  lastNotified: string | undefined;
  version: number;
  policyId: string;
  accountId: string;
  region: string;
  roomArn: string;
  message: string;
  pendingSinks?: readonly string[] | undefined;
}

/** Fills the columns row by row (a later row with the same fingerprint replaces the earlier one). */
export class StoredStatesBuilder {
  private readonly states = new StoredStates();
  /** String → its id in the table: only while building. */
  private readonly ids = new Map<string, number>();

  /** Whether a record with this fingerprint was added already. */
  has(fingerprint: string): boolean {
    return this.states.has(fingerprint);
  }

  add(row: StoredStateRow): void {
    const cols = this.states.columns;
    let at = cols.index.get(row.fingerprint);
    if (at === undefined) {
      at = cols.index.add(row.fingerprint);
      cols.grow(at + 1);
    }
    const code = STATUS_CODE.get(row.status);
    cols.status[at] = code ?? OTHER_STATUS;
    // A status of no known kind (an item written by hand) is kept as it was read, as before: the
    // lifecycle then treats the finding as not open, so it is announced and recorded afresh.
    if (code === undefined) cols.otherStatus.set(at, row.status);
    else cols.otherStatus.delete(at);
    cols.version[at] = row.version;
    cols.firstSeen[at] = this.id(row.firstSeen);
    cols.lastNotified[at] = row.lastNotified === undefined ? NONE : this.id(row.lastNotified);
    cols.policyId[at] = this.id(row.policyId);
    cols.accountId[at] = this.id(row.accountId);
    cols.region[at] = this.id(row.region);
    cols.roomArn[at] = this.id(row.roomArn);
    cols.message[at] = this.id(row.message);
    if (row.pendingSinks && row.pendingSinks.length > 0) {
      cols.pending.set(
        at,
        row.pendingSinks.map((s) => this.text(s)),
      );
    } else {
      cols.pending.delete(at);
    }
  }

  /** The states, the building table let go and the columns cut to their rows. */
  build(): StoredStates {
    this.ids.clear();
    this.states.columns.trim();
    return this.states;
  }

  private id(text: string): number {
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.states.columns.strings.length;
      this.states.columns.strings.push(text);
      this.ids.set(text, id);
    }
    return id;
  }

  private text(text: string): string {
    return this.states.columns.strings[this.id(text)] as string;
  }
}

/** The columns: one entry per row in each array, strings as ids into `strings`. */
class Columns {
  readonly index = new FingerprintIndex();
  readonly strings: string[] = [];
  readonly pending = new Map<number, readonly string[]>();
  readonly otherStatus = new Map<number, string>();
  status = new Uint8Array(INITIAL_ROWS);
  version = new Float64Array(INITIAL_ROWS);
  firstSeen = new Int32Array(INITIAL_ROWS);
  lastNotified = new Int32Array(INITIAL_ROWS);
  policyId = new Int32Array(INITIAL_ROWS);
  accountId = new Int32Array(INITIAL_ROWS);
  region = new Int32Array(INITIAL_ROWS);
  roomArn = new Int32Array(INITIAL_ROWS);
  message = new Int32Array(INITIAL_ROWS);

  grow(rows: number): void {
    if (rows <= this.status.length) return;
    this.resize(Math.max(rows, this.status.length * 2));
  }

  /** Capacity down to the rows held (growth doubles it: up to twice what 145,823 rows need). */
  trim(): void {
    this.index.trim();
    this.resize(this.index.size);
  }

  private resize(size: number): void {
    this.status = resized(this.status, new Uint8Array(size));
    this.version = resized(this.version, new Float64Array(size));
    this.firstSeen = resized(this.firstSeen, new Int32Array(size));
    this.lastNotified = resized(this.lastNotified, new Int32Array(size));
    this.policyId = resized(this.policyId, new Int32Array(size));
    this.accountId = resized(this.accountId, new Int32Array(size));
    this.region = resized(this.region, new Int32Array(size));
    this.roomArn = resized(this.roomArn, new Int32Array(size));
    this.message = resized(this.message, new Int32Array(size));
  }
}

function resized<T extends Uint8Array | Int32Array | Float64Array>(from: T, to: T): T {
  to.set(from.length > to.length ? from.subarray(0, to.length) : from);
  return to;
}

/** The stored states by fingerprint: a read-only map whose values are views of the columns. */
export class StoredStates implements ReadonlyMap<string, StoredState> {
  /** @internal Filled by StoredStatesBuilder. */
  readonly columns = new Columns();

  get size(): number {
    return this.columns.index.size;
  }

  has(fingerprint: string): boolean {
    return this.columns.index.get(fingerprint) !== undefined;
  }

  get(fingerprint: string): StoredState | undefined {
    const row = this.columns.index.get(fingerprint);
    return row === undefined ? undefined : this.view(row);
  }

  *keys(): MapIterator<string> {
    const count = this.size;
    for (let row = 0; row < count; row++) yield this.columns.index.keyOf(row);
  }

  *values(): MapIterator<StoredState> {
    const count = this.size;
    for (let row = 0; row < count; row++) yield this.view(row);
  }

  *entries(): MapIterator<[string, StoredState]> {
    const count = this.size;
    for (let row = 0; row < count; row++) {
      const view = this.view(row);
      yield [view.fingerprint, view];
    }
  }

  [Symbol.iterator](): MapIterator<[string, StoredState]> {
    return this.entries();
  }

  forEach(
    callback: (value: StoredState, key: string, map: ReadonlyMap<string, StoredState>) => void,
    thisArg?: unknown,
  ): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }

  /**
   * A set of these fingerprints as one byte per row (a Set of 145,823 strings is ~5 MB): which
   * stored findings a run has come across.
   */
  marks(): FingerprintMarks {
    const marked = new Uint8Array(this.size);
    const { index } = this.columns;
    return {
      add(fingerprint) {
        const row = index.get(fingerprint);
        if (row === undefined || marked[row] === 1) return false;
        marked[row] = 1;
        return true;
      },
      has(fingerprint) {
        const row = index.get(fingerprint);
        return row !== undefined && marked[row] === 1;
      },
    };
  }

  private view(row: number): StoredState {
    const c = this.columns;
    const s = (id: number) => c.strings[id] as string;
    const lastNotified = c.lastNotified[row] as number;
    const state = new StateView(
      c.index.keyOf(row),
      (STATUSES[c.status[row] as number] ?? c.otherStatus.get(row) ?? '') as FindingRecord['status'],
      s(c.firstSeen[row] as number),
      lastNotified === NONE ? undefined : s(lastNotified),
      c.version[row] as number,
      s(c.policyId[row] as number),
      s(c.accountId[row] as number),
      s(c.region[row] as number),
      s(c.roomArn[row] as number),
      s(c.message[row] as number),
    );
    // Rare (a sink failed), so set only where there is one: a view without it has no such property.
    const pending = c.pending.get(row);
    if (pending) state.pendingSinks = pending;
    return state;
  }
}

/** Stored fingerprints marked as met (see StoredStates.marks). */
export interface FingerprintMarks {
  /** Marks a stored fingerprint; false when it was marked already or is not stored. */
  add(fingerprint: string): boolean;
  has(fingerprint: string): boolean;
}

/** One row as a StoredState on its own (a record read by key, tests). */
export function storedState(row: StoredStateRow): StoredState {
  const builder = new StoredStatesBuilder();
  builder.add(row);
  return builder.build().get(row.fingerprint) as StoredState;
}

/** One record as reconcile reads it, its finding's key held flat (`finding` is the view itself). */
class StateView implements StoredState, FindingKey {
  constructor(
    readonly fingerprint: string,
    readonly status: FindingRecord['status'],
    readonly firstSeen: string,
    readonly lastNotified: string | undefined,
    readonly version: number,
    readonly policyId: string,
    readonly accountId: string,
    readonly region: string,
    readonly roomArn: string,
    readonly message: string,
  ) {}

  declare pendingSinks?: readonly string[];

  get finding(): FindingKey {
    return this;
  }
}
