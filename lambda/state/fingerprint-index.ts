/**
 * Fingerprint → row for the column-wise stored state (stored-states.ts), without a string or a map
 * entry per record. A v1 fingerprint (lambda/core/fingerprint.ts: 32 lowercase hex digits) is kept as
 * its 16 bytes, found through an open-addressing table of row numbers: ~24 bytes a record, where a
 * Map from the strings took ~100 (the string, the entry, the table's slack). Anything else (a
 * fingerprint of another form, as tests and hand-edited state may hold) goes into a plain map.
 */

const BYTES = 16;
const HEX_LENGTH = 32;

export class FingerprintIndex {
  private bytes: Uint8Array<ArrayBuffer> = new Uint8Array(BYTES * 1024);
  /** Row + 1 of each occupied slot (0: empty); at most half full. */
  private slots = new Int32Array(2048);
  private readonly others = new Map<string, number>();
  private readonly otherKeys = new Map<number, string>();
  private readonly scratch = new Uint8Array(BYTES);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The row of `fingerprint`, or undefined. */
  get(fingerprint: string): number | undefined {
    if (!parseHex(fingerprint, this.scratch, 0)) return this.others.get(fingerprint);
    const mask = this.slots.length - 1;
    for (let i = hashOf(this.scratch, 0) & mask; ; i = (i + 1) & mask) {
      const slot = this.slots[i] as number;
      if (slot === 0) return undefined;
      if (this.sameAt(slot - 1)) return slot - 1;
    }
  }

  /** Adds a fingerprint not yet held as the next row; returns the row. */
  add(fingerprint: string): number {
    const row = this.count++;
    if (this.bytes.length < this.count * BYTES) {
      this.bytes = copied(this.bytes, Math.max(this.count * BYTES, this.bytes.length * 2));
    }
    if (!parseHex(fingerprint, this.bytes, row * BYTES)) {
      this.others.set(fingerprint, row);
      this.otherKeys.set(row, fingerprint);
      return row;
    }
    if ((this.count - this.others.size) * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    else this.place(row);
    return row;
  }

  /** The fingerprint of a row, as text. */
  keyOf(row: number): string {
    const other = this.otherKeys.get(row);
    if (other !== undefined) return other;
    const pairs: string[] = new Array(BYTES);
    for (let i = 0; i < BYTES; i++) pairs[i] = HEX_PAIRS[this.bytes[row * BYTES + i] as number] as string;
    // `join` builds one flat string, not a chain of 16 pieces: the caller may keep it.
    return pairs.join('');
  }

  /** Capacity down to the rows held. */
  trim(): void {
    this.bytes = copied(this.bytes, this.count * BYTES);
  }

  private sameAt(row: number): boolean {
    const at = row * BYTES;
    for (let i = 0; i < BYTES; i++) if (this.bytes[at + i] !== this.scratch[i]) return false;
    return true;
  }

  private place(row: number): void {
    const mask = this.slots.length - 1;
    let i = hashOf(this.bytes, row * BYTES) & mask;
    while (this.slots[i] !== 0) i = (i + 1) & mask;
    this.slots[i] = row + 1;
  }

  private rehash(size: number): void {
    this.slots = new Int32Array(size);
    for (let row = 0; row < this.count; row++) if (!this.otherKeys.has(row)) this.place(row);
  }
}

const HEX_PAIRS = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Writes the 16 bytes of a v1 fingerprint at `offset`; false (and nothing usable) for any other text. */
function parseHex(text: string, into: Uint8Array, offset: number): boolean {
  if (text.length !== HEX_LENGTH) return false;
  for (let i = 0; i < BYTES; i++) {
    const high = hexDigit(text.charCodeAt(2 * i));
    const low = hexDigit(text.charCodeAt(2 * i + 1));
    if (high < 0 || low < 0) return false;
    into[offset + i] = (high << 4) | low;
  }
  return true;
}

/** 0-15 for a lowercase hex digit, -1 otherwise (an uppercase digit is another fingerprint). */
function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

/**
 * The room half's first four bytes mixed with the rule half's: a room's findings share the first,
 * every room's findings of one rule share the second; both are SHA-256 bits.
 */
function hashOf(bytes: Uint8Array, at: number): number {
  const word = (i: number) =>
    (((bytes[i] as number) << 24) |
      ((bytes[i + 1] as number) << 16) |
      ((bytes[i + 2] as number) << 8) |
      (bytes[i + 3] as number)) >>>
    0;
  return (word(at) ^ Math.imul(word(at + 8), 0x9e3779b1)) >>> 0;
}

function copied(from: Uint8Array, size: number): Uint8Array<ArrayBuffer> {
  const to = new Uint8Array(size);
  to.set(from.length > size ? from.subarray(0, size) : from);
  return to;
}
