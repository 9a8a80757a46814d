import { describe, expect, it } from 'vitest';
import { flattened } from '../../lambda/core/intern.js';

describe('flattened', () => {
  it('gives back the very text, whatever it holds (numbers, signs, spaces and non-Latin text included)', () => {
    const built = (...parts: string[]) => parts.reduce((a, b) => a + b, '');
    for (const text of [
      built(
        'logging configuration "',
        'arn:aws:ivschat:us-east-1:111111111111:logging-configuration/x',
        '" is NOT_FOUND',
      ),
      built('12', '34'),
      built(' -1e3', ' '),
      built('0x', 'ff'),
      built('Infinity', ''),
      built('日本語の', 'メッセージ'),
      '',
    ]) {
      const out = flattened(text);
      expect(out).toBe(text);
      expect(typeof out).toBe('string');
    }
  });
});
