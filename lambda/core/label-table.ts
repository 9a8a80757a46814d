/**
 * A map from strings to one of a few labels, in ~9 bytes a slot instead of a `Map`'s ~48 an entry.
 *
 * Delivery looks up what the run's alert announces of each finding by fingerprint (lambda/pipeline/
 * deliver.ts): a first audit at 50,000 rooms announces 145,823 findings, and so does the run a day
 * later (every reminder). As a `Map` that table was 7 MB of the heap through claim and settle.
 *
 * Open addressing with linear probing over a power-of-two table: the keys are the strings the
 * findings already hold (one pointer a slot), the labels one byte each. A removed key leaves a
 * tombstone until the table is rebuilt. Same answers as a `Map` for any sequence of calls
 * (test/core/label-table.test.ts).
 */
export class LabelTable<L extends string> {
  private readonly labels: readonly L[];
  private keys: (string | undefined)[];
  /** Per slot: EMPTY, REMOVED, or the label's index + FIRST_LABEL. */
  private codes: Uint8Array;
  /** Live entries. */
  private live = 0;
  /** Live entries and tombstones: what probing walks past. */
  private used = 0;

  constructor(labels: readonly L[], expected = 0) {
    if (labels.length === 0 || labels.length > MAX_LABELS) {
      throw new RangeError(`a LabelTable holds 1 to ${MAX_LABELS} labels, not ${labels.length}`);
    }
    this.labels = labels;
    const capacity = capacityFor(expected);
    this.keys = new Array<string | undefined>(capacity).fill(undefined);
    this.codes = new Uint8Array(capacity);
  }

  get size(): number {
    return this.live;
  }

  get(key: string): L | undefined {
    const slot = this.find(key);
    return slot < 0 ? undefined : this.labels[(this.codes[slot] as number) - FIRST_LABEL];
  }

  has(key: string): boolean {
    return this.find(key) >= 0;
  }

  set(key: string, label: L): this {
    const code = this.labels.indexOf(label);
    if (code < 0) throw new RangeError(`"${label}" is not one of this table's labels`);
    const slot = this.find(key);
    if (slot >= 0) {
      this.codes[slot] = code + FIRST_LABEL;
      return this;
    }
    if ((this.used + 1) * LOAD_DENOMINATOR > this.codes.length * LOAD_NUMERATOR) {
      this.rebuild(capacityFor(this.live + 1));
    }
    this.insert(key, code + FIRST_LABEL);
    return this;
  }

  delete(key: string): boolean {
    const slot = this.find(key);
    if (slot < 0) return false;
    this.codes[slot] = REMOVED;
    this.keys[slot] = undefined;
    this.live--;
    return true;
  }

  /** The slot holding `key`, or -1. */
  private find(key: string): number {
    const mask = this.codes.length - 1;
    for (let slot = hash(key) & mask; ; slot = (slot + 1) & mask) {
      const code = this.codes[slot] as number;
      if (code === EMPTY) return -1;
      if (code !== REMOVED && this.keys[slot] === key) return slot;
    }
  }

  /** Puts a key known to be absent in the first free slot of its run (an empty or removed one). */
  private insert(key: string, code: number): void {
    const mask = this.codes.length - 1;
    let slot = hash(key) & mask;
    while (this.codes[slot] !== EMPTY && this.codes[slot] !== REMOVED) slot = (slot + 1) & mask;
    if (this.codes[slot] === EMPTY) this.used++;
    this.keys[slot] = key;
    this.codes[slot] = code;
    this.live++;
  }

  /** A fresh table of `capacity` slots holding the live entries (tombstones dropped). */
  private rebuild(capacity: number): void {
    const { keys, codes } = this;
    this.keys = new Array<string | undefined>(capacity).fill(undefined);
    this.codes = new Uint8Array(capacity);
    this.live = 0;
    this.used = 0;
    for (let slot = 0; slot < codes.length; slot++) {
      const code = codes[slot] as number;
      if (code !== EMPTY && code !== REMOVED) this.insert(keys[slot] as string, code);
    }
  }
}

const EMPTY = 0;
const REMOVED = 1;
const FIRST_LABEL = 2;
const MAX_LABELS = 256 - FIRST_LABEL;
/** At most 2/3 of the slots used (live or removed) before the table grows. */
const LOAD_NUMERATOR = 2;
const LOAD_DENOMINATOR = 3;
const MIN_CAPACITY = 16;

/** The power of two that keeps `entries` within the load factor. */
function capacityFor(entries: number): number {
  let capacity = MIN_CAPACITY;
  while (entries * LOAD_DENOMINATOR > capacity * LOAD_NUMERATOR) capacity *= 2;
  return capacity;
}

/** FNV-1a over the UTF-16 code units, mixed so that the low bits (the slot) depend on every unit. */
function hash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  return h >>> 0;
}
