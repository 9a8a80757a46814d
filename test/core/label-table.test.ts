/**
 * LabelTable answers as a Map does, whatever the sequence of sets, deletes and lookups, through
 * growth and tombstones.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LabelTable } from '../../lambda/core/label-table.js';

const LABELS = ['new', 'resolved', 'exempted', 'reminder'] as const;
type Label = (typeof LABELS)[number];

type Op =
  | { op: 'set'; key: string; label: Label }
  | { op: 'delete'; key: string }
  | { op: 'get'; key: string };

// Few distinct keys so that sets, deletes and lookups meet the same keys; some keys collide often.
const key = fc.oneof(
  fc.constantFrom('', 'a', 'b', 'ab', 'ba', '0123456789abcdef0123456789abcdef'),
  fc.string({ maxLength: 3 }),
  fc.stringMatching(/^[0-9a-f]{32}$/),
);
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), key, label: fc.constantFrom(...LABELS) }),
  fc.record({ op: fc.constant('delete' as const), key }),
  fc.record({ op: fc.constant('get' as const), key }),
);

describe('LabelTable', () => {
  it('answers as a Map does for any sequence of calls (property)', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), fc.nat(40), (ops, expected) => {
        const table = new LabelTable(LABELS, expected);
        const map = new Map<string, Label>();
        for (const o of ops) {
          if (o.op === 'set') {
            table.set(o.key, o.label);
            map.set(o.key, o.label);
          } else if (o.op === 'delete') {
            expect(table.delete(o.key)).toBe(map.delete(o.key));
          }
          expect(table.get(o.key)).toBe(map.get(o.key));
          expect(table.has(o.key)).toBe(map.has(o.key));
          expect(table.size).toBe(map.size);
        }
        for (const [k, v] of map) expect(table.get(k)).toBe(v);
      }),
      { numRuns: 300 },
    );
  });

  it('holds 200,000 fingerprints, then forgets every other one and still finds the rest', () => {
    const table = new LabelTable(LABELS, 200_000);
    const keys = Array.from(
      { length: 200_000 },
      (_, i) => `${i.toString(16).padStart(16, '0')}fedcba9876543210`,
    );
    for (const [i, k] of keys.entries()) table.set(k, LABELS[i % 4] as Label);
    for (const [i, k] of keys.entries()) if (i % 2 === 1) table.delete(k);
    // Deleted keys leave tombstones; new keys reuse them without losing the live ones.
    for (let i = 0; i < 50_000; i++) table.set(`extra-${i}`, 'new');
    expect(table.size).toBe(150_000);
    const wrong = keys.filter((k, i) => table.get(k) !== (i % 2 === 0 ? LABELS[i % 4] : undefined));
    expect(wrong).toEqual([]);
    expect(table.get('extra-49999')).toBe('new');
  });

  it('refuses a label it was not made with, and a table of no labels', () => {
    const table = new LabelTable(LABELS);
    expect(() => table.set('fp', 'open' as Label)).toThrow(/"open" is not one of this table's labels/);
    expect(() => new LabelTable([])).toThrow(RangeError);
  });
});
