import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// ARCHITECTURE.md: the entry point only picks the mode. Work that grows it belongs in modes/ or
// runtime/; this keeps the handler small enough to read at a glance (issue 23: at most 80 lines).
describe('lambda/handler.ts', () => {
  it('stays a dispatcher: at most 80 lines', () => {
    const lines = readFileSync(join(import.meta.dirname, '..', '..', 'lambda', 'handler.ts'), 'utf8')
      .trimEnd()
      .split('\n');
    expect(lines.length).toBeLessThanOrEqual(80);
  });
});
