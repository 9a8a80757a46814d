/**
 * The function's memory is derived from the bench's measured peak (lib/function-runtime.ts), and the
 * figure bench/results.json records must still fit it: a new measurement that needs more memory fails
 * here until MEASURED_PEAK_MB is updated. Consistency only; no timing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  FUNCTION_HEAP_GROWING_PERCENT,
  FUNCTION_MEMORY_MB,
  FUNCTION_NODE_OPTIONS,
  functionMemoryFor,
  MEASURED_PEAK_MB,
  MEMORY_HEADROOM,
} from '../../lib/function-runtime.js';

interface MemoryFigures {
  memory?: { peakRssMb?: number; dayLater?: { peakRssMb?: number; hwmRssMb?: number } };
  memoryLarge?: { rooms?: number; peakRssMb?: number; nodeOptions?: string; heapGrowingPercent?: string };
}

const results = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', '..', 'bench', 'results.json'), 'utf8'),
) as MemoryFigures;

describe('Constant: FUNCTION_MEMORY_MB', () => {
  it('is the measured peak times the headroom, rounded up to a whole MB', () => {
    expect(FUNCTION_MEMORY_MB).toBe(Math.ceil(MEASURED_PEAK_MB * MEMORY_HEADROOM));
    expect(FUNCTION_MEMORY_MB).toBe(functionMemoryFor(MEASURED_PEAK_MB));
  });

  it('stays within what Lambda allows', () => {
    expect(functionMemoryFor(10)).toBe(128);
    expect(functionMemoryFor(100_000)).toBe(10_240);
    expect(FUNCTION_NODE_OPTIONS).toContain(`--max-old-space-size=${Math.floor(FUNCTION_MEMORY_MB * 0.75)}`);
  });

  it('leaves the headroom over the 200,000-room peak bench/results.json records', () => {
    const recorded = results.memoryLarge?.peakRssMb;
    expect(recorded, 'bench/results.json records no memoryLarge peak').toBeTypeOf('number');
    expect(functionMemoryFor(recorded as number)).toBeLessThanOrEqual(FUNCTION_MEMORY_MB);
    // The 50,000-room runs fit all the more, the run a day later (every reminder due) included.
    expect(functionMemoryFor(results.memory?.peakRssMb ?? Number.NaN)).toBeLessThanOrEqual(
      FUNCTION_MEMORY_MB,
    );
    const dayLater = results.memory?.dayLater;
    if (dayLater) {
      const peak = Math.max(dayLater.peakRssMb ?? Number.NaN, dayLater.hwmRssMb ?? 0);
      expect(functionMemoryFor(peak)).toBeLessThanOrEqual(FUNCTION_MEMORY_MB);
    }
  });

  it('was measured at 200,000 rooms under the options the stack sets', () => {
    expect(results.memoryLarge?.rooms).toBe(200_000);
    expect(results.memoryLarge?.nodeOptions).toBe(FUNCTION_NODE_OPTIONS);
    // The heap's growing factor moves the peak as much as the old-space cap does (bench/README.md).
    expect(results.memoryLarge?.heapGrowingPercent).toBe(FUNCTION_HEAP_GROWING_PERCENT);
  });
});
