import { describe, expect, it } from 'vitest';
import { fingerprintOf } from '../../lambda/core/fingerprint.js';
import { FingerprintIndex } from '../../lambda/state/fingerprint-index.js';

/** Real v1 fingerprints: three rules on each of `rooms` rooms (a room's findings share their first half). */
function fingerprints(rooms: number): string[] {
  const out: string[] = [];
  for (let r = 0; r < rooms; r++) {
    const arn = `arn:aws:ivschat:us-east-1:111111111111:room/r${r}`;
    for (const [policy, pointer] of [
      ['message-length-max', '/maximumMessageLength'],
      ['rate-max', '/maximumMessageRatePerSecond'],
      ['logging-active', '/loggingConfigurations/0'],
    ]) {
      out.push(fingerprintOf(policy as string, arn, pointer as string));
    }
  }
  return out;
}

describe('FingerprintIndex (fingerprint → row without a string per record)', () => {
  it('finds every one of 30,000 fingerprints at the row it was added as, past many rehashes, and gives its text back', () => {
    const all = fingerprints(10_000);
    const index = new FingerprintIndex();
    expect(all.map((fp) => index.add(fp))).toEqual(all.map((_, i) => i));
    expect(index.size).toBe(30_000);
    for (const i of [0, 1, 2, 4_999, 29_999]) {
      expect(index.get(all[i] as string)).toBe(i);
      expect(index.keyOf(i)).toBe(all[i]);
    }
    expect(all.every((fp, i) => index.get(fp) === i)).toBe(true);
    // Absent: another room's, and one digit off.
    expect(index.get(fingerprints(10_001)[30_000] as string)).toBeUndefined();
    const first = all[0] as string;
    const off = `${first.slice(0, 31)}${first[31] === '0' ? '1' : '0'}`;
    expect(index.get(off)).toBeUndefined();
  });

  it('keeps fingerprints of any other form apart, uppercase hex included', () => {
    const [hex = ''] = fingerprints(1);
    const index = new FingerprintIndex();
    index.add(hex);
    index.add('fp-1');
    index.add(hex.toUpperCase());
    index.add('');
    index.add(`${hex}0`);
    expect([0, 1, 2, 3, 4].map((row) => index.keyOf(row))).toEqual([
      hex,
      'fp-1',
      hex.toUpperCase(),
      '',
      `${hex}0`,
    ]);
    expect(index.get(hex)).toBe(0);
    expect(index.get('fp-1')).toBe(1);
    expect(index.get(hex.toUpperCase())).toBe(2);
    expect(index.get('')).toBe(3);
    expect(index.get(`${hex}0`)).toBe(4);
    expect(index.get('fp-2')).toBeUndefined();
  });

  it('goes on adding after it was cut to size', () => {
    const all = fingerprints(100);
    const index = new FingerprintIndex();
    for (const fp of all.slice(0, 150)) index.add(fp);
    index.trim();
    for (const fp of all.slice(150)) index.add(fp);
    expect(all.every((fp, i) => index.get(fp) === i && index.keyOf(i) === fp)).toBe(true);
  });
});
