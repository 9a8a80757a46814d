import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The README's folder table is where a new contributor looks for code: a folder added under lambda/
// without a word there fails here.
const ROOT = join(import.meta.dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

describe("the README's folder table", () => {
  it('names every folder of lambda/', () => {
    const row = README.split('\n').find((line) => line.startsWith('| `lambda/` |')) ?? '';
    const folders = readdirSync(join(ROOT, 'lambda'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `\`${entry.name}/\``);
    expect(folders.filter((folder) => !row.includes(folder))).toEqual([]);
  });
});
