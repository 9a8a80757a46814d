import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FINGERPRINT_VERSION, fingerprintOf } from '../../lambda/core/fingerprint.js';

/**
 * These values are pinned on purpose. A fingerprint is the state table's sort key and the SARIF
 * partial fingerprint: if this test fails, every stored finding would resolve and alert again as
 * new. Do not update the values; add a new version and a state migration instead (see
 * lambda/core/fingerprint.ts).
 */
describe('fingerprintOf (v1)', () => {
  it('is version v1', () => {
    expect(FINGERPRINT_VERSION).toBe('v1');
  });

  it.each([
    [
      'message-length-max',
      'arn:aws:ivschat:us-east-1:123456789012:room/Bz7nW4cYh8Rd',
      '/maximumMessageLength',
      '1bb53d7f046b1e72d3aee1d596f60c50',
    ],
    [
      'required-tags',
      'arn:aws:ivschat:eu-west-1:123456789012:room/Pt8gN3bZq6Ve',
      '/tags/owner',
      '6b5a2676a2c3764eab875983ed27f566',
    ],
    [
      'custom',
      'arn:aws:ivschat:us-east-1:000000000000:room/Ünïcode😀',
      '/tags/a~1b',
      'ac834bf0b35d5aa9bf6a5681d9ee5e9c',
    ],
    ['whole-room', '', '', '9e056ee9c662396484fa410be175d191'],
  ])('gives %s on %s at "%s" the pinned value', (policyId, roomArn, pointer, expected) => {
    expect(fingerprintOf(policyId, roomArn, pointer)).toBe(expected);
  });

  it('is the documented construction: SHA-256 halves of the room and of (policy, pointer)', () => {
    const half = (json: unknown[]) =>
      createHash('sha256').update(JSON.stringify(json), 'utf8').digest('hex').slice(0, 16);
    const arn = 'arn:aws:ivschat:us-east-1:123456789012:room/Hn2mV6tQx9Lp';
    expect(fingerprintOf('logging-required', arn, '/loggingConfigurationIdentifiers')).toBe(
      half(['v1', 'room', arn]) +
        half(['v1', 'rule', 'logging-required', '/loggingConfigurationIdentifiers']),
    );
  });

  it('keeps inputs apart that a plain separator would run together', () => {
    const arn = 'arn:aws:ivschat:us-east-1:123456789012:room/Hn2mV6tQx9Lp';
    expect(fingerprintOf('a-b', arn, '/c')).not.toBe(fingerprintOf('a', arn, '-b/c'));
    expect(fingerprintOf('a', arn, '/"b"')).not.toBe(fingerprintOf('a"', arn, 'b"'));
  });
});
