/**
 * The function's heap growing factor: set from the stack's variable, once, before the first run; V8's
 * own when unset; a bad value fails with the variable's name and sets nothing.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lambda/core/errors.js';
import { HEAP_GROWING_ENV, tuneHeap } from '../../lambda/runtime/heap.js';
import { FUNCTION_RUNTIME_ENV } from '../../lib/function-runtime.js';

function recorder() {
  const flags: string[] = [];
  return { flags, set: (f: string) => void flags.push(f) };
}

describe('tuneHeap', () => {
  it('sets the growing factor the stack asks for', () => {
    const { flags, set } = recorder();
    expect(tuneHeap({ [HEAP_GROWING_ENV]: ' 20 ' }, set)).toBe(20);
    expect(flags).toEqual(['--heap-growing-percent=20']);
  });

  it("leaves V8's own factor when the variable is unset or empty", () => {
    const { flags, set } = recorder();
    expect(tuneHeap({}, set)).toBeUndefined();
    expect(tuneHeap({ [HEAP_GROWING_ENV]: '' }, set)).toBeUndefined();
    expect(flags).toEqual([]);
  });

  it.each(['0', '301', '-5', '12.5', '20 --allow-natives-syntax', '1e2', 'twenty'])(
    'refuses %j with the variable named, and sets no flag',
    (value) => {
      const { flags, set } = recorder();
      expect(() => tuneHeap({ [HEAP_GROWING_ENV]: value }, set)).toThrow(ConfigError);
      expect(() => tuneHeap({ [HEAP_GROWING_ENV]: value }, set)).toThrow(
        new RegExp(`^${HEAP_GROWING_ENV}: .* is not a whole number from 1 to 300`),
      );
      expect(flags).toEqual([]);
    },
  );

  it('is the variable the stack sets for the function, with a value tuneHeap takes', () => {
    const value = (FUNCTION_RUNTIME_ENV as Record<string, string>)[HEAP_GROWING_ENV];
    expect(value).toBeDefined();
    expect(tuneHeap({ [HEAP_GROWING_ENV]: value }, () => {})).toBe(Number(value));
  });

  it("names a flag this Node's V8 knows (V8 ignores one it does not; the bench measures its effect)", () => {
    const options = execFileSync(process.execPath, ['--v8-options']).toString();
    expect(options).toMatch(/--heap-growing-percent \(specifies heap growing factor/);
  });
});
