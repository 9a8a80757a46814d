import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliWith } from './run.js';

// Every offline transcript in the README (`$ npx ivschat-audit …`, its output, then `$ echo $?`) is
// run here in the checkout, as a reader runs it: the output and the exit code must be what it shows.
const ROOT = join(import.meta.dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const TRANSCRIPTS = [
  ...README.matchAll(/^\$ npx ivschat-audit (.+)\n([\s\S]*?)^\$ echo \$\?\n(\d+)\n/gm),
].map((m) => ({ args: (m[1] as string).split(' '), shown: m[2] as string, code: Number(m[3]) }));

describe("the README's CLI transcripts", () => {
  it('are there to check', () => {
    expect(TRANSCRIPTS.map(({ args }) => args.join(' '))).toContain('audit --input examples/rooms.json');
  });

  it.each(TRANSCRIPTS.map((t) => [t.args.join(' '), t] as const))(
    'ivschat-audit %s',
    async (_, transcript) => {
      const run = await cliWith(transcript.args, { cwd: ROOT });
      expect(run.stdout).toBe(transcript.shown);
      expect(run.code).toBe(transcript.code);
    },
  );
});
